/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-crash-feed.h"

#include <fcntl.h>
#include <glib-unix.h>
#include <string.h>
#include <systemd/sd-journal.h>

#include "journal-reader.h"
#include "journal-writer.h"

struct _CoronerCrashFeed {
    sd_journal *journal;
    gboolean positioned;
    guint watch_id;
    GSourceFunc func;
    gpointer func_data;
};

CoronerCrashFeed *coroner_crash_feed_open(uid_t uid, GError **error)
{
    sd_journal *j = NULL;
    int r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
    g_autofree char *match_uid = NULL;

    if (r < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), "sd_journal_open: %s", g_strerror(-r));
        return NULL;
    }
    match_uid = g_strdup_printf("COREDUMP_UID=%u", (unsigned)uid);
    if (sd_journal_add_match(j, "MESSAGE_ID=" CORONER_COREDUMP_MESSAGE_ID, 0) < 0 ||
        sd_journal_add_match(j, match_uid, 0) < 0) {
        sd_journal_close(j);
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, "sd_journal_add_match failed");
        return NULL;
    }
    CoronerCrashFeed *self = g_new0(CoronerCrashFeed, 1);
    self->journal = j;
    return self;
}

void coroner_crash_feed_free(CoronerCrashFeed *self)
{
    if (!self)
        return;
    g_clear_handle_id(&self->watch_id, g_source_remove);
    sd_journal_close(self->journal);
    g_free(self);
}

/* The entry's fields as journal-reader.c wants them: name → GBytes*, first value wins. */
static GHashTable *entry_fields(sd_journal *j)
{
    GHashTable *fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
    const void *data;
    size_t length;

    sd_journal_restart_data(j);
    while (sd_journal_enumerate_data(j, &data, &length) > 0) {
        const char *eq = memchr(data, '=', length);
        if (!eq)
            continue;
        char *name = g_strndup(data, (gsize)(eq - (const char *)data));
        if (g_hash_table_contains(fields, name)) {
            g_free(name);
            continue;
        }
        gsize offset = (gsize)(eq - (const char *)data) + 1;
        g_hash_table_insert(fields, name, g_bytes_new(eq + 1, length - offset));
    }
    return fields;
}

static char *field_text(GHashTable *fields, const char *name)
{
    GBytes *bytes = g_hash_table_lookup(fields, name);
    gsize length;
    const char *data;

    if (!bytes)
        return NULL;
    data = g_bytes_get_data(bytes, &length);
    return g_strndup(data, length);
}

static CoronerCrashRecord *entry_record(sd_journal *j)
{
    g_autoptr(GHashTable) fields = entry_fields(j);
    g_autofree char *record_path = field_text(fields, "CORONER_RECORD");
    uint64_t realtime = 0;
    sd_id128_t boot;
    char boot_text[SD_ID128_STRING_MAX] = "";

    if (record_path && g_path_is_absolute(record_path)) {
        CoronerCrashRecord *record = coroner_crash_record_load_at(AT_FDCWD, record_path, NULL);
        if (record)
            return record;
    }
    sd_journal_get_realtime_usec(j, &realtime);
    if (sd_journal_get_monotonic_usec(j, NULL, &boot) >= 0)
        sd_id128_to_string(boot, boot_text);
    CoronerCrashRecord *record = coroner_record_from_journal_fields(fields, boot_text, realtime);
    if (record && !record->id) {
        g_clear_pointer(&record, coroner_crash_record_free);
    }
    return record;
}

GPtrArray *coroner_crash_feed_read(CoronerCrashFeed *self, gint64 since_usec)
{
    GPtrArray *records = g_ptr_array_new_with_free_func((GDestroyNotify)coroner_crash_record_free);

    if (!self->positioned) {
        if (since_usec > 0)
            sd_journal_seek_realtime_usec(self->journal, (uint64_t)since_usec);
        else
            sd_journal_seek_head(self->journal);
        self->positioned = TRUE;
    }
    while (sd_journal_next(self->journal) > 0) {
        CoronerCrashRecord *record = entry_record(self->journal);
        if (record)
            g_ptr_array_add(records, record);
    }
    return records;
}

static gboolean on_journal_fd(int fd, GIOCondition condition, gpointer data)
{
    CoronerCrashFeed *self = data;
    int r = sd_journal_process(self->journal);

    if (r == SD_JOURNAL_APPEND || r == SD_JOURNAL_INVALIDATE)
        self->func(self->func_data);
    return G_SOURCE_CONTINUE;
}

void coroner_crash_feed_watch(CoronerCrashFeed *self, GSourceFunc func, gpointer data)
{
    int fd = sd_journal_get_fd(self->journal);

    if (fd < 0)
        return;
    self->func = func;
    self->func_data = data;
    /*
     * The fd is inotify on the journal directories: it wakes us only when
     * journald writes.  sd_journal_get_timeout() asks for periodic wake-ups
     * only where inotify is unavailable; there we accept missing live entries
     * (the next start finds them) rather than polling.
     */
    self->watch_id = g_unix_fd_add(fd, (GIOCondition)sd_journal_get_events(self->journal), on_journal_fd, self);
}
