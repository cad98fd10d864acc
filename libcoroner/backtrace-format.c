/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The journal's stack trace (see backtrace-format.h). */
#include "backtrace-format.h"

#include <string.h>

char *coroner_backtrace_format(const CoronerCrashRecord *r, unsigned max_threads)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < r->threads->len && i < max_threads; i++) {
        const CoronerThread *t = r->threads->pdata[i];
        g_string_append_printf(s, "%sStack trace of thread %" G_GINT64_FORMAT "%s%s%s:\n",
                               i ? "\n" : "", t->tid, t->name ? " (" : "", t->name ? t->name : "",
                               t->name ? ")" : "");
        for (guint j = 0; j < t->frames->len; j++) {
            const CoronerFrame *f = t->frames->pdata[j];
            const char *module = f->module ? strrchr(f->module, '/') : NULL;
            module = module ? module + 1 : (f->module ? f->module : "n/a");
            g_string_append_printf(
                s, "#%-2u 0x%016" G_GINT64_MODIFIER "x %s (%s + 0x%" G_GINT64_MODIFIER "x)", j,
                f->pc, f->function ? f->function : "n/a", module, f->module_offset);
            if (f->file)
                g_string_append_printf(s, " at %s:%d", f->file, f->line);
            if (f->inlined)
                g_string_append(s, " [inlined]");
            g_string_append_c(s, '\n');
        }
    }
    if (r->threads->len > max_threads)
        g_string_append_printf(s, "\n(%u more threads)\n", r->threads->len - max_threads);
    return g_string_free(s, FALSE);
}
