/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerctl debug: a debugger on the crashed executable and its core,
 * decompressed into a temporary sparse file that is removed afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coronerctl-core.h"
#include "coronerctl.h"

static const char *pick_debugger(const CtlContext *ctx)
{
    if (ctx->debugger && *ctx->debugger)
        return ctx->debugger;
    const char *env = g_getenv("CORONER_DEBUGGER");
    if (!env || !*env)
        env = g_getenv("SYSTEMD_DEBUGGER");
    return env && *env ? env : "gdb";
}

/* gdb EXE -c CORE, lldb --core CORE EXE, anything else EXE CORE. */
static GPtrArray *debugger_argv(const char *debugger, char **extra, const char *exe,
                                const char *core)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *base = g_path_get_basename(debugger);
    g_ptr_array_add(argv, g_strdup(debugger));
    for (char **a = extra; a && *a; a++)
        g_ptr_array_add(argv, g_strdup(*a));
    if (g_str_equal(base, "gdb")) {
        g_ptr_array_add(argv, g_strdup(exe));
        g_ptr_array_add(argv, g_strdup("-c"));
        g_ptr_array_add(argv, g_strdup(core));
    } else if (g_str_equal(base, "lldb")) {
        g_ptr_array_add(argv, g_strdup("--core"));
        g_ptr_array_add(argv, g_strdup(core));
        g_ptr_array_add(argv, g_strdup(exe));
    } else {
        g_ptr_array_add(argv, g_strdup(exe));
        g_ptr_array_add(argv, g_strdup(core));
    }
    g_ptr_array_add(argv, NULL);
    return argv;
}

static int run_debugger(GPtrArray *argv, GError **error)
{
    /* Like system(3): ^C goes to the debugger, which stops the inferior, not to us. */
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "fork: %s", g_strerror(e));
        return -1;
    }
    if (pid == 0) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        signal(SIGPIPE, SIG_DFL);
        execvp(argv->pdata[0], (char **)argv->pdata);
        fprintf(stderr, "coronerctl: cannot run %s: %s\n", (char *)argv->pdata[0],
                g_strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int ctl_debug(CtlContext *ctx, char **args, GError **error)
{
    CoronerCrashEntry *e = ctl_find_one(ctx, args, error);
    if (!e)
        return (*error)->code;
    g_auto(GStrv) extra = NULL;
    g_autoptr(GError) local = NULL;
    if (ctx->debugger_arguments &&
        !g_shell_parse_argv(ctx->debugger_arguments, NULL, &extra, &local)) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE, "--debugger-arguments: %s", local->message);
        return CTL_EXIT_USAGE;
    }
    const char *exe = e->record->process.exe;
    if (!exe) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_UNAVAILABLE,
                    "%s: the crashed executable is not known", e->short_id);
        return CTL_EXIT_UNAVAILABLE;
    }
    if (!ctl_core_available(e, error))
        return CTL_EXIT_UNAVAILABLE;
    if (access(exe, R_OK) < 0)
        g_printerr("coronerctl: warning: %s: %s (it may have been replaced or removed)\n", exe,
                   g_strerror(errno));

    /* /var/tmp rather than a tmpfs /tmp: cores are big. */
    const char *dir = g_getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/var/tmp";
    g_autofree char *core = g_build_filename(dir, "coronerctl-core.XXXXXX", NULL);
    int fd = g_mkstemp_full(core, O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        int err = errno;
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "cannot create a temporary file in %s: %s",
                    dir, g_strerror(err));
        return CTL_EXIT_DATA;
    }
    gboolean ok = ctl_core_extract(ctx->index, e, fd, NULL, &local);
    close(fd);
    if (!ok) {
        (void)unlink(core);
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s: %s", e->short_id, local->message);
        return CTL_EXIT_DATA;
    }
    g_autoptr(GPtrArray) argv = debugger_argv(pick_debugger(ctx), extra, exe, core);
    int status = run_debugger(argv, error);
    (void)unlink(core);
    return status < 0 ? CTL_EXIT_DATA : status;
}
