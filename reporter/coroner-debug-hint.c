/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-debug-hint.h"
#include "coroner-format.h"

#include <glib/gi18n.h>
#include <string.h>

CoronerQuality coroner_debug_hint_quality(const CoronerCrashRecord *record)
{
    if (!record || record->backtrace_quality < 0 || !record->threads || record->threads->len == 0) {
        /* Journal-only crashes carry frames but no rating: judge by named frames. */
        if (record && record->threads && record->threads->len > 0) {
            const CoronerThread *thread = g_ptr_array_index(record->threads, 0);
            guint named = 0;
            for (guint i = 0; i < thread->frames->len; i++)
                if (((CoronerFrame *)g_ptr_array_index(thread->frames, i))->function)
                    named++;
            if (thread->frames->len == 0)
                return CORONER_QUALITY_UNKNOWN;
            return named == thread->frames->len ? CORONER_QUALITY_GOOD
                   : named * 2 >= thread->frames->len ? CORONER_QUALITY_PARTIAL
                                                      : CORONER_QUALITY_POOR;
        }
        return CORONER_QUALITY_UNKNOWN;
    }
    if (record->backtrace_quality >= 0.8)
        return CORONER_QUALITY_GOOD;
    if (record->backtrace_quality >= 0.4)
        return CORONER_QUALITY_PARTIAL;
    return CORONER_QUALITY_POOR;
}

const char *coroner_debug_hint_quality_label(CoronerQuality quality)
{
    static const char *const labels[] = {
        [CORONER_QUALITY_GOOD] = N_("Good"),
        [CORONER_QUALITY_PARTIAL] = N_("Partial"),
        [CORONER_QUALITY_POOR] = N_("Poor"),
    };
    return coroner_format_label(labels, G_N_ELEMENTS(labels), quality, N_("Not available yet"));
}

static const CoronerModule *find_module(const CoronerCrashRecord *record, const char *path)
{
    for (guint i = 0; record->modules && i < record->modules->len; i++) {
        const CoronerModule *module = g_ptr_array_index(record->modules, i);
        if (g_strcmp0(module->path, path) == 0)
            return module;
    }
    return NULL;
}

GStrv coroner_debug_hint_missing_modules(const CoronerCrashRecord *record)
{
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    if (record && record->threads && record->threads->len > 0) {
        const CoronerThread *thread = g_ptr_array_index(record->threads, 0);
        for (guint i = 0; i < thread->frames->len; i++) {
            const CoronerFrame *frame = g_ptr_array_index(thread->frames, i);
            const CoronerModule *module;
            if (!frame->module || g_hash_table_contains(seen, frame->module))
                continue;
            g_hash_table_add(seen, frame->module);
            module = find_module(record, frame->module);
            /* A frame without a function name is evidence enough when the module is unknown. */
            if ((module && !module->has_debug_info) || (!module && !frame->function))
                g_strv_builder_add(builder, frame->module);
        }
    }
    return g_strv_builder_end(builder);
}

char *coroner_debug_hint_parse_dpkg(const char *output)
{
    const char *colon;

    if (!output || !*output || strstr(output, "no path found"))
        return NULL;
    colon = strchr(output, ':');
    if (!colon)
        return NULL;
    /* "pkg:arch: path" or "pkg: path"; diversions ("diversion by …") are skipped. */
    g_autofree char *package = g_strndup(output, (gsize)(colon - output));
    if (strchr(package, ' ') || strchr(package, ','))
        return NULL;
    return g_steal_pointer(&package);
}

static void packages_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    GStrv paths = task_data;
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *dpkg = g_find_program_in_path("dpkg");

    for (guint i = 0; dpkg && paths && paths[i]; i++) {
        const char *argv[] = {dpkg, "-S", paths[i], NULL};
        g_autofree char *out = NULL;
        int status = 0;

        if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status,
                          NULL) ||
            !g_spawn_check_wait_status(status, NULL))
            continue;
        g_autofree char *package = coroner_debug_hint_parse_dpkg(out);
        if (package && !g_hash_table_contains(seen, package)) {
            g_autofree char *dbgsym = g_strconcat(package, "-dbgsym", NULL);
            g_strv_builder_add(builder, dbgsym);
            g_hash_table_add(seen, g_steal_pointer(&package));
        }
    }
    g_task_return_pointer(task, g_strv_builder_end(builder), (GDestroyNotify)g_strfreev);
}

void coroner_debug_hint_packages_async(GStrv paths, GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);

    g_task_set_task_data(task, g_strdupv(paths), (GDestroyNotify)g_strfreev);
    g_task_run_in_thread(task, packages_thread);
}

GStrv coroner_debug_hint_packages_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_pointer(G_TASK(result), error);
}
