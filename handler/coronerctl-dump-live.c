/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerctl dump-live PID: a core of a running process (live-core.h), full
 * or minimal by --recept, written by the minimal core writer to a file or to
 * stdout.  The process runs on.
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <unistd.h>

#include "coronerctl-core.h"
#include "coronerctl.h"

#include "live-core.h"
#include "minimal-plan.h"
#include "recept.h"

/* What the recept's plan reads of the process: its maps and the /proc files it copies. */
static CoronerCrashRecord *live_record(pid_t pid)
{
    CoronerCrashRecord *r = coroner_crash_record_new();
    CoronerProcessInfo *p = &r->process;
    struct {
        const char *name;
        char **field;
    } files[] = {
        {"maps", &p->proc_maps},           {"status", &p->proc_status},
        {"limits", &p->proc_limits},       {"cgroup", &p->proc_cgroup},
        {"mountinfo", &p->proc_mountinfo},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *path = g_strdup_printf("/proc/%d/%s", (int)pid, files[i].name);
        (void)g_file_get_contents(path, files[i].field, NULL, NULL);
    }
    return r;
}

static gboolean parse_pid(char **args, pid_t *ret_pid, GError **error)
{
    guint64 pid = 0;
    if (!args || !args[0] || args[1] ||
        !g_ascii_string_to_unsigned(args[0], 10, 1, G_MAXINT32, &pid, NULL)) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE, "dump-live takes one process id");
        return FALSE;
    }
    *ret_pid = (pid_t)pid;
    return TRUE;
}

int ctl_dump_live(CtlContext *ctx, char **args, GError **error)
{
    pid_t pid;
    if (!parse_pid(args, &pid, error))
        return CTL_EXIT_USAGE;
    gboolean to_stdout = !ctx->output || g_str_equal(ctx->output, "-");
    if (to_stdout && isatty(STDOUT_FILENO)) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE,
                    "refusing to write a core to a terminal: use -o FILE or redirect stdout");
        return CTL_EXIT_USAGE;
    }
    g_autoptr(GError) local = NULL;
    g_autoptr(CoronerRecept) recept = NULL;
    if (ctx->recept && !(recept = coroner_recept_load(ctx->recept, &local))) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE, "%s", local->message);
        return CTL_EXIT_USAGE;
    }
    g_autoptr(CoronerCrashRecord) record = recept ? live_record(pid) : NULL;
    g_autoptr(CoronerMinimalPlan) plan = recept ? coroner_minimal_plan_new(recept, record) : NULL;
    CoronerMinimalOptions full = {.keep_all = true};

    int fd = ctl_open_output(ctx->output, to_stdout, error);
    if (fd < 0)
        return CTL_EXIT_DATA;
    g_autofree char *warning = NULL;
    gboolean ok = coroner_live_core_write(pid, (uid_t)-1, plan ? &plan->options : &full, fd,
                                          &warning, &local);
    if (warning)
        g_printerr("coronerctl: note: %s\n", warning);
    if (!to_stdout && close(fd) < 0 && ok) {
        int err = errno;
        g_set_error(&local, G_IO_ERROR, g_io_error_from_errno(err), "cannot write %s: %s",
                    ctx->output, g_strerror(err));
        ok = FALSE;
    }
    if (!ok) {
        if (!to_stdout)
            (void)unlink(ctx->output);
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s", local->message);
        return CTL_EXIT_DATA;
    }
    return CTL_EXIT_OK;
}
