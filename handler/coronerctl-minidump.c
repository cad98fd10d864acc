/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerctl minidump: a Breakpad-format minidump of a crash, written from its
 * stored core by the sandboxed minidump writer (minidump-writer.h), for
 * Breakpad's tools and Sentry.
 */
#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <unistd.h>

#include "coronerctl-core.h"
#include "coronerctl-symbolize.h"
#include "coronerctl.h"

#include "fs-util.h"
#include "minidump-writer.h"
#include "privileges.h"

int ctl_minidump(CtlContext *ctx, char **args, GError **error)
{
    gboolean to_stdout;
    CoronerCrashEntry *e = ctl_find_core_to_write(ctx, args, "minidump", &to_stdout, error);
    if (!e)
        return (*error)->code;

    g_autoptr(GError) local = NULL;
    int fd = ctl_open_core_for_parsing(ctx->index, e, &local);
    if (fd < 0) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s: %s", e->short_id, local->message);
        return CTL_EXIT_DATA;
    }
    CoronerMinidumpOptions options;
    coroner_minidump_options_init(&options);
    options.include_environ = ctx->minidump_environ;
    uid_t uid;
    gid_t gid;
    coroner_caller_parser_identity(&uid, &gid);
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GBytes) dump =
        coroner_minidump_sandboxed(fd, e->record, &options, uid, gid, warnings, &local);
    close(fd);
    if (!dump) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s: no minidump: %s", e->short_id,
                    local->message);
        return CTL_EXIT_DATA;
    }
    for (guint i = 0; i < warnings->len; i++)
        g_printerr("coronerctl: note: %s\n", (char *)warnings->pdata[i]);

    gsize length;
    const char *bytes = g_bytes_get_data(dump, &length);
    if (to_stdout) {
        int r = coroner_write_all(STDOUT_FILENO, bytes, length);
        if (r < 0) {
            g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "cannot write the minidump: %s",
                        g_strerror(-r));
            return CTL_EXIT_DATA;
        }
        return CTL_EXIT_OK;
    }
    /* The stacks are the crashed program's memory: only its owner may read the copy. */
    if (!g_file_set_contents_full(ctx->output, bytes, (gssize)length,
                                  G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local)) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s", local->message);
        return CTL_EXIT_DATA;
    }
    return CTL_EXIT_OK;
}
