/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* coronerd's admission: rate limits per (uid, exe) and in all, the storm threshold, summaries. */
#include <glib.h>
#include <string.h>

#include "admission.h"
#include "coroner-test.h"

#define SEC G_USEC_PER_SEC

static void test_per_key(void)
{
    g_autoptr(Admission) a = admission_new(2, 0, 10);
    int64_t t = 1000 * SEC;
    g_assert_cmpint(admission_decide(a, 1000, "/bin/x", "x", 1, t, NULL), ==, ADMISSION_DUMP);
    g_assert_cmpint(admission_decide(a, 1000, "/bin/x", "x", 2, t, NULL), ==, ADMISSION_DUMP);
    /* Over Burst: the next Burst get a record each, then they are only counted. */
    g_autofree char *why = NULL;
    g_assert_cmpint(admission_decide(a, 1000, "/bin/x", "x", 3, t, &why), ==, ADMISSION_RECORD_ONLY);
    g_assert_nonnull(strstr(why, "Burst"));
    g_assert_cmpint(admission_decide(a, 1000, "/bin/x", "x", 4, t, NULL), ==, ADMISSION_RECORD_ONLY);
    for (int i = 0; i < 5; i++)
        g_assert_cmpint(admission_decide(a, 1000, "/bin/x", "x", 5 + i, t + i, NULL), ==,
                        ADMISSION_SUPPRESS);
    /* Another program, another user: their own budgets. */
    g_assert_cmpint(admission_decide(a, 1000, "/bin/y", "y", 20, t, NULL), ==, ADMISSION_DUMP);
    g_assert_cmpint(admission_decide(a, 1001, "/bin/x", "x", 21, t, NULL), ==, ADMISSION_DUMP);

    /* Nothing is summarised before the window ends. */
    g_autoptr(GPtrArray) none = admission_take_summaries(a, t + 5 * SEC, FALSE);
    g_assert_cmpuint(none->len, ==, 0);
    g_assert_cmpint(admission_next_deadline(a), ==, t + 10 * SEC);

    g_autoptr(GPtrArray) done = admission_take_summaries(a, t + 10 * SEC, FALSE);
    g_assert_cmpuint(done->len, ==, 1);
    AdmissionSummary *s = done->pdata[0];
    g_assert_cmpuint(s->suppressed, ==, 5);
    g_assert_cmpuint(s->uid, ==, 1000);
    g_assert_cmpstr(s->exe, ==, "/bin/x");
    g_assert_cmpint(s->first_pid, ==, 5);
    g_assert_cmpint(s->start_usec, ==, t);
    g_assert_cmpint(s->end_usec, ==, t + 4);

    /* A new window: dumps again. */
    g_assert_cmpint(admission_decide(a, 1000, "/bin/x", "x", 30, t + 11 * SEC, NULL), ==, ADMISSION_DUMP);
}

static void test_global(void)
{
    g_autoptr(Admission) a = admission_new(0, 3, 10);
    int64_t t = 50 * SEC;
    for (int i = 0; i < 3; i++) {
        g_autofree char *exe = g_strdup_printf("/bin/p%d", i);
        g_assert_cmpint(admission_decide(a, 1000, exe, "p", 1 + i, t, NULL), ==, ADMISSION_DUMP);
    }
    g_autofree char *why = NULL;
    g_assert_cmpint(admission_decide(a, 1000, "/bin/q", "q", 9, t, &why), ==, ADMISSION_RECORD_ONLY);
    g_assert_nonnull(strstr(why, "GlobalBurst"));
    g_assert_cmpint(admission_decide(a, 1000, "/bin/q", "q", 10, t + 10 * SEC, NULL), ==, ADMISSION_DUMP);
}

static void test_reject_and_flush(void)
{
    g_autoptr(Admission) a = admission_new(1, 0, 60);
    int64_t t = 7 * SEC;
    g_assert_cmpint(admission_decide(a, 5, "/e", "e", 1, t, NULL), ==, ADMISSION_DUMP);
    /* Admitted but the queue was full: it does not use up the budget. */
    g_assert_cmpint(admission_reject(a, 5, "/e", "e", 1, t), ==, ADMISSION_RECORD_ONLY);
    g_assert_cmpint(admission_decide(a, 5, "/e", "e", 2, t, NULL), ==, ADMISSION_DUMP);
    g_assert_cmpint(admission_decide(a, 5, "/e", "e", 3, t, NULL), ==, ADMISSION_SUPPRESS);
    /* At shutdown every open window is summarised. */
    g_autoptr(GPtrArray) all = admission_take_summaries(a, t, TRUE);
    g_assert_cmpuint(all->len, ==, 1);
    g_assert_cmpuint(((AdmissionSummary *)all->pdata[0])->suppressed, ==, 1);
    g_assert_cmpint(admission_next_deadline(a), ==, 0);
}

static const CoronerTestCase tests[] = {
    {"/admission/per-key", test_per_key},
    {"/admission/global", test_global},
    {"/admission/reject-and-flush", test_reject_and_flush},
};

CORONER_TEST_MAIN(tests)
