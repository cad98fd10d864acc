/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerctl list: the crashes, as a table or as JSON.  coronerd's storm
 * summaries are rows of their own ("… and 42 more crashes of X suppressed"),
 * and the dumps coronerd has in progress (the store's .in-progress/ marks)
 * follow the table.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "coronerctl-format.h"
#include "coronerctl-json.h"
#include "coronerctl-match.h"
#include "coronerctl.h"

static CtlColor core_color(const char *status)
{
    if (g_str_equal(status, "present") || g_str_equal(status, "journal"))
        return CTL_COLOR_GREEN;
    if (g_str_equal(status, "truncated"))
        return CTL_COLOR_YELLOW;
    if (g_str_equal(status, "none"))
        return CTL_COLOR_NONE;
    return CTL_COLOR_RED;
}

static void print_table(CtlContext *ctx, GPtrArray *shown)
{
    static const char *const headers[] = {"ID", "TIME", "PID", "UID", "SIG", "CORE", "SIZE",
                                          "EXE", NULL};
    g_autoptr(CtlTable) table = ctl_table_new(headers);
    ctl_table_align_right(table, 2);
    ctl_table_align_right(table, 3);
    ctl_table_align_right(table, 6);
    for (guint i = 0; i < shown->len; i++) {
        const CoronerCrashEntry *e = shown->pdata[i];
        const CoronerCrashRecord *r = e->record;
        g_autofree char *time = ctl_format_time(r->timestamp_usec);
        g_autofree char *pid = r->process.pid >= 0
                                   ? g_strdup_printf("%" G_GINT64_FORMAT, r->process.pid)
                                   : NULL;
        g_autofree char *uid = r->process.uid >= 0
                                   ? g_strdup_printf("%" G_GINT64_FORMAT, r->process.uid)
                                   : NULL;
        g_autofree char *size = e->core_disk_bytes ? ctl_format_bytes(e->core_disk_bytes) : NULL;
        ctl_table_add(table, CTL_COLOR_BOLD, e->short_id);
        ctl_table_add(table, CTL_COLOR_NONE, time);
        ctl_table_add(table, CTL_COLOR_NONE, pid);
        ctl_table_add(table, CTL_COLOR_NONE, uid);
        ctl_table_add(table, CTL_COLOR_RED, r->signal.name);
        ctl_table_add(table, core_color(e->core_status), e->core_status);
        ctl_table_add(table, CTL_COLOR_NONE, size);
        const char *exe = r->process.exe ? r->process.exe : r->process.comm;
        /* Storm summaries and a crashed group member's live-dumped peers are not crashes. */
        g_autofree char *what =
            r->suppressed > 0
                ? g_strdup_printf("… and %" G_GUINT64_FORMAT " more crashes of %s suppressed", r->suppressed, exe)
            : r->live_dump ? g_strdup_printf("%s (live dump, a crashed group member's peer)", exe)
                           : NULL;
        ctl_table_add(table, what ? CTL_COLOR_YELLOW : CTL_COLOR_NONE, what ? what : exe);
    }
    ctl_table_print(table, &ctx->out, !ctx->no_legend);
    if (!ctx->no_legend)
        printf("\n%u crash%s listed.\n", shown->len, shown->len == 1 ? "" : "es");
}

/* The dumps coronerd is working on now: the records it marked in progress. */
static void print_in_progress(CtlContext *ctx)
{
    if (!ctx->index->store)
        return;
    int dir_fd = openat(ctx->index->store->dir_fd, ".in-progress",
                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir_fd < 0)
        return;
    g_autofree char *path = g_build_filename(ctx->index->store->path, ".in-progress", NULL);
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;
    guint n = 0;
    while (dir && (name = g_dir_read_name(dir))) {
        if (name[0] == '.' || !g_str_has_suffix(name, ".json"))
            continue;
        g_autoptr(CoronerCrashRecord) r = coroner_crash_record_load_at(dir_fd, name, NULL);
        if (!r)
            continue;
        if (n++ == 0)
            printf("\nDumps in progress:\n");
        g_autofree char *time = ctl_format_time(r->timestamp_usec);
        printf("  %s  PID %" G_GINT64_FORMAT "  UID %" G_GINT64_FORMAT "  %s\n", time,
               r->process.pid, r->process.uid,
               r->process.exe ? r->process.exe : (r->process.comm ? r->process.comm : "?"));
    }
    close(dir_fd);
}

int ctl_list(CtlContext *ctx, char **args, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(CtlMatches) matches = ctl_matches_new((const char *const *)args, &local);
    if (!matches) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE, "%s", local->message);
        return CTL_EXIT_USAGE;
    }
    GPtrArray *entries = ctx->index->entries;
    g_autoptr(GPtrArray) shown = g_ptr_array_new();
    for (guint i = 0; i < entries->len; i++) {
        CoronerCrashEntry *e = entries->pdata[i];
        if (e->record->timestamp_usec < ctx->since_usec ||
            e->record->timestamp_usec > ctx->until_usec)
            continue;
        if (!ctl_matches_test(matches, ctx->index, e))
            continue;
        g_ptr_array_add(shown, e);
    }
    if (ctx->lines > 0 && shown->len > (guint)ctx->lines)
        g_ptr_array_remove_range(shown, 0, shown->len - (guint)ctx->lines);
    if (ctx->reverse)
        for (guint i = 0, j = shown->len; i + 1 < j; i++, j--) {
            gpointer tmp = shown->pdata[i];
            shown->pdata[i] = shown->pdata[j - 1];
            shown->pdata[j - 1] = tmp;
        }

    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_array(b);
        for (guint i = 0; i < shown->len; i++)
            json_builder_add_value(b, ctl_json_summary(ctx->index, shown->pdata[i]));
        json_builder_end_array(b);
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        ctl_json_print(root, !ctx->json_short);
    } else {
        if (shown->len > 0)
            print_table(ctx, shown);
        if (!ctx->no_legend)
            print_in_progress(ctx);
    }
    if (shown->len == 0) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_NO_MATCH, "no crashes found");
        return CTL_EXIT_NO_MATCH;
    }
    return CTL_EXIT_OK;
}
