/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "signature.h"

#include <string.h>

/* Frames counted per thread by the quality rating. */
#define QUALITY_FRAMES 16
#define QUALITY_CRASHED_SHARE 0.7
/* How deep the signal/abort machinery can reach from the top of the crashing thread. */
#define MACHINERY_DEPTH 16

/* Exact function names of the signal/abort path (glibc, libstdc++, the kernel's trampoline). */
static const char *const machinery[] = {
    "raise",
    "gsignal",
    "abort",
    "__GI_raise",
    "__GI_abort",
    "__restore_rt",
    "__pthread_kill_implementation",
    "__pthread_kill_internal",
    "pthread_kill",
    "__pthread_kill",
    "__libc_message",
    "__libc_fatal",
    "__assert_fail",
    "__assert_fail_base",
    "__assert_perror_fail",
    "__fortify_fail",
    "__chk_fail",
    "__stack_chk_fail",
    "__stack_chk_fail_local",
    "malloc_printerr",
    "__malloc_assert",
    "std::terminate()",
    "__cxxabiv1::__terminate(void (*)())",
    "__gnu_cxx::__verbose_terminate_handler()",
    "__cxa_throw",
    "__cxa_rethrow",
    "__cxa_call_terminate",
    "__cxa_pure_virtual",
    "_Unwind_Resume",
    "std::__terminate()",
    "__libc_signal_restore_set",
};

gboolean coroner_frame_is_crash_machinery(const CoronerFrame *f)
{
    /* The in-app hook's own frames (libcoroner-hook), whatever their names. */
    if (f->module && strstr(f->module, "libcoroner-hook") != NULL)
        return TRUE;
    if (!f->function)
        return FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS(machinery); i++)
        if (strcmp(f->function, machinery[i]) == 0)
            return TRUE;
    return g_str_has_prefix(f->function, "coroner_hook_");
}

/*
 * Index of the first frame below the machinery at the top of the stack: below
 * the deepest machinery frame among the first MACHINERY_DEPTH, so unnamed
 * frames in between (libstdc++ without symbols) do not stop the skipping.
 * 0 if all frames are machinery.
 */
static guint first_app_frame(const CoronerThread *t)
{
    guint first = 0;
    for (guint i = 0; i < t->frames->len && i < MACHINERY_DEPTH; i++)
        if (coroner_frame_is_crash_machinery(t->frames->pdata[i]))
            first = i + 1;
    return first < t->frames->len ? first : 0;
}

char *coroner_crash_signature(const CoronerCrashRecord *r)
{
    const CoronerThread *t = coroner_crash_record_crashed_thread(r);
    if (!t || t->frames->len == 0)
        return NULL;
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    guint first = first_app_frame(t);
    for (guint i = first; i < t->frames->len && i < first + CORONER_SIGNATURE_FRAMES; i++) {
        const CoronerFrame *f = t->frames->pdata[i];
        g_autofree char *token = NULL;
        if (f->function)
            token = g_strdup(f->function);
        else if (f->module)
            token =
                g_strdup_printf("%s+0x%" G_GINT64_MODIFIER "x",
                                strrchr(f->module, '/') ? strrchr(f->module, '/') + 1 : f->module,
                                f->module_offset);
        else
            token = g_strdup("??");
        g_checksum_update(sum, (const guchar *)token, (gssize)strlen(token));
        g_checksum_update(sum, (const guchar *)"\n", 1);
    }
    return g_strndup(g_checksum_get_string(sum), 16);
}

static double frame_score(const CoronerFrame *f)
{
    return (f->function ? 0.5 : 0.0) + (f->file && f->line > 0 ? 0.5 : 0.0);
}

double coroner_backtrace_quality(const CoronerCrashRecord *r)
{
    const CoronerThread *crashed = coroner_crash_record_crashed_thread(r);
    double crashed_sum = 0, crashed_weight = 0, other_sum = 0, other_weight = 0;
    if (crashed) {
        guint first = first_app_frame(crashed);
        for (guint i = first; i < crashed->frames->len && i < first + QUALITY_FRAMES; i++) {
            double w = 1.0 / (double)(i - first + 1);
            crashed_sum += w * frame_score(crashed->frames->pdata[i]);
            crashed_weight += w;
        }
    }
    for (guint i = 0; i < r->threads->len; i++) {
        const CoronerThread *t = r->threads->pdata[i];
        if (t == crashed)
            continue;
        for (guint j = 0; j < t->frames->len && j < QUALITY_FRAMES; j++) {
            other_sum += frame_score(t->frames->pdata[j]);
            other_weight += 1;
        }
    }
    if (crashed_weight == 0 && other_weight == 0)
        return -1;
    if (other_weight == 0)
        return crashed_sum / crashed_weight;
    if (crashed_weight == 0)
        return other_sum / other_weight;
    return QUALITY_CRASHED_SHARE * crashed_sum / crashed_weight +
           (1 - QUALITY_CRASHED_SHARE) * other_sum / other_weight;
}
