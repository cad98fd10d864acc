/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* coronerctl dump: the uncompressed core, to a file or to stdout. */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <unistd.h>

#include "coronerctl-core.h"
#include "coronerctl.h"

int ctl_dump(CtlContext *ctx, char **args, GError **error)
{
    gboolean to_stdout;
    CoronerCrashEntry *e = ctl_find_core_to_write(ctx, args, "core", &to_stdout, error);
    if (!e)
        return (*error)->code;

    int fd = STDOUT_FILENO;
    if (!to_stdout) {
        /* A core is the crashed program's memory: only its owner may read the copy. */
        fd = open(ctx->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0) {
            int err = errno;
            g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "cannot create %s: %s", ctx->output,
                        g_strerror(err));
            return CTL_EXIT_DATA;
        }
    }
    g_autoptr(GError) local = NULL;
    uint64_t bytes = 0;
    gboolean ok = ctl_core_extract(ctx->index, e, fd, &bytes, &local);
    if (ok && !to_stdout && close(fd) < 0) {
        int err = errno;
        g_set_error(&local, G_IO_ERROR, g_io_error_from_errno(err), "cannot write %s: %s",
                    ctx->output, g_strerror(err));
        ok = FALSE;
    } else if (!ok && !to_stdout) {
        close(fd);
    }
    if (!ok) {
        /* Half a core is worse than none: it looks like one. */
        if (!to_stdout)
            (void)unlink(ctx->output);
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s: %s", e->short_id, local->message);
        return CTL_EXIT_DATA;
    }
    return CTL_EXIT_OK;
}
