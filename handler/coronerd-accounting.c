/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerd's accounting: every crash gets a record.  Records without a core
 * (refused, failed), the storm summaries of crashes past the rate limits, and
 * the in-progress markers that let a restarted coronerd record the dumps it
 * lost.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coronerd.h"
#include "fs-util.h"
#include "journal-writer.h"
#include "log.h"

#define STORM_MESSAGE_ID "b1e2a43c9f8d4c0e8a6f7d3e2c1b0a99"

/* What is known of a crash before its worker ran: enough for a record without a core. */
static CoronerCrashRecord *minimal_record(Daemon *dm, const Dump *d)
{
    if (d->capture) {
        g_autofree char *json = coroner_crash_record_to_json(d->capture->record, NULL);
        CoronerCrashRecord *copy = coroner_crash_record_from_json(json, -1, NULL);
        if (copy)
            return copy;
    }
    CoronerCrashRecord *r = coroner_crash_record_new();
    r->id = g_strdup(d->id);
    r->timestamp_usec = d->timestamp_usec;
    r->boot_id = g_strdup(dm->boot_id);
    r->hostname = g_strdup(dm->hostname);
    r->process.pid = d->pid;
    r->process.uid = d->uid;
    r->process.gid = d->gid;
    r->process.dumpable = d->dumpable;
    r->process.comm = g_strdup(d->comm);
    r->process.exe = g_strdup(d->exe);
    r->process.rlimit_core = UINT64_MAX;
    return r;
}

/* A record without a core, for a crash we did not (or could not) dump. */
void coronerd_account_without_core(Daemon *dm, const Dump *d, CoronerCoreState state,
                                 const char *reason)
{
    g_autoptr(CoronerCrashRecord) r = minimal_record(dm, d);
    r->core.state = state;
    g_free(r->core.reason);
    r->core.reason = g_strdup(reason);
    g_clear_pointer(&r->core.file, g_free);
    g_autoptr(GError) error = NULL;
    if (!coroner_ingest_record_only(dm->config, r, &error))
        coroner_log(LOG_ERR, "PID %d: cannot write its record (%s): %s", (int)d->pid, reason,
                    error->message);
}

static void send_storm_journal_entry(Daemon *dm, const AdmissionSummary *s, const char *record_path)
{
    if (!dm->config->journal_enabled)
        return;
    g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    g_autofree char *message = g_strdup_printf(
        "%" G_GUINT64_FORMAT " more crashes of %s (uid %u) were not dumped (rate limit)",
        s->suppressed, s->exe, (unsigned)s->uid);
    const char *lines[] = {"MESSAGE_ID=" STORM_MESSAGE_ID, "PRIORITY=4", "SYSLOG_IDENTIFIER=coronerd"};
    for (guint i = 0; i < G_N_ELEMENTS(lines); i++)
        g_ptr_array_add(fields, g_bytes_new(lines[i], strlen(lines[i])));
    char *dynamic[] = {
        g_strdup_printf("MESSAGE=%s", message),
        g_strdup_printf("CORONER_SUPPRESSED=%" G_GUINT64_FORMAT, s->suppressed),
        g_strdup_printf("CORONER_SUPPRESSED_UID=%u", (unsigned)s->uid),
        g_strdup_printf("CORONER_SUPPRESSED_EXE=%s", s->exe),
        g_strdup_printf("CORONER_SUPPRESSED_START_USEC=%" G_GINT64_FORMAT, s->start_usec),
        g_strdup_printf("CORONER_SUPPRESSED_END_USEC=%" G_GINT64_FORMAT, s->end_usec),
        record_path ? g_strdup_printf("CORONER_RECORD=%s", record_path) : NULL,
    };
    for (guint i = 0; i < G_N_ELEMENTS(dynamic); i++)
        if (dynamic[i])
            g_ptr_array_add(fields, g_bytes_new_take(dynamic[i], strlen(dynamic[i])));
    g_autoptr(GError) error = NULL;
    if (!coroner_journal_send(fields, dm->config->journal_timeout_ms, &error))
        coroner_log(LOG_INFO, "no journal entry for the storm summary: %s", error->message);
}

/* One storm summary: a record with "suppressed" and its window, and a journal entry. */
static void write_storm_summary(Daemon *dm, const AdmissionSummary *s)
{
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    const char *comm = s->comm && *s->comm ? s->comm : "unknown";
    /* Named after the first crash it stands for, so it sorts and reads like one. */
    r->id = coroner_entry_id(comm, s->uid, dm->boot_id, MAX(s->first_pid, 1), (uint64_t)s->start_usec);
    r->timestamp_usec = s->start_usec;
    r->boot_id = g_strdup(dm->boot_id);
    r->hostname = g_strdup(dm->hostname);
    r->process.pid = s->first_pid;
    r->process.uid = s->uid;
    r->process.gid = -1;
    r->process.dumpable = 2; /* root-only: it speaks for many processes */
    r->process.comm = g_strdup(comm);
    r->process.exe = g_strdup(s->exe);
    r->process.rlimit_core = UINT64_MAX;
    r->suppressed = s->suppressed;
    r->suppressed_start_usec = s->start_usec;
    r->suppressed_end_usec = s->end_usec;
    r->core.state = CORONER_CORE_NONE;
    r->core.reason = g_strdup_printf("storm summary: %" G_GUINT64_FORMAT
                                     " crashes of %s were not dumped (rate limit)",
                                     s->suppressed, s->exe);
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerStore) store = coroner_store_open(dm->config->store_path, TRUE, &error);
    g_autofree char *name = g_strconcat(r->id, CORONER_RECORD_SUFFIX, NULL);
    gsize length = 0;
    g_autofree char *json = coroner_crash_record_to_json(r, &length);
    gboolean written = store && coroner_write_file_atomic_at(store->dir_fd, name, json, length,
                                                             0640, &error);
    if (!written)
        coroner_log(LOG_ERR, "cannot write the storm summary of %s (uid %u, %" G_GUINT64_FORMAT
                             " suppressed): %s",
                    s->exe, (unsigned)s->uid, s->suppressed, error ? error->message : "?");
    g_autofree char *path = written ? g_build_filename(store->path, name, NULL) : NULL;
    coroner_log(LOG_WARNING, "%" G_GUINT64_FORMAT " crashes of %s (uid %u) were not dumped (rate limit)",
                s->suppressed, s->exe, (unsigned)s->uid);
    send_storm_journal_entry(dm, s, path);
}

static gboolean on_summary_timer(gpointer data);

void coronerd_flush_summaries(Daemon *dm, gboolean all)
{
    g_autoptr(GPtrArray) summaries = admission_take_summaries(dm->admission, g_get_real_time(), all);
    for (guint i = 0; i < summaries->len; i++)
        write_storm_summary(dm, summaries->pdata[i]);
    if (dm->summary_timer) {
        g_source_remove(dm->summary_timer);
        dm->summary_timer = 0;
    }
    int64_t next = admission_next_deadline(dm->admission);
    if (next > 0 && !all) {
        int64_t wait_ms = MAX((next - g_get_real_time()) / 1000 + 1, 1);
        dm->summary_timer = g_timeout_add((guint)MIN(wait_ms, (int64_t)G_MAXUINT), on_summary_timer, dm);
    }
}

static gboolean on_summary_timer(gpointer data)
{
    Daemon *dm = data;
    dm->summary_timer = 0;
    coronerd_flush_summaries(dm, FALSE);
    return G_SOURCE_REMOVE;
}

/* --------------------------------------------------------- in-progress marks */

void coronerd_marker_write(Daemon *dm, const Dump *d)
{
    g_autoptr(CoronerCrashRecord) r = minimal_record(dm, d);
    r->core.state = CORONER_CORE_MISSING;
    g_free(r->core.reason);
    r->core.reason = g_strdup("the dump is in progress");
    gsize length = 0;
    g_autofree char *json = coroner_crash_record_to_json(r, &length);
    g_autofree char *name = g_strconcat(d->id, CORONER_RECORD_SUFFIX, NULL);
    g_autoptr(GError) error = NULL;
    (void)unlinkat(dm->in_progress_fd, name, 0);
    if (!coroner_write_file_atomic_at(dm->in_progress_fd, name, json, length, 0644, &error))
        coroner_log(LOG_WARNING, "PID %d: no in-progress mark: %s", (int)d->pid, error->message);
}

void coronerd_marker_remove(Daemon *dm, const char *id)
{
    g_autofree char *name = g_strconcat(id, CORONER_RECORD_SUFFIX, NULL);
    (void)unlinkat(dm->in_progress_fd, name, 0);
}

gboolean coronerd_store_has_record(Daemon *dm, const char *id)
{
    g_autofree char *name = g_strconcat(id, CORONER_RECORD_SUFFIX, NULL);
    struct stat st;
    return fstatat(dm->store->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/*
 * A core of the lost dump that made it into the store: the worker links a core
 * only once it is written and synced, so a coronerd killed between that and
 * the record (during the backtrace) left a whole core behind, which is kept
 * and named rather than lost.  Returns the core's file name, or NULL.
 */
static char *stored_core_of(Daemon *dm, const char *id, uint64_t *ret_bytes)
{
    static const char *const suffixes[] = {CORONER_CORE_SUFFIX_ZSTD, ""};
    for (unsigned i = 0; i < G_N_ELEMENTS(suffixes); i++) {
        g_autofree char *name = g_strconcat(id, suffixes[i], NULL);
        struct stat st;
        if (fstatat(dm->store->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(st.st_mode) && st.st_size > 0) {
            *ret_bytes = (uint64_t)st.st_size;
            return g_steal_pointer(&name);
        }
    }
    return NULL;
}

/* Marks left by a coronerd that died: say in each record what became of that dump. */
void coronerd_recover_markers(Daemon *dm)
{
    g_autoptr(GDir) dir = NULL;
    g_autofree char *path = g_build_filename(dm->store->path, IN_PROGRESS_DIR, NULL);
    dir = g_dir_open(path, 0, NULL);
    if (!dir)
        return;
    const char *name;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    while ((name = g_dir_read_name(dir)))
        if (g_str_has_suffix(name, CORONER_RECORD_SUFFIX) && name[0] != '.')
            g_ptr_array_add(names, g_strdup(name));
    for (guint i = 0; i < names->len; i++) {
        name = names->pdata[i];
        g_autoptr(GError) error = NULL;
        g_autoptr(CoronerCrashRecord) r = coroner_crash_record_load_at(dm->in_progress_fd, name, &error);
        if (r && r->id && !coronerd_store_has_record(dm, r->id)) {
            g_free(r->core.reason);
            r->core.reason = NULL;
            uint64_t stored_bytes = 0;
            g_autofree char *core = stored_core_of(dm, r->id, &stored_bytes);
            if (core) {
                r->core.state = CORONER_CORE_PRESENT;
                g_free(r->core.file);
                r->core.file = g_steal_pointer(&core);
                r->core.stored_size = stored_bytes;
                coroner_crash_record_add_error(
                    r, "coronerd stopped (killed or crashed) after the core was stored and "
                       "before its record was written: no backtrace was made at the time, and "
                       "whether the dump was cut at a limit was not recorded");
            } else {
                r->core.state = CORONER_CORE_MISSING;
                r->core.reason = g_strdup("the dump failed: coronerd stopped (killed or crashed) "
                                          "while it was in progress, and the core was lost");
            }
            if (!coroner_ingest_record_only(dm->config, r, &error))
                coroner_log(LOG_ERR, "cannot record the lost dump %s: %s", r->id, error->message);
            else
                coroner_log(LOG_WARNING, "PID %" G_GINT64_FORMAT ": the previous coronerd "
                                         "stopped during its dump; %s",
                            r->process.pid, r->core.file ? "its stored core is kept and recorded"
                                                         : "recorded as failed");
        }
        (void)unlinkat(dm->in_progress_fd, name, 0);
    }
}
