/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerd: the supervised coredump service (docs/coronerd.md).
 *
 * One long-lived root process owns every crash.  It listens on two sockets:
 *
 *   the kernel's coredump socket (core_pattern "@@PATH", Linux ≥ 6.17):
 *     coredump-socket.h's request/ack protocol, the crashed process named by
 *     the connection's peer pidfd;
 *   the hand-off socket: coroner-handler --handoff (pipe mode) passes the
 *     core pipe and what it read from /proc while the process was pinned.
 *
 * Each crash is admitted or not (admission.h: rate limits per (uid,
 * executable) and in all; MaxConcurrent workers and a bounded queue).
 * Admitted crashes are handed to a worker: a forked child, in a process group
 * of its own, that runs the ingestion path shared with coroner-handler
 * (crash-ingest.h) with every parser as the service user, never as the
 * crashing user, and with deadlines: the dump is cut at DumpTimeoutSec, the
 * whole group is killed DumpTimeoutSec + WorkTimeoutSec after it started.
 * While a worker runs, an in-progress marker (a minimal record) sits in the
 * store's .in-progress/ directory; a worker that ends without writing its
 * record, and a marker a previous coronerd left behind, become a record of
 * a failed dump.  Crashes that are not dumped get a record without a core or
 * are counted in a storm summary: every crash is accounted.
 *
 * This process only accepts, decides, forks and reaps: it never reads a
 * core, never parses a byte of the crashed program, and never writes
 * kernel.core_pattern (coroner-handler --install and coroner.service do).
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include "admission.h"
#include "build-config.h"
#include "config.h"
#include "coredump-socket.h"
#include "crash-ingest.h"
#include "fs-util.h"
#include "handoff.h"
#include "journal-writer.h"
#include "log.h"
#include "privileges.h"
#include "proc-info.h"
#include "store.h"

#define EXIT_USAGE 64
/* The kernel and the handler talk first; a silent peer is not waited for longer. */
#define PEER_TIMEOUT_SEC 2
/* After the dump and the work: time for the worker to write the record and exit. */
#define KILL_GRACE_SEC 5
#define IN_PROGRESS_DIR ".in-progress"
#define STORM_MESSAGE_ID "b1e2a43c9f8d4c0e8a6f7d3e2c1b0a99"
#define DEFAULT_CACHE_DIR "/var/cache/coroner"
/* As coroner-handler's: fewer wake-ups between the dumping kernel and the worker. */
#define PIPE_SIZE (1 << 20)

typedef enum {
    SOURCE_SOCKET,  /* the kernel's coredump socket */
    SOURCE_HANDOFF, /* coroner-handler in pipe mode */
} DumpSource;

typedef struct {
    DumpSource source;
    int core_fd;              /* the kernel's connection, or the core pipe */
    int pidfd;                /* -1 when unknown */
    int dumpable;
    pid_t pid;
    uid_t uid;
    gid_t gid;
    char *comm;
    char *exe;
    char *id;                 /* the store entry id */
    int64_t timestamp_usec;   /* realtime */
    int64_t queued_at;        /* monotonic */
    int64_t started_at;       /* monotonic, when a worker took it */
    CoronerCapture *capture;  /* hand-off: what the handler read from /proc */
    pid_t worker;
    guint kill_timer;
    gboolean killed;
} Dump;

typedef struct {
    CoronerConfig *config;
    Admission *admission;
    GQueue queue;           /* Dump*, admitted, waiting for a worker */
    GHashTable *running;    /* worker pid → Dump* */
    int coredump_fd, handoff_fd;
    char *coredump_path, *handoff_path;
    gboolean unlink_sockets; /* we made them (not socket-activated) */
    CoronerStore *store;
    int in_progress_fd;
    char *boot_id;
    char *hostname;
    GMainLoop *loop;
    guint summary_timer;
    guint queue_timer;
    gboolean stopping;
} Daemon;

static void dump_free(Dump *d)
{
    if (!d)
        return;
    if (d->core_fd >= 0)
        close(d->core_fd);
    if (d->pidfd >= 0)
        close(d->pidfd);
    if (d->kill_timer)
        g_source_remove(d->kill_timer);
    coroner_capture_free(d->capture);
    g_free(d->comm);
    g_free(d->exe);
    g_free(d->id);
    g_free(d);
}

static int64_t now_usec(void)
{
    return g_get_real_time();
}

/* ------------------------------------------------------------------ records */

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
static void account_without_core(Daemon *dm, const Dump *d, CoronerCoreState state,
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

static void flush_summaries(Daemon *dm, gboolean all)
{
    g_autoptr(GPtrArray) summaries = admission_take_summaries(dm->admission, now_usec(), all);
    for (guint i = 0; i < summaries->len; i++)
        write_storm_summary(dm, summaries->pdata[i]);
    if (dm->summary_timer) {
        g_source_remove(dm->summary_timer);
        dm->summary_timer = 0;
    }
    int64_t next = admission_next_deadline(dm->admission);
    if (next > 0 && !all) {
        int64_t wait_ms = MAX((next - now_usec()) / 1000 + 1, 1);
        dm->summary_timer = g_timeout_add((guint)MIN(wait_ms, (int64_t)G_MAXUINT), on_summary_timer, dm);
    }
}

static gboolean on_summary_timer(gpointer data)
{
    Daemon *dm = data;
    dm->summary_timer = 0;
    flush_summaries(dm, FALSE);
    return G_SOURCE_REMOVE;
}

/* --------------------------------------------------------- in-progress marks */

static void marker_write(Daemon *dm, const Dump *d)
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

static void marker_remove(Daemon *dm, const char *id)
{
    g_autofree char *name = g_strconcat(id, CORONER_RECORD_SUFFIX, NULL);
    (void)unlinkat(dm->in_progress_fd, name, 0);
}

static gboolean store_has_record(Daemon *dm, const char *id)
{
    g_autofree char *name = g_strconcat(id, CORONER_RECORD_SUFFIX, NULL);
    struct stat st;
    return fstatat(dm->store->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Marks left by a coronerd that died: those dumps are lost; say so in their records. */
static void recover_markers(Daemon *dm)
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
        if (r && r->id && !store_has_record(dm, r->id)) {
            g_free(r->core.reason);
            r->core.state = CORONER_CORE_MISSING;
            r->core.reason = g_strdup("the dump failed: coronerd stopped (killed or crashed) while "
                                      "it was in progress, and the core was lost");
            if (!coroner_ingest_record_only(dm->config, r, &error))
                coroner_log(LOG_ERR, "cannot record the lost dump %s: %s", r->id, error->message);
            else
                coroner_log(LOG_WARNING, "PID %" G_GINT64_FORMAT ": its dump was lost when the "
                                         "previous coronerd stopped; recorded as failed",
                            r->process.pid);
        }
        (void)unlinkat(dm->in_progress_fd, name, 0);
    }
}

/* ------------------------------------------------------------------ workers */

/* Closes every fd from 3 up except keep (sorted ascending, unique). */
static void close_all_except(const int *keep, size_t n)
{
    unsigned from = 3;
    for (size_t i = 0; i < n; i++) {
        if (keep[i] < (int)from)
            continue;
        if ((unsigned)keep[i] > from)
            (void)close_range(from, (unsigned)keep[i] - 1, 0);
        from = (unsigned)keep[i] + 1;
    }
    (void)close_range(from, ~0u, 0);
}

static int compare_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* Builds the capture of a socket-mode crash, from /proc while the kernel holds the process. */
static CoronerCapture *capture_socket_crash(Daemon *dm, const Dump *d)
{
    CoronerKernelArgs args = {
        .pid = d->pid,
        .uid = d->uid,
        .gid = d->gid,
        .signal = 0, /* from the core's notes */
        .timestamp_sec = (uint64_t)(d->timestamp_usec / G_USEC_PER_SEC),
        .rlimit = UINT64_MAX,
        .hostname = dm->hostname,
        .dumpable = d->dumpable ? d->dumpable : 1,
        .pidfd = d->pidfd,
        .tid = -1,
        .comm = d->comm,
    };
    CoronerCapture *c = coroner_capture_new(&args, NULL);
    c->record->timestamp_usec = d->timestamp_usec;
    g_free(c->record->id);
    c->record->id = g_strdup(d->id);
    c->record->process.rlimit_core = coroner_rlimit_core_from_limits(c->record->process.proc_limits);
    return c;
}

static G_NORETURN void worker_main(Daemon *dm, Dump *d)
{
    /* Its own process group, so coronerd can end everything a crash started at once. */
    (void)setpgid(0, 0);
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    int keep[] = {d->core_fd, d->pidfd, dm->store->dir_fd};
    qsort(keep, G_N_ELEMENTS(keep), sizeof keep[0], compare_int);
    close_all_except(keep, G_N_ELEMENTS(keep));

    if (d->source == SOURCE_SOCKET) {
        g_autoptr(GError) error = NULL;
        if (!coroner_coredump_read_mark(d->core_fd, &error)) {
            coroner_log(LOG_ERR, "PID %d: %s", (int)d->pid, error->message);
            _exit(3);
        }
        /* The core may take long to come; only the dump deadline bounds it now. */
        struct timeval none = {0, 0};
        (void)setsockopt(d->core_fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
        d->capture = capture_socket_crash(dm, d);
    } else {
        /* /proc has been read: now the kernel may run ahead of us. */
        (void)fcntl(d->core_fd, F_SETPIPE_SZ, PIPE_SIZE);
    }
    CoronerIngestOptions options = {
        .config = dm->config,
        .service_user_only = TRUE,
        .dump_deadline = d->started_at + (int64_t)dm->config->dump_timeout_sec * G_USEC_PER_SEC,
        .child_timeout_ms = dm->config->work_timeout_sec * 1000,
    };
    int rc = coroner_ingest(d->capture, d->core_fd, &options);
    _exit(rc);
}

static void start_queued(Daemon *dm);
static void maybe_quit(Daemon *dm);

static void on_worker_exit(GPid pid, gint status, gpointer data)
{
    Daemon *dm = data;
    Dump *d = g_hash_table_lookup(dm->running, GINT_TO_POINTER(pid));
    g_spawn_close_pid(pid);
    if (!d)
        return;
    g_hash_table_steal(dm->running, GINT_TO_POINTER(pid));
    /* Whatever the worker left in its group goes with it. */
    (void)kill(-pid, SIGKILL);
    if (!store_has_record(dm, d->id)) {
        g_autofree char *why =
            d->killed ? g_strdup_printf("the dump failed: its worker was killed at the deadline "
                                        "(DumpTimeoutSec=%u + WorkTimeoutSec=%u)",
                                        dm->config->dump_timeout_sec, dm->config->work_timeout_sec)
            : WIFSIGNALED(status)
                ? g_strdup_printf("the dump failed: its worker died of signal %d", WTERMSIG(status))
                : g_strdup_printf("the dump failed: its worker exited with status %d without a record",
                                  WEXITSTATUS(status));
        coroner_log(LOG_ERR, "PID %d: %s", (int)d->pid, why);
        account_without_core(dm, d, CORONER_CORE_MISSING, why);
    }
    marker_remove(dm, d->id);
    dump_free(d);
    start_queued(dm);
    maybe_quit(dm);
}

static gboolean on_worker_deadline(gpointer data)
{
    Dump *d = data;
    d->kill_timer = 0;
    d->killed = TRUE;
    coroner_log(LOG_ERR, "PID %d: its worker passed its deadline; killing it", (int)d->pid);
    (void)kill(-d->worker, SIGKILL);
    (void)kill(d->worker, SIGKILL);
    return G_SOURCE_REMOVE;
}

static void start_worker(Daemon *dm, Dump *d)
{
    g_autoptr(GError) error = NULL;
    if (d->source == SOURCE_SOCKET &&
        !coroner_coredump_send_ack(d->core_fd, CORONER_COREDUMP_KERNEL | CORONER_COREDUMP_WAIT, &error)) {
        coroner_log(LOG_ERR, "PID %d: %s", (int)d->pid, error->message);
        g_autofree char *why = g_strdup_printf("the dump failed: %s", error->message);
        account_without_core(dm, d, CORONER_CORE_MISSING, why);
        dump_free(d);
        return;
    }
    d->started_at = g_get_monotonic_time();
    coroner_log(LOG_INFO, "PID %d (%s, uid %u): dumping (%s)", (int)d->pid, d->comm ? d->comm : "?",
                (unsigned)d->uid, d->source == SOURCE_SOCKET ? "coredump socket" : "hand-off");
    marker_write(dm, d);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        g_autofree char *why = g_strdup_printf("the dump failed: cannot fork a worker: %s", g_strerror(e));
        coroner_log(LOG_ERR, "PID %d: %s", (int)d->pid, why);
        account_without_core(dm, d, CORONER_CORE_MISSING, why);
        marker_remove(dm, d->id);
        dump_free(d);
        return;
    }
    if (pid == 0)
        worker_main(dm, d);
    /* The worker owns the core now: closing ours lets the kernel see the worker's close. */
    (void)setpgid(pid, pid);
    close(d->core_fd);
    d->core_fd = -1;
    if (d->pidfd >= 0) {
        close(d->pidfd);
        d->pidfd = -1;
    }
    d->worker = pid;
    g_hash_table_insert(dm->running, GINT_TO_POINTER(pid), d);
    g_child_watch_add(pid, on_worker_exit, dm);
    guint limit = dm->config->dump_timeout_sec + dm->config->work_timeout_sec + KILL_GRACE_SEC;
    d->kill_timer = g_timeout_add_seconds(limit, on_worker_deadline, d);
}

/* ---------------------------------------------------------------- admission */

static void refuse(Daemon *dm, Dump *d, AdmissionVerdict verdict, const char *reason)
{
    if (d->source == SOURCE_SOCKET) {
        g_autoptr(GError) error = NULL;
        if (!coroner_coredump_send_ack(d->core_fd, CORONER_COREDUMP_REJECT, &error))
            coroner_log(LOG_DEBUG, "PID %d: %s", (int)d->pid, error->message);
    }
    /* Closing the core pipe (or the connection) ends the kernel's dump at once. */
    close(d->core_fd);
    d->core_fd = -1;
    if (verdict == ADMISSION_RECORD_ONLY) {
        g_autofree char *why = g_strdup_printf("not dumped: %s", reason);
        coroner_log(LOG_NOTICE, "PID %d (%s): %s", (int)d->pid, d->comm ? d->comm : "?", why);
        account_without_core(dm, d, CORONER_CORE_NONE, why);
    } else if (!dm->summary_timer) {
        flush_summaries(dm, FALSE);
    }
    dump_free(d);
}

static gboolean on_queue_timer(gpointer data);

static void arm_queue_timer(Daemon *dm)
{
    if (!dm->queue_timer && dm->queue.length > 0)
        dm->queue_timer = g_timeout_add_seconds(1, on_queue_timer, dm);
}

static void admit(Daemon *dm, Dump *d)
{
    g_autofree char *reason = NULL;
    AdmissionVerdict v = admission_decide(dm->admission, d->uid, d->exe, d->comm, d->pid, d->timestamp_usec, &reason);
    if (v == ADMISSION_DUMP && dm->stopping) {
        v = admission_reject(dm->admission, d->uid, d->exe, d->comm, d->pid, d->timestamp_usec);
        reason = g_strdup("coronerd is stopping");
    }
    if (v == ADMISSION_DUMP && g_hash_table_size(dm->running) < dm->config->max_concurrent) {
        start_worker(dm, d);
        return;
    }
    if (v == ADMISSION_DUMP && dm->queue.length < dm->config->queue_max) {
        d->queued_at = g_get_monotonic_time();
        g_queue_push_tail(&dm->queue, d);
        arm_queue_timer(dm);
        return;
    }
    if (v == ADMISSION_DUMP) {
        v = admission_reject(dm->admission, d->uid, d->exe, d->comm, d->pid, d->timestamp_usec);
        reason = g_strdup_printf("%u dumps in progress and %u waiting (MaxConcurrent=, QueueMax=)",
                                 g_hash_table_size(dm->running), dm->queue.length);
    }
    refuse(dm, d, v, reason);
}

static void start_queued(Daemon *dm)
{
    while (dm->queue.length > 0 && g_hash_table_size(dm->running) < dm->config->max_concurrent)
        start_worker(dm, g_queue_pop_head(&dm->queue));
}

/* A crash that waited DumpTimeoutSec for a worker is not dumped: the kernel has held it long enough. */
static gboolean on_queue_timer(gpointer data)
{
    Daemon *dm = data;
    int64_t now = g_get_monotonic_time();
    int64_t limit = (int64_t)dm->config->dump_timeout_sec * G_USEC_PER_SEC;
    while (dm->queue.length > 0) {
        Dump *d = g_queue_peek_head(&dm->queue);
        if (now - d->queued_at < limit)
            break;
        g_queue_pop_head(&dm->queue);
        AdmissionVerdict v = admission_reject(dm->admission, d->uid, d->exe, d->comm, d->pid, now_usec());
        g_autofree char *why = g_strdup_printf("it waited %u s for a worker (DumpTimeoutSec=)",
                                               dm->config->dump_timeout_sec);
        refuse(dm, d, v, why);
    }
    if (dm->queue.length > 0)
        return G_SOURCE_CONTINUE;
    dm->queue_timer = 0;
    return G_SOURCE_REMOVE;
}

/* comm and exe of the crashed process, from its /proc directory proven by the pidfd. */
static void identify(Dump *d)
{
    gboolean verified = FALSE;
    int proc_fd = coroner_proc_open(d->pid, d->pidfd, &verified, NULL);
    if (proc_fd < 0)
        return;
    char *comm = NULL;
    if (coroner_read_proc_file_at(proc_fd, "comm", 256, &comm, NULL, NULL))
        d->comm = g_strchomp(comm);
    char target[4096];
    ssize_t n = readlinkat(proc_fd, "exe", target, sizeof target - 1);
    if (n > 0) {
        target[n] = '\0';
        d->exe = g_strdup(target);
    }
    close(proc_fd);
}

/* A new connection, blocking, with a time limit on what the peer must say first. */
static int accept_peer(int listen_fd)
{
    int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0)
        return -1;
    struct timeval tv = {.tv_sec = PEER_TIMEOUT_SEC};
    (void)setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return conn;
}

static gboolean on_coredump_connection(gint fd, GIOCondition condition, gpointer data)
{
    Daemon *dm = data;
    (void)condition;
    int conn = accept_peer(fd);
    if (conn < 0)
        return G_SOURCE_CONTINUE;

    Dump *d = g_new0(Dump, 1);
    d->source = SOURCE_SOCKET;
    d->core_fd = conn;
    d->timestamp_usec = now_usec();
    g_autoptr(GError) error = NULL;
    CoronerCoredumpPeer peer;
    d->pidfd = coroner_coredump_peer(conn, &peer, &error);
    uint64_t mask = 0;
    if (d->pidfd < 0 || !coroner_coredump_read_request(conn, &mask, &error)) {
        coroner_log(LOG_ERR, "a coredump connection was dropped: %s", error->message);
        dump_free(d);
        return G_SOURCE_CONTINUE;
    }
    d->pid = peer.pid;
    d->uid = peer.uid;
    d->gid = peer.gid;
    d->dumpable = peer.dumpable;
    identify(d);
    d->id = coroner_entry_id(d->comm ? d->comm : "unknown", d->uid, dm->boot_id, d->pid,
                             (uint64_t)(d->timestamp_usec / G_USEC_PER_SEC * G_USEC_PER_SEC));
    admit(dm, d);
    return G_SOURCE_CONTINUE;
}

static gboolean on_handoff_connection(gint fd, GIOCondition condition, gpointer data)
{
    Daemon *dm = data;
    (void)condition;
    int conn = accept_peer(fd);
    if (conn < 0)
        return G_SOURCE_CONTINUE;
    g_autoptr(GError) error = NULL;
    int core_fd = -1, pidfd = -1;
    CoronerCapture *capture = coroner_handoff_receive(conn, &core_fd, &pidfd, &error);
    if (!capture) {
        coroner_log(LOG_ERR, "a hand-off was dropped: %s", error->message);
        close(conn);
        return G_SOURCE_CONTINUE;
    }
    /* From here on the crash is ours: the handler may exit. */
    if (!coroner_handoff_ack(conn, &error)) {
        /* The handler gave up waiting and stores the crash itself. */
        coroner_log(LOG_WARNING, "PID %" G_GINT64_FORMAT ": the handler did not wait for us: %s",
                    capture->record->process.pid, error->message);
        coroner_capture_free(capture);
        close(core_fd);
        if (pidfd >= 0)
            close(pidfd);
        close(conn);
        return G_SOURCE_CONTINUE;
    }
    close(conn);
    Dump *d = g_new0(Dump, 1);
    CoronerProcessInfo *p = &capture->record->process;
    d->source = SOURCE_HANDOFF;
    d->core_fd = core_fd;
    d->pidfd = pidfd;
    d->pid = (pid_t)p->pid;
    d->uid = (uid_t)p->uid;
    d->gid = (gid_t)p->gid;
    d->dumpable = p->dumpable;
    d->comm = g_strdup(p->comm);
    d->exe = g_strdup(p->exe);
    d->id = g_strdup(capture->record->id);
    d->timestamp_usec = capture->record->timestamp_usec;
    d->capture = capture;
    admit(dm, d);
    return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ sockets */

static int listen_on(const char *path, GError **error)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    /* The kernel's limit for the coredump socket's path, and sun_path's. */
    if (!g_path_is_absolute(path) || strlen(path) >= sizeof addr.sun_path) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "%s: a socket path must be absolute and shorter than %zu bytes", path,
                    sizeof addr.sun_path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    g_autofree char *dir = g_path_get_dirname(path);
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        int e = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot create %s: %s", dir, g_strerror(e));
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "socket: %s", g_strerror(e));
        return -1;
    }
    /* A socket file left by a coronerd that was killed: nobody listens on it any more. */
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        (void)unlink(path);
    mode_t old = umask(0177);
    int r = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    umask(old);
    /* A storm arrives all at once: the backlog must hold it, or the kernel drops cores. */
    if (r < 0 || listen(fd, SOMAXCONN) < 0) {
        int e = errno;
        close(fd);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot listen on %s: %s", path,
                    g_strerror(e));
        return -1;
    }
    return fd;
}

/* Sockets passed by systemd (coroner.socket), matched by path. */
static void take_activated_sockets(Daemon *dm)
{
    int n = sd_listen_fds(TRUE);
    for (int i = 0; i < n; i++) {
        int fd = SD_LISTEN_FDS_START + i;
        if (sd_is_socket_unix(fd, SOCK_STREAM, 1, dm->coredump_path, 0) > 0)
            dm->coredump_fd = fd;
        else if (sd_is_socket_unix(fd, SOCK_STREAM, 1, dm->handoff_path, 0) > 0)
            dm->handoff_fd = fd;
        else
            close(fd);
    }
    for (int i = 0; i < 2; i++) {
        int fd = i ? dm->handoff_fd : dm->coredump_fd;
        if (fd >= 0)
            (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
}

/* --------------------------------------------------------------- lifecycle */

static void maybe_quit(Daemon *dm)
{
    if (dm->stopping && g_hash_table_size(dm->running) == 0 && dm->queue.length == 0)
        g_main_loop_quit(dm->loop);
}

static gboolean on_stop_signal(gpointer data)
{
    Daemon *dm = data;
    if (dm->stopping)
        return G_SOURCE_CONTINUE;
    coroner_log(LOG_INFO, "stopping: %u dumps in progress are finished first",
                g_hash_table_size(dm->running));
    dm->stopping = TRUE;
    /* Queued crashes are not dumped now; they are still accounted. */
    while (dm->queue.length > 0) {
        Dump *d = g_queue_pop_head(&dm->queue);
        AdmissionVerdict v = admission_reject(dm->admission, d->uid, d->exe, d->comm, d->pid, now_usec());
        refuse(dm, d, v, "coronerd is stopping");
    }
    maybe_quit(dm);
    return G_SOURCE_CONTINUE;
}

/* The debug info cache stays warm across crashes: one directory, owned by the parser identity. */
static void prepare_cache(const CoronerConfig *config)
{
    const char *env = g_getenv("CORONER_DEBUGINFO_CACHE");
    g_autofree char *dir = NULL;
    if (env) {
        if (!*env)
            return;
        dir = g_strdup(env);
    } else {
        const char *base = g_getenv("CACHE_DIRECTORY"); /* systemd's CacheDirectory= */
        dir = g_build_filename(base && g_path_is_absolute(base) ? base : DEFAULT_CACHE_DIR,
                               "debuginfo", NULL);
        g_setenv("CORONER_DEBUGINFO_CACHE", dir, TRUE);
    }
    uid_t uid;
    gid_t gid;
    if (!coroner_pick_parser_identity(0, 0, TRUE, config->service_user, &uid, &gid, NULL) ||
        g_mkdir_with_parents(dir, 0755) < 0 || chown(dir, uid, gid) < 0) {
        coroner_log(LOG_WARNING, "no debug info cache in %s: %s", dir, g_strerror(errno));
        g_setenv("CORONER_DEBUGINFO_CACHE", "", TRUE);
    }
}

static gboolean setup(Daemon *dm, GError **error)
{
    char boot[SD_ID128_STRING_MAX];
    sd_id128_t id;
    dm->boot_id = g_strdup(sd_id128_get_boot(&id) >= 0 ? sd_id128_to_string(id, boot)
                                                       : "00000000000000000000000000000000");
    struct utsname u;
    dm->hostname = g_strdup(uname(&u) == 0 ? u.nodename : "localhost");
    dm->store = coroner_store_open(dm->config->store_path, TRUE, error);
    if (!dm->store)
        return FALSE;
    if (mkdirat(dm->store->dir_fd, IN_PROGRESS_DIR, 0755) < 0 && errno != EEXIST) {
        int e = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot create %s/%s: %s",
                    dm->store->path, IN_PROGRESS_DIR, g_strerror(e));
        return FALSE;
    }
    dm->in_progress_fd = openat(dm->store->dir_fd, IN_PROGRESS_DIR,
                                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dm->in_progress_fd < 0) {
        int e = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot open %s/%s: %s",
                    dm->store->path, IN_PROGRESS_DIR, g_strerror(e));
        return FALSE;
    }
    recover_markers(dm);
    prepare_cache(dm->config);

    take_activated_sockets(dm);
    if (dm->coredump_fd < 0) {
        dm->coredump_fd = listen_on(dm->coredump_path, error);
        if (dm->coredump_fd < 0)
            return FALSE;
        dm->unlink_sockets = TRUE;
    }
    if (dm->handoff_fd < 0) {
        dm->handoff_fd = listen_on(dm->handoff_path, error);
        if (dm->handoff_fd < 0)
            return FALSE;
        dm->unlink_sockets = TRUE;
    }
    g_unix_fd_add(dm->coredump_fd, G_IO_IN, on_coredump_connection, dm);
    g_unix_fd_add(dm->handoff_fd, G_IO_IN, on_handoff_connection, dm);
    g_unix_signal_add(SIGTERM, on_stop_signal, dm);
    g_unix_signal_add(SIGINT, on_stop_signal, dm);
    return TRUE;
}

int main(int argc, char **argv)
{
    /* A crash of ours must never produce a core of root's memory, nor come back to us. */
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    coroner_log_setup("coronerd");
    setlocale(LC_ALL, "C.UTF-8");
    umask(0022);
    signal(SIGPIPE, SIG_IGN);

    g_autofree char *config_path = NULL;
    g_autofree char *socket_path = NULL;
    g_autofree char *handoff_path = NULL;
    gboolean foreground = FALSE, version = FALSE;
    GOptionEntry entries[] = {
        {"config", 0, 0, G_OPTION_ARG_FILENAME, &config_path,
         "Configuration file (default " CORONER_DEFAULT_CONFIG ")", "FILE"},
        {"socket", 0, 0, G_OPTION_ARG_FILENAME, &socket_path,
         "The kernel's coredump socket, for core_pattern \"@@PATH\" (default "
         CORONERD_COREDUMP_SOCKET "); absolute, shorter than 108 bytes, in the initial mount "
         "namespace", "PATH"},
        {"handoff", 0, 0, G_OPTION_ARG_FILENAME, &handoff_path,
         "The hand-off socket for coroner-handler --handoff in pipe mode (default "
         CORONERD_HANDOFF_SOCKET ")", "PATH"},
        {"foreground", 0, 0, G_OPTION_ARG_NONE, &foreground,
         "Run standalone in the foreground, logging to stderr (what systemd does too; "
         "there is no daemonizing)", NULL},
        {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Show the version", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) context = g_option_context_new(NULL);
    g_option_context_set_summary(
        context,
        "The Coroner coredump service: takes each crash from the kernel's coredump socket "
        "(socket mode) or from coroner-handler (pipe mode), admits it or not, and stores it "
        "with deadlines.\n"
        "Ready when both sockets exist. It never writes kernel.core_pattern: use\n"
        "  coroner-handler --install [--mode=auto|socket|pipe]   (and --uninstall)\n"
        "or coroner.socket, which sets the pattern to \"@@" CORONERD_COREDUMP_SOCKET "\".");
    g_option_context_set_description(
        context,
        "Configuration (coroner.conf):\n"
        "  [Service] MaxConcurrent=2   dumps streamed at once\n"
        "            QueueMax=16       admitted dumps waiting for a worker\n"
        "            DumpTimeoutSec=120  a dump still streaming is cut, stored as truncated\n"
        "            WorkTimeoutSec=30   hook parsing, backtrace and record after the dump\n"
        "  [RateLimit] Burst=5 IntervalSec=60   dumps per (uid, executable) per interval\n"
        "              GlobalBurst=20           dumps in all per interval\n"
        "Crashes over a limit get no core but a record, or, past Burst such records per\n"
        "(uid, executable), one storm summary record counting them (\"suppressed\").\n"
        "Parsers run as [Handler] ServiceUser= (default coroner, else nobody).\n"
        "See docs/coronerd.md.");
    g_option_context_add_main_entries(context, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        coroner_log(LOG_ERR, "%s", error->message);
        return EXIT_USAGE;
    }
    if (version) {
        printf("coronerd %s\n", CORONER_VERSION);
        return 0;
    }
    if (argc > 1) {
        coroner_log(LOG_ERR, "unexpected argument: %s", argv[1]);
        return EXIT_USAGE;
    }
    (void)foreground; /* Always in the foreground: systemd and tests both want that. */

    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    Daemon dm = {
        .config = coroner_config_load(config_path ? config_path : CORONER_DEFAULT_CONFIG, problems),
        .coredump_fd = -1,
        .handoff_fd = -1,
        .in_progress_fd = -1,
        .coredump_path = g_strdup(socket_path ? socket_path : CORONERD_COREDUMP_SOCKET),
        .handoff_path = g_strdup(handoff_path ? handoff_path : CORONERD_HANDOFF_SOCKET),
        .running = g_hash_table_new(NULL, NULL),
    };
    for (guint i = 0; i < problems->len; i++)
        coroner_log(LOG_ERR, "bad configuration, using the default instead: %s",
                    (char *)problems->pdata[i]);
    g_queue_init(&dm.queue);
    dm.admission = admission_new(dm.config->rate_burst, dm.config->rate_global_burst,
                                 dm.config->rate_interval_sec);
    dm.loop = g_main_loop_new(NULL, FALSE);
    if (!setup(&dm, &error)) {
        coroner_log(LOG_ERR, "%s", error->message);
        return 1;
    }
    coroner_log(LOG_INFO, "listening on %s (kernel) and %s (hand-off); store %s", dm.coredump_path,
                dm.handoff_path, dm.store->path);
    (void)sd_notify(0, "READY=1");
    g_main_loop_run(dm.loop);

    flush_summaries(&dm, TRUE);
    if (dm.unlink_sockets) {
        (void)unlink(dm.coredump_path);
        (void)unlink(dm.handoff_path);
    }
    admission_free(dm.admission);
    g_hash_table_unref(dm.running);
    g_main_loop_unref(dm.loop);
    coroner_store_free(dm.store);
    if (dm.in_progress_fd >= 0)
        close(dm.in_progress_fd);
    coroner_config_free(dm.config);
    g_free(dm.coredump_path);
    g_free(dm.handoff_path);
    g_free(dm.boot_id);
    g_free(dm.hostname);
    return 0;
}
