/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Schedule= (cron) parsing and the next matching minute. */
#include <glib.h>
#include <stdlib.h>

#include "schedule.h"
#include "coroner-test.h"

static gint64 at(int y, int mo, int d, int h, int mi)
{
    g_autoptr(GDateTime) t = g_date_time_new_local(y, mo, d, h, mi, 0);
    return g_date_time_to_unix(t) * G_USEC_PER_SEC;
}

static void expect_next(const char *expr, gint64 after, gint64 want)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CronSchedule) s = cron_schedule_parse(expr, &error);
    g_assert_no_error(error);
    g_test_message("%s", expr);
    g_assert_cmpint(cron_schedule_next(s, after), ==, want);
}

static void test_next(void)
{
    gint64 base = at(2026, 12, 4, 14, 7); /* a Friday */
    expect_next("* * * * *", base, at(2026, 12, 4, 14, 8));
    expect_next("*/15 * * * *", base, at(2026, 12, 4, 14, 15));
    expect_next("0,30 * * * *", base, at(2026, 12, 4, 14, 30));
    expect_next("5 3 * * *", base, at(2026, 12, 5, 3, 5));
    expect_next("0 0 1 * *", base, at(2027, 1, 1, 0, 0));
    expect_next("0 9 * * 1-5", base, at(2026, 12, 7, 9, 0));   /* Monday */
    expect_next("0 9 * * 7", base, at(2026, 12, 6, 9, 0));     /* 7 is Sunday */
    expect_next("0 9 25 12 *", base, at(2026, 12, 25, 9, 0));
    /* Both day fields restricted: either matches (the 6th is a Sunday before the 15th). */
    expect_next("0 0 15 * 0", base, at(2026, 12, 6, 0, 0));
    expect_next("10-20/5 14 * * *", base, at(2026, 12, 4, 14, 10));
    expect_next("0 0 29 2 *", base, at(2028, 2, 29, 0, 0));
}

static void test_invalid(void)
{
    static const char *const bad[] = {"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *",
                                      "* * 0 * *", "* * * 13 *", "* * * * 8", "5-1 * * * *",
                                      "*/0 * * * *", "a * * * *", "1,,2 * * * *"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(CronSchedule) s = cron_schedule_parse(bad[i], &error);
        g_test_message("%s", bad[i]);
        g_assert_null(s);
        g_assert_nonnull(error);
    }
}

static const CoronerTestCase tests[] = {
    {"/schedule/next", test_next},
    {"/schedule/invalid", test_invalid},
};

int main(int argc, char **argv)
{
    g_setenv("TZ", "Europe/Berlin", TRUE);
    return coroner_test_run(&argc, &argv, tests, G_N_ELEMENTS(tests));
}
