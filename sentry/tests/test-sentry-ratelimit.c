/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-ratelimit.h"
#include "coroner-test.h"

#define NOW (G_GINT64_CONSTANT(1767225600) * G_USEC_PER_SEC) /* 2026-01-01 00:00:00 UTC */
#define SEC G_GINT64_CONSTANT(1000000)

static void test_retry_after(void)
{
    gint64 until = 0;
    g_assert_true(coroner_sentry_parse_retry_after("120", NOW, &until));
    g_assert_cmpint(until, ==, NOW + 120 * SEC);
    g_assert_true(coroner_sentry_parse_retry_after(" 0 ", NOW, &until));
    g_assert_cmpint(until, ==, NOW);
    g_assert_true(coroner_sentry_parse_retry_after("1.5", NOW, &until));
    g_assert_cmpint(until, ==, NOW + 2 * SEC);
    g_assert_true(coroner_sentry_parse_retry_after("Thu, 01 Jan 2026 00:05:00 GMT", NOW, &until));
    g_assert_cmpint(until, ==, NOW + 300 * SEC);
    /* A date in the past means now. */
    g_assert_true(coroner_sentry_parse_retry_after("Wed, 31 Dec 2025 23:00:00 GMT", NOW, &until));
    g_assert_cmpint(until, ==, NOW);
    /* Found by fuzzing: a fraction past 2^64 seconds is a year, not undefined behaviour. */
    g_assert_true(coroner_sentry_parse_retry_after(
        "55555555555555555555555555555555555555.5", NOW, &until));
    g_assert_cmpint(until, ==, NOW + (gint64)365 * 24 * 3600 * SEC);
    const char *bad[] = {NULL, "", "soon", "12abc", "-5", "Thu, 99 Foo 2026"};
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_false(coroner_sentry_parse_retry_after(bad[i], NOW, &until));
}

static void test_header(void)
{
    g_autoptr(CoronerSentryRateLimits) l = coroner_sentry_rate_limits_new();
    g_assert_true(coroner_sentry_rate_limits_add_header(
        l, "60:error;attachment:organization:quota_exceeded, 2700:default:project, 5::key", NOW,
        NULL));
    g_assert_cmpint(coroner_sentry_rate_limits_until(l, "error"), ==, NOW + 60 * SEC);
    g_assert_cmpint(coroner_sentry_rate_limits_until(l, "attachment"), ==, NOW + 60 * SEC);
    g_assert_cmpint(coroner_sentry_rate_limits_until(l, "default"), ==, NOW + 2700 * SEC);
    /* "5::key": no categories means all of them. */
    g_assert_cmpint(coroner_sentry_rate_limits_until(l, "transaction"), ==, NOW + 5 * SEC);
    g_assert_cmpint(coroner_sentry_rate_limits_until(l, NULL), ==, NOW + 5 * SEC);
    const char *cats[] = {"error", "default", NULL};
    g_assert_cmpint(coroner_sentry_rate_limits_until_any(l, cats), ==, NOW + 2700 * SEC);

    g_autoptr(CoronerSentryRateLimits) m = coroner_sentry_rate_limits_new();
    g_assert_false(coroner_sentry_rate_limits_add_header(m, "x:error, 30:attachment", NOW, NULL));
    g_assert_cmpint(coroner_sentry_rate_limits_until(m, "error"), ==, 0);
    g_assert_cmpint(coroner_sentry_rate_limits_until(m, "attachment"), ==, NOW + 30 * SEC);
}

static void test_update(void)
{
    /* X-Sentry-Rate-Limits wins over Retry-After. */
    g_autoptr(CoronerSentryRateLimits) a = coroner_sentry_rate_limits_new();
    coroner_sentry_rate_limits_update(a, 429, "999", "10:error", NOW);
    g_assert_cmpint(coroner_sentry_rate_limits_until(a, "error"), ==, NOW + 10 * SEC);
    g_assert_cmpint(coroner_sentry_rate_limits_until(a, "attachment"), ==, 0);

    /* 429 with Retry-After only: everything waits. */
    g_autoptr(CoronerSentryRateLimits) b = coroner_sentry_rate_limits_new();
    coroner_sentry_rate_limits_update(b, 429, "42", NULL, NOW);
    g_assert_cmpint(coroner_sentry_rate_limits_until(b, "attachment"), ==, NOW + 42 * SEC);

    /* 429 with nothing: a minute. */
    g_autoptr(CoronerSentryRateLimits) c = coroner_sentry_rate_limits_new();
    coroner_sentry_rate_limits_update(c, 429, NULL, NULL, NOW);
    g_assert_cmpint(coroner_sentry_rate_limits_until(c, "error"), ==, NOW + 60 * SEC);

    /* 429 whose header names no category we keep: its Retry-After applies after all. */
    g_autoptr(CoronerSentryRateLimits) e = coroner_sentry_rate_limits_new();
    coroner_sentry_rate_limits_update(e, 429, "42", "60:Error;foo-bar", NOW);
    g_assert_cmpint(coroner_sentry_rate_limits_until(e, "error"), ==, NOW + 42 * SEC);

    /* A 200 with X-Sentry-Rate-Limits still limits; without it, nothing changes. */
    g_autoptr(CoronerSentryRateLimits) d = coroner_sentry_rate_limits_new();
    coroner_sentry_rate_limits_update(d, 200, "30", NULL, NOW);
    g_assert_cmpint(coroner_sentry_rate_limits_until(d, "error"), ==, 0);
    coroner_sentry_rate_limits_update(d, 200, NULL, "30:error", NOW);
    g_assert_cmpint(coroner_sentry_rate_limits_until(d, "error"), ==, NOW + 30 * SEC);

    /* Persistence keeps what is still in force. */
    g_autoptr(GKeyFile) kf = g_key_file_new();
    coroner_sentry_rate_limits_to_key_file(a, kf, NOW);
    g_autoptr(CoronerSentryRateLimits) back = coroner_sentry_rate_limits_new();
    coroner_sentry_rate_limits_from_key_file(back, kf);
    g_assert_cmpint(coroner_sentry_rate_limits_until(back, "error"), ==, NOW + 10 * SEC);
    g_autoptr(GKeyFile) later = g_key_file_new();
    coroner_sentry_rate_limits_to_key_file(a, later, NOW + 11 * SEC);
    g_assert_false(g_key_file_has_group(later, "RateLimits"));
}

/* A server's category names are kept only as Sentry spells them, and only so many. */
static void test_hostile_categories(void)
{
    g_autoptr(CoronerSentryRateLimits) l = coroner_sentry_rate_limits_new();
    g_assert_false(
        coroner_sentry_rate_limits_add_header(l, "60:[;error;a=b;Error;log_item", NOW, NULL));
    g_assert_cmpint(coroner_sentry_rate_limits_until(l, "error"), ==, NOW + 60 * SEC);
    g_assert_cmpint(coroner_sentry_rate_limits_until(l, "log_item"), ==, NOW + 60 * SEC);
    g_assert_cmpint(coroner_sentry_rate_limits_until(l, "["), ==, 0);
    g_assert_cmpint(coroner_sentry_rate_limits_until(l, "a=b"), ==, 0);
    /* What is kept can be saved (a key file key holds no "[" or "="), and read back. */
    g_autoptr(GKeyFile) kf = g_key_file_new();
    coroner_sentry_rate_limits_to_key_file(l, kf, NOW);
    g_autoptr(CoronerSentryRateLimits) back = coroner_sentry_rate_limits_new();
    coroner_sentry_rate_limits_from_key_file(back, kf);
    g_assert_cmpint(coroner_sentry_rate_limits_until(back, "log_item"), ==, NOW + 60 * SEC);

    /* A thousand categories: the first ones are kept, a limit on all still is. */
    GString *many = g_string_new("30:");
    for (int i = 0; i < 1000; i++)
        g_string_append_printf(many, "c%d;", i);
    g_assert_false(coroner_sentry_rate_limits_add_header(l, many->str, NOW, NULL));
    g_assert_cmpint(coroner_sentry_rate_limits_until(l, "c0"), ==, NOW + 30 * SEC);
    g_assert_cmpint(coroner_sentry_rate_limits_until(l, "c999"), ==, 0);
    g_assert_true(coroner_sentry_rate_limits_add_header(l, "90", NOW, NULL));
    g_assert_cmpint(coroner_sentry_rate_limits_until(l, "c999"), ==, NOW + 90 * SEC);
    g_string_free(many, TRUE);
}

static const CoronerTestCase tests[] = {
    {"/sentry/ratelimit/retry-after", test_retry_after},
    {"/sentry/ratelimit/header", test_header},
    {"/sentry/ratelimit/update", test_update},
    {"/sentry/ratelimit/hostile-categories", test_hostile_categories},
};

CORONER_TEST_MAIN(tests)
