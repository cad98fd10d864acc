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
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include "build-config.h"
#include "coredump-socket.h"
#include "coronerd.h"
#include "fs-util.h"
#include "log.h"
#include "privileges.h"

#define EXIT_USAGE 64
#define DEFAULT_CACHE_DIR "/var/cache/coroner"

void coronerd_dump_free(Dump *d)
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
        coronerd_account_without_core(dm, d, CORONER_CORE_NONE, why);
    } else if (!dm->summary_timer) {
        coronerd_flush_summaries(dm, FALSE);
    }
    coronerd_dump_free(d);
}

static gboolean on_queue_timer(gpointer data);

static void arm_queue_timer(Daemon *dm)
{
    if (!dm->queue_timer && dm->queue.length > 0)
        dm->queue_timer = g_timeout_add_seconds(1, on_queue_timer, dm);
}

void coronerd_admit(Daemon *dm, Dump *d)
{
    g_autofree char *reason = NULL;
    AdmissionVerdict v = admission_decide(dm->admission, d->uid, d->exe, d->comm, d->pid, d->timestamp_usec, &reason);
    if (v == ADMISSION_DUMP && dm->stopping) {
        v = admission_reject(dm->admission, d->uid, d->exe, d->comm, d->pid, d->timestamp_usec);
        reason = g_strdup("coronerd is stopping");
    }
    if (v == ADMISSION_DUMP && g_hash_table_size(dm->running) < dm->config->max_concurrent) {
        coronerd_start_worker(dm, d);
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

void coronerd_start_queued(Daemon *dm)
{
    while (dm->queue.length > 0 && g_hash_table_size(dm->running) < dm->config->max_concurrent)
        coronerd_start_worker(dm, g_queue_pop_head(&dm->queue));
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
        AdmissionVerdict v = admission_reject(dm->admission, d->uid, d->exe, d->comm, d->pid, g_get_real_time());
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

/* --------------------------------------------------------------- lifecycle */

void coronerd_maybe_quit(Daemon *dm)
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
        AdmissionVerdict v = admission_reject(dm->admission, d->uid, d->exe, d->comm, d->pid, g_get_real_time());
        refuse(dm, d, v, "coronerd is stopping");
    }
    coronerd_maybe_quit(dm);
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
    g_autofree char *in_progress = g_build_filename(dm->store->path, IN_PROGRESS_DIR, NULL);
    dm->in_progress_fd =
        coroner_open_subdir(dm->store->dir_fd, IN_PROGRESS_DIR, 0755, in_progress, error);
    if (dm->in_progress_fd < 0)
        return FALSE;
    coronerd_recover_markers(dm);
    prepare_cache(dm->config);

    coronerd_take_activated_sockets(dm);
    if (dm->coredump_fd < 0) {
        dm->coredump_fd = coronerd_listen_on(dm->coredump_path, error);
        if (dm->coredump_fd < 0)
            return FALSE;
        dm->unlink_sockets = TRUE;
    }
    if (dm->handoff_fd < 0) {
        dm->handoff_fd = coronerd_listen_on(dm->handoff_path, error);
        if (dm->handoff_fd < 0)
            return FALSE;
        dm->unlink_sockets = TRUE;
    }
    g_unix_fd_add(dm->coredump_fd, G_IO_IN, coronerd_on_coredump_connection, dm);
    g_unix_fd_add(dm->handoff_fd, G_IO_IN, coronerd_on_handoff_connection, dm);
    g_unix_signal_add(SIGTERM, on_stop_signal, dm);
    g_unix_signal_add(SIGINT, on_stop_signal, dm);
    return TRUE;
}

int main(int argc, char **argv)
{
    coroner_crash_service_start("coronerd", 0022);

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
    int status;
    if (!coroner_crash_service_parse(context, &argc, &argv, &version, "coronerd", &status))
        return status;
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

    coronerd_flush_summaries(&dm, TRUE);
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
