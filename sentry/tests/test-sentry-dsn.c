/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-dsn.h"
#include "coroner-test.h"

static void check(const char *text, const char *url, const char *key, const char *secret,
                  const char *project)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerSentryDsn) dsn = coroner_sentry_dsn_parse(text, &error);
    g_assert_no_error(error);
    g_assert_nonnull(dsn);
    g_autofree char *got = coroner_sentry_dsn_envelope_url(dsn);
    g_assert_cmpstr(got, ==, url);
    g_assert_cmpstr(dsn->public_key, ==, key);
    g_assert_cmpstr(dsn->secret_key, ==, secret);
    g_assert_cmpstr(dsn->project_id, ==, project);
}

static void test_good(void)
{
    check("https://abc@o1.ingest.sentry.io/42", "https://o1.ingest.sentry.io/api/42/envelope/",
          "abc", NULL, "42");
    check("http://abc@localhost:9000/7", "http://localhost:9000/api/7/envelope/", "abc", NULL, "7");
    check("https://k:s@sentry.example.org:8443/prefix/sub/99",
          "https://sentry.example.org:8443/prefix/sub/api/99/envelope/", "k", "s", "99");
    check("  http://k@127.0.0.1:80/1\n", "http://127.0.0.1/api/1/envelope/", "k", NULL, "1");
    check("https://k@[::1]:9000/3", "https://[::1]:9000/api/3/envelope/", "k", NULL, "3");
    check("HTTPS://k@Example.org/3", "https://example.org/api/3/envelope/", "k", NULL, "3");
}

static void test_auth_header(void)
{
    g_autoptr(CoronerSentryDsn) dsn = coroner_sentry_dsn_parse("https://pub:sec@h/1", NULL);
    g_autofree char *auth = coroner_sentry_dsn_auth_header(dsn, "coroner/1");
    g_assert_cmpstr(auth, ==,
                    "Sentry sentry_version=7, sentry_client=coroner/1, sentry_key=pub, "
                    "sentry_secret=sec");
}

static void test_bad(void)
{
    const char *bad[] = {
        "",
        "   ",
        "not a dsn",
        "ftp://k@host/1",
        "https://host/1",          /* no key */
        "https://@host/1",         /* empty key */
        "https://k@/1",            /* no host */
        "https://k@host",          /* no project */
        "https://k@host/",         /* empty project */
        "https://k@host/1?x=y",    /* query */
        "https://k@host/1#frag",   /* fragment */
        "https://k@host:99999/1",  /* port */
        "https://k@host/a b",      /* project */
        "https://k@host/pro%2Fj",  /* project */
        "https://k@host/abc",      /* project: not a number */
        "https://k%0d%0a@host/1",  /* key: percent-encoded CR LF */
        "https://k\r\n@host/1",    /* key: CR LF */
        "https://k-y@host/1",      /* key: not letters and digits */
        "https://k:s%0a@host/1",   /* secret key: percent-encoded LF */
        "https://k@ho%00st/1",     /* host: percent-encoded NUL */
        "https://k@host/1\x7f",    /* DEL */
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(CoronerSentryDsn) dsn = coroner_sentry_dsn_parse(bad[i], &error);
        g_assert_null(dsn);
        g_assert_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DSN);
        g_assert_true(g_str_has_prefix(error->message, "Invalid Sentry DSN"));
    }
    g_autoptr(GError) error = NULL;
    g_assert_null(coroner_sentry_dsn_parse(NULL, &error));
    g_assert_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DSN);
}

static const CoronerTestCase tests[] = {
    {"/sentry/dsn/good", test_good},
    {"/sentry/dsn/auth-header", test_auth_header},
    {"/sentry/dsn/bad", test_bad},
};

CORONER_TEST_MAIN(tests)
