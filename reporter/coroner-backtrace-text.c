/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-backtrace-text.h"

#include <glib/gi18n.h>

char *coroner_backtrace_text_thread(const CoronerThread *thread)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; thread->frames && i < thread->frames->len; i++) {
        const CoronerFrame *frame = g_ptr_array_index(thread->frames, i);
        g_autofree char *module = frame->module ? g_path_get_basename(frame->module) : NULL;

        g_string_append_printf(out, "#%-2u 0x%016" G_GINT64_MODIFIER "x %s", i, (guint64)frame->pc,
                               frame->function ? frame->function : "??");
        if (module)
            g_string_append_printf(out, " (%s + 0x%" G_GINT64_MODIFIER "x)", module, (guint64)frame->module_offset);
        if (frame->file) {
            g_autofree char *file = g_path_get_basename(frame->file);
            if (frame->line > 0)
                g_string_append_printf(out, " at %s:%d", file, frame->line);
            else
                g_string_append_printf(out, " at %s", file);
        }
        if (frame->inlined)
            g_string_append(out, " [inlined]");
        g_string_append_c(out, '\n');
    }
    if (out->len > 0)
        g_string_truncate(out, out->len - 1);
    return g_string_free(out, FALSE);
}

char *coroner_backtrace_text_heading(const CoronerThread *thread)
{
    if (thread->crashed && thread->name)
        /* Translators: %s is a thread name; the number its id */
        return g_strdup_printf(_("Thread %lld (%s), crashed"), (long long)thread->tid, thread->name);
    if (thread->crashed)
        return g_strdup_printf(_("Thread %lld, crashed"), (long long)thread->tid);
    if (thread->name)
        return g_strdup_printf(_("Thread %lld (%s)"), (long long)thread->tid, thread->name);
    return g_strdup_printf(_("Thread %lld"), (long long)thread->tid);
}

char *coroner_backtrace_text_all(const CoronerCrashRecord *record)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; record->threads && i < record->threads->len; i++) {
        const CoronerThread *thread = g_ptr_array_index(record->threads, i);
        g_autofree char *heading = coroner_backtrace_text_heading(thread);
        g_autofree char *frames = coroner_backtrace_text_thread(thread);

        if (i > 0)
            g_string_append_c(out, '\n');
        g_string_append_printf(out, "%s\n%s\n", heading, frames);
    }
    return g_string_free(out, FALSE);
}
