/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerctl bundle: one crash as the zip that coroner-upload sends (core,
 * record, journal lines, /proc snapshot), named by [Upload] FilenameTemplate=,
 * written into -o DIR (default: the current directory); prints its path.
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <unistd.h>

#include "bundle-name.h"
#include "bundle.h"
#include "coronerctl.h"

int ctl_bundle(CtlContext *ctx, char **args, GError **error)
{
    CoronerCrashEntry *e = ctl_find_one(ctx, args, error);
    if (!e)
        return (*error)->code;
    if (!ctx->store || !e->store_entry || !e->store_entry->record_name) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_UNAVAILABLE,
                    "%s: not in Coroner's store (a bundle is made from the store's record and core)",
                    e->short_id);
        return CTL_EXIT_UNAVAILABLE;
    }
    g_autoptr(GError) local = NULL;
    g_autofree char *name =
        coroner_bundle_name(ctx->config->upload.filename_template, e->record, &local);
    if (!name) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE, "[Upload] FilenameTemplate: %s",
                    local->message);
        return CTL_EXIT_USAGE;
    }
    /* A template with prefixes ("{hostname}/…") makes object keys; a file needs one name. */
    g_strdelimit(name, "/", '_');
    const char *dir = ctx->output ? ctx->output : ".";
    if (!coroner_bundle_write_file(ctx->store->dir_fd, e->record, NULL, dir, name, &local)) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s: %s", e->short_id, local->message);
        return CTL_EXIT_DATA;
    }
    g_autofree char *path = g_build_filename(dir, name, NULL);
    printf("%s\n", path);
    return CTL_EXIT_OK;
}
