/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* coronerctl vacuum: the store's MaxUse= and KeepFree=, applied now. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "build-config.h"
#include "coronerctl-format.h"
#include "coronerctl.h"
#include "vacuum.h"

static gboolean override_size(const char *option, const char *text, CoronerSize *size,
                              GError **error)
{
    g_autoptr(GError) local = NULL;
    if (!text)
        return TRUE;
    if (!coroner_parse_size(text, size, &local)) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE, "%s: %s", option, local->message);
        return FALSE;
    }
    return TRUE;
}

static gboolean count_entries(CoronerStore *store, guint *ret, GError **error)
{
    g_autoptr(GPtrArray) entries = coroner_store_list(store, error);
    if (!entries)
        return FALSE;
    *ret = entries->len;
    return TRUE;
}

int ctl_vacuum(CtlContext *ctx, char **args, GError **error)
{
    if (args && args[0]) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE, "vacuum takes no arguments");
        return CTL_EXIT_USAGE;
    }
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    const char *config_path = ctx->config_path ? ctx->config_path : CORONER_DEFAULT_CONFIG;
    ctx->config = coroner_config_load(config_path, problems);
    for (guint i = 0; i < problems->len; i++)
        g_printerr("coronerctl: warning: %s\n", (char *)problems->pdata[i]);
    if (!override_size("--max-use", ctx->max_use, &ctx->config->max_use, error) ||
        !override_size("--keep-free", ctx->keep_free, &ctx->config->keep_free, error))
        return CTL_EXIT_USAGE;

    const char *path = ctx->store_path ? ctx->store_path : ctx->config->store_path;
    g_autoptr(GError) local = NULL;
    ctx->store = coroner_store_open(path, FALSE, &local);
    if (!ctx->store) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s", local->message);
        return CTL_EXIT_DATA;
    }
    /* Removing files takes write access to the directory; without it nothing could go. */
    if (faccessat(ctx->store->dir_fd, ".", W_OK, AT_EACCESS) < 0) {
        int err = errno;
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "cannot vacuum %s: %s", ctx->store->path,
                    g_strerror(err));
        return CTL_EXIT_DATA;
    }
    guint before = 0, after = 0;
    if (!count_entries(ctx->store, &before, &local) ||
        !coroner_vacuum(ctx->store, ctx->config, NULL, NULL, &local) ||
        !count_entries(ctx->store, &after, &local)) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s", local->message);
        return CTL_EXIT_DATA;
    }
    /* What is really gone: the library counts what it tried to remove. */
    guint removed = before > after ? before - after : 0;
    CoronerStoreSpace space;
    if (!coroner_store_space(ctx->store, ctx->config, &space, &local)) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s", local->message);
        return CTL_EXIT_DATA;
    }
    g_autofree char *usage = ctl_format_bytes(space.usage);
    g_autofree char *max_use = ctl_format_bytes(space.max_use);
    g_autofree char *keep_free = ctl_format_bytes(space.keep_free);
    g_autofree char *fs_free = ctl_format_bytes(space.fs_free);
    printf("Removed %u crash%s from %s; it now uses %s (MaxUse %s), %s free (KeepFree %s).\n",
           removed, removed == 1 ? "" : "es", ctx->store->path, usage, max_use, fs_free,
           keep_free);
    return CTL_EXIT_OK;
}
