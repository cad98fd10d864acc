/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The crash signature and the backtrace quality on hand-made records. */
#include <string.h>

#include "signature.h"
#include "test-util.h"
#include "coroner-test-record.h"
#include "coroner-test.h"

/* A frame at its module offset, with a pc from it. */
static void add_frame(CoronerThread *t, const char *function, const char *module, guint64 offset,
                      const char *file, int line)
{
    coroner_test_add_frame(t, 0x7f0000000000 + offset, function, module, offset, file, line);
}

static CoronerCrashRecord *record_with(const char *const *functions)
{
    CoronerCrashRecord *r = coroner_crash_record_new();
    CoronerThread *t = coroner_test_add_thread(r, 1, NULL, TRUE);
    for (int i = 0; functions[i]; i++)
        add_frame(t, functions[i], "/usr/bin/app", 0x1000 + (guint64)i * 16, "app.c", 10 + i);
    return r;
}

static void test_signature(void)
{
    const char *plain[] = {"crash", "caller", "main", NULL};
    const char *aborted[] = {
        "__pthread_kill_implementation", "raise", "abort", "crash", "caller", "main", NULL};
    const char *other[] = {"other_crash", "caller", "main", NULL};
    g_autoptr(CoronerCrashRecord) a = record_with(plain);
    g_autoptr(CoronerCrashRecord) b = record_with(aborted);
    g_autoptr(CoronerCrashRecord) c = record_with(other);
    g_autofree char *sa = coroner_crash_signature(a);
    g_autofree char *sb = coroner_crash_signature(b);
    g_autofree char *sc = coroner_crash_signature(c);
    g_assert_cmpuint(strlen(sa), ==, 16);
    /* The abort machinery does not change which bug it is. */
    g_assert_cmpstr(sa, ==, sb);
    g_assert_cmpstr(sa, !=, sc);

    /* Addresses do not matter, module offsets do (for frames without names). */
    g_autoptr(CoronerCrashRecord) d = record_with(plain);
    CoronerFrame *f = ((CoronerThread *)d->threads->pdata[0])->frames->pdata[0];
    f->pc += 0x123000;
    g_autofree char *sd = coroner_crash_signature(d);
    g_assert_cmpstr(sa, ==, sd);
    g_clear_pointer(&f->function, g_free);
    g_autofree char *unnamed1 = coroner_crash_signature(d);
    f->module_offset += 8;
    g_autofree char *unnamed2 = coroner_crash_signature(d);
    g_assert_cmpstr(unnamed1, !=, unnamed2);
    g_assert_cmpstr(unnamed1, !=, sa);

    /* Only the top frames count. */
    const char *deep1[] = {"a", "b", "c", "d", "e", "f1", NULL};
    const char *deep2[] = {"a", "b", "c", "d", "e", "f2", NULL};
    g_autoptr(CoronerCrashRecord) e1 = record_with(deep1);
    g_autoptr(CoronerCrashRecord) e2 = record_with(deep2);
    g_autofree char *se1 = coroner_crash_signature(e1);
    g_autofree char *se2 = coroner_crash_signature(e2);
    g_assert_cmpstr(se1, ==, se2);

    g_autoptr(CoronerCrashRecord) empty = coroner_crash_record_new();
    g_assert_null(coroner_crash_signature(empty));
}

static void test_quality(void)
{
    const char *plain[] = {"crash", "caller", "main", NULL};
    g_autoptr(CoronerCrashRecord) good = record_with(plain);
    g_assert_cmpfloat(coroner_backtrace_quality(good), ==, 1.0);

    /* No file:line anywhere: half. No names either: zero. */
    CoronerThread *t = good->threads->pdata[0];
    for (guint i = 0; i < t->frames->len; i++)
        g_clear_pointer(&((CoronerFrame *)t->frames->pdata[i])->file, g_free);
    g_assert_cmpfloat(coroner_backtrace_quality(good), ==, 0.5);
    for (guint i = 0; i < t->frames->len; i++)
        g_clear_pointer(&((CoronerFrame *)t->frames->pdata[i])->function, g_free);
    g_assert_cmpfloat(coroner_backtrace_quality(good), ==, 0.0);

    /* The top frame weighs most; other threads count for 30%. */
    g_autoptr(CoronerCrashRecord) top_bad = record_with(plain);
    CoronerFrame *f = ((CoronerThread *)top_bad->threads->pdata[0])->frames->pdata[0];
    g_clear_pointer(&f->function, g_free);
    g_clear_pointer(&f->file, g_free);
    g_autoptr(CoronerCrashRecord) bottom_bad = record_with(plain);
    f = ((CoronerThread *)bottom_bad->threads->pdata[0])->frames->pdata[2];
    g_clear_pointer(&f->function, g_free);
    g_clear_pointer(&f->file, g_free);
    double q_top = coroner_backtrace_quality(top_bad),
           q_bottom = coroner_backtrace_quality(bottom_bad);
    g_assert_cmpfloat(q_top, <, q_bottom);
    g_assert_cmpfloat(q_top, >, 0.0);

    CoronerThread *other = coroner_test_add_thread(bottom_bad, 2, NULL, FALSE);
    add_frame(other, NULL, NULL, 0, NULL, 0);
    double q_other = coroner_backtrace_quality(bottom_bad);
    g_assert_cmpfloat(q_other, >=, 0.7 * q_bottom - 1e-9);
    g_assert_cmpfloat(q_other, <, q_bottom);

    /* The abort machinery (often without debug info) does not drag it down. */
    const char *aborted[] = {"raise", "abort", "crash", "caller", "main", NULL};
    g_autoptr(CoronerCrashRecord) ab = record_with(aborted);
    for (int i = 0; i < 2; i++)
        g_clear_pointer(
            &((CoronerFrame *)((CoronerThread *)ab->threads->pdata[0])->frames->pdata[i])->file,
            g_free);
    g_assert_cmpfloat(coroner_backtrace_quality(ab), ==, 1.0);

    g_autoptr(CoronerCrashRecord) empty = coroner_crash_record_new();
    g_assert_cmpfloat(coroner_backtrace_quality(empty), <, 0);
}

static void test_machinery(void)
{
    CoronerFrame f = {0};
    f.function = (char *)"abort";
    g_assert_true(coroner_frame_is_crash_machinery(&f));
    f.function = (char *)"std::terminate()";
    g_assert_true(coroner_frame_is_crash_machinery(&f));
    f.function = (char *)"coroner_hook__crash_handler";
    g_assert_true(coroner_frame_is_crash_machinery(&f));
    f.function = (char *)"abort_transaction";
    g_assert_false(coroner_frame_is_crash_machinery(&f));
    f.function = NULL;
    g_assert_false(coroner_frame_is_crash_machinery(&f));
    f.module = (char *)"/usr/lib/libcoroner-hook.so.0";
    g_assert_true(coroner_frame_is_crash_machinery(&f));
}

static const CoronerTestCase tests[] = {
    {"/signature/signature", test_signature},
    {"/signature/quality", test_quality},
    {"/signature/machinery", test_machinery},
};

CORONER_TEST_MAIN(tests)
