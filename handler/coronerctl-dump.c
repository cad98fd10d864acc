/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerctl dump: the uncompressed core, to a file or to stdout; with
 * --inject, the buffers the application registered with libcoroner-hook
 * (recorded beside the core with their addresses) go into the copy as their
 * own PT_LOADs where the core lacks them, as minicoredumper's coreinject does.
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <unistd.h>

#include "coronerctl-core.h"
#include "coronerctl.h"

#include "fs-util.h"
#include "minimal-core.h"

/* The record's buffers with an address, as blobs pointing into the record. */
static GArray *recorded_blobs(const CoronerCrashRecord *r)
{
    GArray *blobs = g_array_new(FALSE, TRUE, sizeof(CoronerMemoryBlob));
    for (guint i = 0; r->app && i < r->app->buffers->len; i++) {
        const CoronerBuffer *b = r->app->buffers->pdata[i];
        if (!b->address || !b->data)
            continue;
        gsize size;
        CoronerMemoryBlob blob = {.address = b->address, .data = g_bytes_get_data(b->data, &size)};
        /* A text buffer is cut at its NUL: what follows is not known, and reads as zeros. */
        blob.size = MIN(size, b->length ? b->length : size);
        if (blob.size > 0)
            g_array_append_val(blobs, blob);
    }
    return blobs;
}

/* The core through the writer in copy mode, with the blobs added. */
static gboolean dump_injected(CtlContext *ctx, CoronerCrashEntry *e, int fd, GError **error)
{
    g_autoptr(GArray) blobs = recorded_blobs(e->record);
    if (blobs->len == 0) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_UNAVAILABLE,
                    "%s: the record has no buffers with an address to inject", e->short_id);
        return FALSE;
    }
    CoronerMinimalOptions options = {
        .keep_all = true,
        .blobs = (const CoronerMemoryBlob *)blobs->data,
        .n_blobs = blobs->len,
    };
    CoronerMinimalCore *m = coroner_minimal_core_new(&options, ctl_sink_fd, &fd);
    g_autoptr(GError) local = NULL;
    gboolean ok = ctl_core_extract_to(ctx->index, e, ctl_sink_minimal, m, &local);
    int r = ok ? coroner_minimal_core_finish(m) : 0;
    CoronerMinimalStats stats;
    coroner_minimal_core_stats(m, &stats);
    const char *warning = coroner_minimal_core_warning(m);
    if (ok && r < 0)
        g_set_error(&local, G_IO_ERROR, g_io_error_from_errno(-r), "cannot write the core: %s",
                    warning && r == -EINVAL ? warning : g_strerror(-r));
    coroner_minimal_core_free(m);
    if (!ok || r < 0) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s: %s", e->short_id, local->message);
        return FALSE;
    }
    if (warning)
        g_printerr("coronerctl: note: %s\n", warning);
    if (stats.blob_bytes == 0)
        g_printerr("coronerctl: note: the core already holds the %u recorded buffers\n",
                   blobs->len);
    return TRUE;
}

int ctl_dump(CtlContext *ctx, char **args, GError **error)
{
    gboolean to_stdout;
    CoronerCrashEntry *e = ctl_find_core_to_write(ctx, args, "core", &to_stdout, error);
    if (!e)
        return (*error)->code;

    int fd = ctl_open_output(ctx->output, to_stdout, error);
    if (fd < 0)
        return CTL_EXIT_DATA;
    g_autoptr(GError) local = NULL;
    gboolean ok;
    if (ctx->inject) {
        ok = dump_injected(ctx, e, fd, &local);
    } else {
        ok = ctl_core_extract(ctx->index, e, fd, NULL, &local);
        if (!ok) {
            g_prefix_error(&local, "%s: ", e->short_id);
            local->domain = CTL_ERROR;
            local->code = CTL_EXIT_DATA;
        }
    }
    if (ok && !to_stdout && close(fd) < 0) {
        int err = errno;
        g_set_error(&local, CTL_ERROR, CTL_EXIT_DATA, "cannot write %s: %s", ctx->output,
                    g_strerror(err));
        ok = FALSE;
    } else if (!ok && !to_stdout) {
        close(fd);
    }
    if (!ok) {
        /* Half a core is worse than none: it looks like one. */
        if (!to_stdout)
            (void)unlink(ctx->output);
        g_propagate_error(error, g_steal_pointer(&local));
        return (*error)->code;
    }
    return CTL_EXIT_OK;
}
