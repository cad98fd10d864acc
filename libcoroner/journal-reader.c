/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "journal-reader.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fs-util.h"
#include "journal-writer.h"
#include "stack-trace-message.h"
#include "store.h"
#include "str-util.h"
#include "trust.h"

/*
 * Fields longer than this are cut when listing.  Only the core itself
 * (COREDUMP=, read separately) comes near it; /proc/PID/maps and mountinfo of
 * even large processes stay well below.
 */
#define FIELD_THRESHOLD (4u << 20)

void coroner_journal_crash_free(CoronerJournalCrash *c)
{
    if (!c)
        return;
    g_free(c->cursor);
    g_free(c->record_id);
    g_free(c->record_path);
    g_free(c->core_path);
    g_clear_pointer(&c->fields, g_hash_table_unref);
    coroner_crash_record_free(c->record);
    g_free(c);
}

sd_journal *coroner_journal_open(const char *directory, const char *const *files, GError **error)
{
    sd_journal *j = NULL;
    int r;
    if (files && files[0]) {
        r = sd_journal_open_files(&j, (const char **)files, 0);
        if (r < 0) {
            coroner_set_errno_error(error, -r, "cannot open the journal files");
            return NULL;
        }
    } else if (directory) {
        r = sd_journal_open_directory(&j, directory, 0);
        if (r < 0) {
            g_autofree char *what = g_strdup_printf("cannot open the journal in %s", directory);
            coroner_set_errno_error(error, -r, "%s", what);
            return NULL;
        }
    } else {
        r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0) {
            coroner_set_errno_error(error, -r, "cannot open the system journal");
            return NULL;
        }
    }
    return j;
}

/* A field's bytes (fields are not NUL-terminated and may hold NULs); FALSE when it is absent. */
static gboolean field_bytes(GHashTable *fields, const char *name, const guint8 **ret_data,
                            gsize *ret_n)
{
    GBytes *b = g_hash_table_lookup(fields, name);
    if (!b)
        return FALSE;
    *ret_data = g_bytes_get_data(b, ret_n);
    return TRUE;
}

/* A field's value as a string. */
static char *field_string(GHashTable *fields, const char *name)
{
    const guint8 *data;
    gsize n;
    return field_bytes(fields, name, &data, &n) ? g_strndup((const char *)data, n) : NULL;
}

static gboolean field_int(GHashTable *fields, const char *name, int64_t *ret)
{
    g_autofree char *s = field_string(fields, name);
    gint64 v;
    if (!s || !g_ascii_string_to_signed(s, 10, G_MININT64, G_MAXINT64, &v, NULL))
        return FALSE;
    *ret = v;
    return TRUE;
}

static char *field_hex(GHashTable *fields, const char *name)
{
    const guint8 *data;
    gsize n;
    if (!field_bytes(fields, name, &data, &n))
        return NULL;
    return coroner_hex_encode(data, n);
}

/* "core.comm.uid.boot.pid.usec" from COREDUMP_FILENAME when it has that form. */
static char *entry_id_from_filename(const char *path)
{
    if (!path)
        return NULL;
    g_autofree char *base = g_path_get_basename(path);
    char *id = NULL;
    if (!coroner_parse_store_name(base, &id, NULL, NULL, NULL, NULL))
        return NULL;
    return id;
}

static const char *compression_of(const char *path)
{
    if (g_str_has_suffix(path, ".zst"))
        return "zstd";
    if (g_str_has_suffix(path, ".xz"))
        return "xz";
    if (g_str_has_suffix(path, ".lz4"))
        return "lz4";
    return "none";
}

CoronerCrashRecord *coroner_record_from_journal_fields(GHashTable *fields, const char *boot_id,
                                                       uint64_t realtime_usec)
{
    CoronerCrashRecord *r = coroner_crash_record_new();
    CoronerProcessInfo *p = &r->process;
    int64_t v;

    if (field_int(fields, "COREDUMP_TIMESTAMP", &v) && v > 0)
        r->timestamp_usec = v;
    else
        r->timestamp_usec = (int64_t)realtime_usec;
    r->boot_id = field_string(fields, "_BOOT_ID");
    if (!r->boot_id)
        r->boot_id = g_strdup(boot_id);
    r->hostname = field_string(fields, "COREDUMP_HOSTNAME");
    if (!r->hostname)
        r->hostname = field_string(fields, "_HOSTNAME");

    if (field_int(fields, "COREDUMP_PID", &v))
        p->pid = v;
    if (field_int(fields, "COREDUMP_TID", &v))
        p->tid = v;
    if (field_int(fields, "COREDUMP_UID", &v))
        p->uid = v;
    if (field_int(fields, "COREDUMP_GID", &v))
        p->gid = v;
    if (field_int(fields, "COREDUMP_OWNER_UID", &v))
        p->owner_uid = v;
    if (field_int(fields, "COREDUMP_DUMPABLE", &v))
        p->dumpable = (int)v;
    g_autofree char *rlimit = field_string(fields, "COREDUMP_RLIMIT");
    guint64 limit;
    if (rlimit && g_ascii_string_to_unsigned(rlimit, 10, 0, G_MAXUINT64, &limit, NULL))
        p->rlimit_core = limit;
    p->comm = field_string(fields, "COREDUMP_COMM");
    p->exe = field_string(fields, "COREDUMP_EXE");
    p->cmdline = field_string(fields, "COREDUMP_CMDLINE");
    p->cwd = field_string(fields, "COREDUMP_CWD");
    p->root = field_string(fields, "COREDUMP_ROOT");
    p->cgroup = field_string(fields, "COREDUMP_CGROUP");
    p->unit = field_string(fields, "COREDUMP_UNIT");
    p->user_unit = field_string(fields, "COREDUMP_USER_UNIT");
    p->session = field_string(fields, "COREDUMP_SESSION");
    p->slice = field_string(fields, "COREDUMP_SLICE");
    p->proc_status = field_string(fields, "COREDUMP_PROC_STATUS");
    p->proc_maps = field_string(fields, "COREDUMP_PROC_MAPS");
    p->proc_limits = field_string(fields, "COREDUMP_PROC_LIMITS");
    p->proc_cgroup = field_string(fields, "COREDUMP_PROC_CGROUP");
    p->proc_mountinfo = field_string(fields, "COREDUMP_PROC_MOUNTINFO");
    p->proc_auxv_hex = field_hex(fields, "COREDUMP_PROC_AUXV");
    p->open_fds = field_string(fields, "COREDUMP_OPEN_FDS");
    p->environ = field_string(fields, "COREDUMP_ENVIRON");

    if (field_int(fields, "COREDUMP_SIGNAL", &v))
        r->signal.number = (int)v;
    g_autofree char *signame = field_string(fields, "COREDUMP_SIGNAL_NAME");
    if (signame && g_str_has_prefix(signame, "SIG"))
        r->signal.name = g_strdup(signame + 3);
    else if (signame)
        r->signal.name = g_steal_pointer(&signame);
    else
        r->signal.name = coroner_signal_name(r->signal.number);

    g_autofree char *filename = field_string(fields, "COREDUMP_FILENAME");
    g_autofree char *state = field_string(fields, "CORONER_CORE_STATE");
    g_autofree char *truncated = field_string(fields, "COREDUMP_TRUNCATED");
    gboolean is_truncated = truncated && (g_str_equal(truncated, "1") || g_str_equal(truncated, "yes"));
    if (filename) {
        r->core.file = g_path_get_basename(filename);
        r->core.compression = g_strdup(compression_of(filename));
        r->core.state = is_truncated ? CORONER_CORE_TRUNCATED : CORONER_CORE_PRESENT;
    } else if (g_hash_table_contains(fields, "COREDUMP")) {
        r->core.compression = g_strdup("journal");
        r->core.state = is_truncated ? CORONER_CORE_TRUNCATED : CORONER_CORE_PRESENT;
    } else if (g_strcmp0(state, "none") == 0) {
        r->core.state = CORONER_CORE_NONE;
    } else {
        r->core.state = state ? CORONER_CORE_MISSING : CORONER_CORE_NONE;
        r->core.reason = g_strdup(state ? "the core was not stored"
                                        : "systemd-coredump did not keep a core");
    }

    g_autofree char *record_id = field_string(fields, "CORONER_RECORD_ID");
    if (record_id)
        r->id = g_steal_pointer(&record_id);
    else
        r->id = entry_id_from_filename(filename);
    if (!r->id)
        r->id = coroner_entry_id(p->comm, p->uid, r->boot_id ? r->boot_id : "unknown", p->pid,
                                 (uint64_t)MAX(r->timestamp_usec, 0));

    g_autofree char *message = field_string(fields, "MESSAGE");
    if (message)
        coroner_parse_stack_trace_message(message, r);
    return r;
}

static GHashTable *read_fields(sd_journal *j, gboolean *ret_core_in_journal)
{
    GHashTable *fields =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
    const void *data;
    size_t length;
    *ret_core_in_journal = FALSE;
    SD_JOURNAL_FOREACH_DATA(j, data, length)
    {
        const char *eq = memchr(data, '=', length);
        if (!eq)
            continue;
        g_autofree char *name = g_strndup(data, (gsize)(eq - (const char *)data));
        if (g_str_equal(name, "COREDUMP")) {
            /* The core itself: read on demand by coroner_journal_core_memfd(). */
            *ret_core_in_journal = TRUE;
            continue;
        }
        if (g_hash_table_contains(fields, name))
            continue;
        gsize value_length = length - (gsize)(eq + 1 - (const char *)data);
        g_hash_table_insert(fields, g_steal_pointer(&name), g_bytes_new(eq + 1, value_length));
    }
    return fields;
}

static gboolean core_name_belongs(const char *core_path, GHashTable *fields, const char *record_id)
{
    g_autofree char *base = g_path_get_basename(core_path);
    g_autofree char *core_id = NULL;
    int64_t core_uid = -1, uid = -1;
    return coroner_parse_store_name(base, &core_id, &core_uid, NULL, NULL, NULL) &&
           field_int(fields, "COREDUMP_UID", &uid) && core_uid == uid &&
           (!record_id || g_str_equal(core_id, record_id));
}

/* The journal's current entry; NULL when it is not trusted and include_unverified is FALSE. */
static CoronerJournalCrash *crash_from_entry(sd_journal *j, gboolean include_unverified)
{
    g_autoptr(CoronerJournalCrash) c = g_new0(CoronerJournalCrash, 1);
    char *cursor = NULL;
    if (sd_journal_get_cursor(j, &cursor) < 0)
        return NULL;
    c->cursor = g_strdup(cursor);
    free(cursor);
    c->fields = read_fields(j, &c->core_in_journal);
    c->trusted = coroner_journal_fields_trusted(c->fields);
    if (!c->trusted && !include_unverified)
        return NULL;
    uint64_t realtime = 0;
    (void)sd_journal_get_realtime_usec(j, &realtime);
    sd_id128_t boot;
    uint64_t monotonic;
    char boot_text[SD_ID128_STRING_MAX] = "";
    if (sd_journal_get_monotonic_usec(j, &monotonic, &boot) >= 0)
        sd_id128_to_string(boot, boot_text);
    if (c->trusted) {
        c->record_id = field_string(c->fields, "CORONER_RECORD_ID");
        c->record_path = field_string(c->fields, "CORONER_RECORD");
        c->core_path = field_string(c->fields, "COREDUMP_FILENAME");
    } else {
        /* Shown for what it claims, never followed: no path, no in-journal core. */
        c->core_in_journal = FALSE;
        g_hash_table_remove(c->fields, "COREDUMP_FILENAME");
        g_hash_table_remove(c->fields, "CORONER_RECORD");
    }
    /*
     * A core an entry names must be that crash's: its name carries the crashed
     * uid and, for our entries, is the record id.  Otherwise the name is
     * dropped before it can give the entry another crash's id.
     */
    g_autofree char *foreign_core = NULL;
    if (c->core_path && !core_name_belongs(c->core_path, c->fields, c->record_id)) {
        foreign_core = g_steal_pointer(&c->core_path);
        g_hash_table_remove(c->fields, "COREDUMP_FILENAME");
    }
    if (c->core_in_journal && !g_hash_table_contains(c->fields, "COREDUMP"))
        g_hash_table_insert(c->fields, g_strdup("COREDUMP"), g_bytes_new_static("", 0));
    c->record = coroner_record_from_journal_fields(c->fields, boot_text[0] ? boot_text : NULL,
                                                   realtime);
    if (foreign_core)
        coroner_crash_record_add_error(c->record, "the entry names the core %s of another crash",
                                       foreign_core);
    if (!c->trusted) {
        /* Never mistaken for a stored crash: its own id, from the journal's cursor. */
        g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, c->cursor, -1);
        g_free(c->record->id);
        c->record->id = g_strdup_printf("unverified.%.32s", hash);
        coroner_crash_record_add_error(c->record,
                                       "unverified: this journal entry was not written by root as "
                                       "coroner-handler, coronerd or systemd-coredump");
    }
    return g_steal_pointer(&c);
}

GPtrArray *coroner_journal_read_crashes(sd_journal *j, gboolean include_unverified,
                                        GError **error)
{
    GPtrArray *crashes = g_ptr_array_new_with_free_func((GDestroyNotify)coroner_journal_crash_free);
    sd_journal_flush_matches(j);
    int r = sd_journal_add_match(j, "MESSAGE_ID=" CORONER_COREDUMP_MESSAGE_ID, 0);
    if (r < 0) {
        coroner_set_errno_error(error, -r, "cannot filter the journal");
        g_ptr_array_unref(crashes);
        return NULL;
    }
    (void)sd_journal_set_data_threshold(j, FIELD_THRESHOLD);
    r = sd_journal_seek_head(j);
    while (r >= 0 && (r = sd_journal_next(j)) > 0) {
        CoronerJournalCrash *c = crash_from_entry(j, include_unverified);
        if (c)
            g_ptr_array_add(crashes, c);
    }
    if (r < 0) {
        coroner_set_errno_error(error, -r, "cannot read the journal");
        g_ptr_array_unref(crashes);
        return NULL;
    }
    return crashes;
}

CoronerCrashRecord *coroner_journal_entry_record(sd_journal *j, const char *store_path)
{
    g_autoptr(CoronerJournalCrash) c = crash_from_entry(j, FALSE);
    if (!c)
        return NULL;
    if (c->record_path && c->record_id && store_path) {
        const char *const dirs[] = {store_path, NULL};
        g_autoptr(GError) error = NULL;
        int fd = coroner_open_store_file(c->record_path, dirs, c->record_id, &error);
        if (fd >= 0) {
            CoronerCrashRecord *record = coroner_crash_record_load_fd(fd, c->record_path, &error);
            close(fd);
            if (record)
                return record;
        }
        coroner_crash_record_add_error(c->record, "%s", error->message);
    }
    return g_steal_pointer(&c->record);
}

int coroner_journal_core_memfd(sd_journal *j, const char *cursor, GError **error)
{
    int r = sd_journal_seek_cursor(j, cursor);
    if (r >= 0)
        r = sd_journal_next(j);
    if (r >= 0 && sd_journal_test_cursor(j, cursor) <= 0)
        r = -ENOENT;
    if (r < 0) {
        coroner_set_errno_error(error, -r, "cannot find the journal entry");
        return -1;
    }
    const void *data;
    size_t length;
    (void)sd_journal_set_data_threshold(j, 0);
    r = sd_journal_get_data(j, "COREDUMP", &data, &length);
    (void)sd_journal_set_data_threshold(j, FIELD_THRESHOLD);
    if (r < 0) {
        coroner_set_errno_error(error, -r, "the journal entry holds no core");
        return -1;
    }
    const size_t prefix = strlen("COREDUMP=");
    int fd = memfd_create("coroner-journal-core", MFD_CLOEXEC);
    if (fd < 0) {
        coroner_set_errno_error(error, errno, "memfd_create");
        return -1;
    }
    r = coroner_write_all(fd, (const char *)data + prefix, length - prefix);
    if (r < 0 || lseek(fd, 0, SEEK_SET) < 0) {
        coroner_set_errno_error(error, r < 0 ? -r : errno,
                                "cannot copy the core out of the journal");
        close(fd);
        return -1;
    }
    return fd;
}
