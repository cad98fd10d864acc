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
    char *store_path;
    gboolean positioned;
    guint watch_id;
    GSourceFunc func;
    gpointer func_data;
};

CoronerCrashFeed *coroner_crash_feed_open(uid_t uid, const char *store_path, GError **error)
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
    self->store_path = g_strdup(store_path);
    return self;
}

void coroner_crash_feed_free(CoronerCrashFeed *self)
{
    if (!self)
        return;
    g_clear_handle_id(&self->watch_id, g_source_remove);
    sd_journal_close(self->journal);
    g_free(self->store_path);
    g_free(self);
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
        /* Untrusted entries are skipped; the record is read only from the store. */
        CoronerCrashRecord *record = coroner_journal_entry_record(self->journal, self->store_path);
        if (record && !record->id)
            g_clear_pointer(&record, coroner_crash_record_free);
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
