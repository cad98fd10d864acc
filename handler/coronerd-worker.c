/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerd's workers: each admitted dump runs in a forked child, in a process
 * group of its own, with deadlines; its end is reaped and accounted.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coredump-socket.h"
#include "coronerd.h"
#include "log.h"
#include "proc-info.h"

/* After the dump and the work: time for the worker to write the record and exit. */
#define KILL_GRACE_SEC 5
/* As coroner-handler's: fewer wake-ups between the dumping kernel and the worker. */
#define PIPE_SIZE (1 << 20)

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
        .pidfd = d->pidfd,
        .child_timeout_ms = dm->config->work_timeout_sec * 1000,
    };
    int rc = coroner_ingest(d->capture, d->core_fd, &options);
    _exit(rc);
}


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
    if (!coronerd_store_has_record(dm, d->id)) {
        g_autofree char *why =
            d->killed ? g_strdup_printf("the dump failed: its worker was killed at the deadline "
                                        "(DumpTimeoutSec=%u + WorkTimeoutSec=%u)",
                                        dm->config->dump_timeout_sec, dm->config->work_timeout_sec)
            : WIFSIGNALED(status)
                ? g_strdup_printf("the dump failed: its worker died of signal %d", WTERMSIG(status))
                : g_strdup_printf("the dump failed: its worker exited with status %d without a record",
                                  WEXITSTATUS(status));
        coroner_log(LOG_ERR, "PID %d: %s", (int)d->pid, why);
        coronerd_account_without_core(dm, d, CORONER_CORE_MISSING, why);
    }
    coronerd_marker_remove(dm, d->id);
    coronerd_dump_free(d);
    coronerd_start_queued(dm);
    coronerd_maybe_quit(dm);
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

void coronerd_start_worker(Daemon *dm, Dump *d)
{
    g_autoptr(GError) error = NULL;
    if (d->source == SOURCE_SOCKET &&
        !coroner_coredump_send_ack(d->core_fd, CORONER_COREDUMP_KERNEL | CORONER_COREDUMP_WAIT, &error)) {
        coroner_log(LOG_ERR, "PID %d: %s", (int)d->pid, error->message);
        g_autofree char *why = g_strdup_printf("the dump failed: %s", error->message);
        coronerd_account_without_core(dm, d, CORONER_CORE_MISSING, why);
        coronerd_dump_free(d);
        return;
    }
    d->started_at = g_get_monotonic_time();
    coroner_log(LOG_INFO, "PID %d (%s, uid %u): dumping (%s)", (int)d->pid, d->comm ? d->comm : "?",
                (unsigned)d->uid, d->source == SOURCE_SOCKET ? "coredump socket" : "hand-off");
    coronerd_marker_write(dm, d);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        g_autofree char *why = g_strdup_printf("the dump failed: cannot fork a worker: %s", g_strerror(e));
        coroner_log(LOG_ERR, "PID %d: %s", (int)d->pid, why);
        coronerd_account_without_core(dm, d, CORONER_CORE_MISSING, why);
        coronerd_marker_remove(dm, d->id);
        coronerd_dump_free(d);
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
