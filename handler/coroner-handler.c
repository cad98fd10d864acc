/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coroner-handler: the kernel's core_pattern pipe handler.
 *
 * The kernel starts us as root with the core on stdin and the crashed process
 * frozen until we have read it.  We read what only the kernel and /proc know
 * while it is pinned (crash-ingest.h's capture), then, with --handoff, pass
 * that and the core pipe to coronerd and exit within milliseconds, so no
 * core_pipe_limit slot is held for long; without coronerd (or without
 * --handoff) we run the same ingestion path ourselves, with the same
 * deadlines ([Service] DumpTimeoutSec=, WorkTimeoutSec=).
 *
 * We never dump core ourselves (PR_SET_DUMPABLE 0), and the kernel gives us
 * RLIMIT_CORE 1, which it treats as "do not pipe": a crash of ours cannot loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-config.h"
#include "config.h"
#include "crash-ingest.h"
#include "handler-args.h"
#include "handler-install.h"
#include "handoff.h"
#include "log.h"
#include "privileges.h"

#define EXIT_USAGE 64
/* A bigger pipe means fewer wake-ups between the dumping kernel and us. */
#define PIPE_SIZE (1 << 20)
/* coronerd answers a hand-off at once; past this it is taken to be absent. */
#define HANDOFF_TIMEOUT_MS 2000

/* Hands the crash to coronerd; FALSE (and the crash still ours) when it is not there. */
static gboolean try_handoff(const char *path, const CoronerCapture *capture, int pidfd)
{
    g_autoptr(GError) error = NULL;
    if (coroner_handoff_send(path, capture, STDIN_FILENO, pidfd, HANDOFF_TIMEOUT_MS, &error))
        return TRUE;
    coroner_log(LOG_WARNING, "PID %d: coronerd did not take the crash (%s); storing it here",
                (int)capture->record->process.pid, error->message);
    return FALSE;
}

static int handle_crash(const char *config_path, const char *handoff_path,
                        const CoronerKernelArgs *args)
{
    /*
     * The kernel stalls on a full pipe while we read /proc; with 1 MiB it gets
     * that far ahead.  Not with --handoff: there core_pipe_limit is 0, the
     * kernel does not wait for us, and only a full pipe keeps the process
     * (and its /proc) there until we have read it.  Fails harmlessly when
     * stdin is not a pipe (a manual run from a file).
     */
    if (!handoff_path)
        (void)fcntl(STDIN_FILENO, F_SETPIPE_SZ, PIPE_SIZE);
    int64_t started = g_get_monotonic_time();

    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(CoronerConfig) config = coroner_config_load(config_path, problems);
    g_autoptr(CoronerCapture) capture = coroner_capture_new(args, problems);
    if (handoff_path) {
        if (try_handoff(handoff_path, capture, args->pidfd))
            return 0;
        (void)fcntl(STDIN_FILENO, F_SETPIPE_SZ, PIPE_SIZE);
    }

    CoronerIngestOptions options = {
        .config = config,
        .dump_deadline = started + (int64_t)config->dump_timeout_sec * G_USEC_PER_SEC,
        .pidfd = args->pidfd,
        .child_timeout_ms = config->work_timeout_sec * 1000,
    };
    return coroner_ingest(capture, STDIN_FILENO, &options);
}

int main(int argc, char **argv)
{
    /* Before anything else: not dumpable, logging, umask 077. */
    coroner_crash_service_start("coroner-handler", 0077);
    /*
     * The symbolizer caches inflated debug info in its user's cache dir; the
     * handler's parser runs as the crashing user, and a system service must
     * not write into people's home directories.
     */
    g_setenv("CORONER_DEBUGINFO_CACHE", "", TRUE);

    g_autofree char *config_path = NULL;
    g_autofree char *state_file = NULL;
    g_autofree char *handoff_path = NULL;
    g_autofree char *socket_path = NULL;
    g_autofree char *mode = NULL;
    gboolean install = FALSE, uninstall = FALSE, version = FALSE;
    GOptionEntry entries[] = {
        {"config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "PATH"},
        {"handoff", 0, 0, G_OPTION_ARG_FILENAME, &handoff_path,
         "Hand the crash to coronerd's hand-off socket and exit (work alone if it does not answer)",
         "PATH"},
        {"install", 0, 0, G_OPTION_ARG_NONE, &install,
         "Point the running kernel's core_pattern at Coroner, saving the old settings", NULL},
        {"mode", 0, 0, G_OPTION_ARG_STRING, &mode,
         "With --install: socket (coronerd on the kernel's coredump socket, Linux 6.17+), pipe "
         "(this handler, handing off to coronerd), or auto (socket when the kernel has it and "
         "coronerd listens; the default)", "auto|socket|pipe"},
        {"socket", 0, 0, G_OPTION_ARG_FILENAME, &socket_path,
         "With --install: coronerd's coredump socket (default " CORONERD_COREDUMP_SOCKET ")",
         "PATH"},
        {"uninstall", 0, 0, G_OPTION_ARG_NONE, &uninstall,
         "Restore the settings saved by --install", NULL},
        {"state-file", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &state_file,
         "Where --install saves the previous settings", "PATH"},
        {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Show the version", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) context =
        g_option_context_new("PID UID GID SIGNAL TIME RLIMIT HOSTNAME DUMPMODE PIDFD [TID [COMM]]");
    g_option_context_set_summary(context,
                                 "Stores a crashed process's core and metadata. The kernel runs "
                                 "this through kernel.core_pattern:\n  " CORONER_HANDLER_PATH
                                 " %P %u %g %s %t %c %h %d %F %I %e");
    g_option_context_add_main_entries(context, entries, NULL);
    /* Stop at the first positional argument: a comm may well start with '-'. */
    g_option_context_set_strict_posix(context, TRUE);
    g_autoptr(GError) error = NULL;
    int status;
    if (!coroner_crash_service_parse(context, &argc, &argv, &version, "coroner-handler", &status))
        return status;
    if (install || uninstall) {
        const char *saved = state_file ? state_file : CORONER_SAVED_SYSCTL;
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        CoronerInstallMode wanted = CORONER_INSTALL_AUTO, installed = CORONER_INSTALL_AUTO;
        if (mode && !coroner_install_mode_parse(mode, &wanted)) {
            coroner_log(LOG_ERR, "--mode: “%s” is not auto, socket or pipe", mode);
            return EXIT_USAGE;
        }
        gboolean ok =
            install ? coroner_install(self ? self : CORONER_HANDLER_PATH, config_path, saved, wanted,
                                      socket_path ? socket_path : CORONERD_COREDUMP_SOCKET,
                                      handoff_path ? handoff_path : CORONERD_HANDOFF_SOCKET,
                                      &installed, &error)
                    : coroner_uninstall(saved, &error);
        if (!ok) {
            coroner_log(LOG_ERR, "%s", error->message);
            return 1;
        }
        if (install)
            printf("%s\n", installed == CORONER_INSTALL_SOCKET ? "socket" : "pipe");
        return 0;
    }

    CoronerKernelArgs args;
    if (!coroner_kernel_args_parse(argc - 1, argv + 1, &args, &error)) {
        coroner_log(LOG_ERR, "%s\nUsage: coroner-handler [--config=PATH] %s", error->message,
                    "PID UID GID SIGNAL TIME RLIMIT HOSTNAME DUMPMODE PIDFD [TID [COMM]]");
        return EXIT_USAGE;
    }
    int r = handle_crash(config_path ? config_path : CORONER_DEFAULT_CONFIG, handoff_path, &args);
    coroner_kernel_args_clear(&args);
    return r;
}
