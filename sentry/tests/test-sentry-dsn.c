/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-dsn.h"
#include "coroner-test.h"

#define K CORONER_TEST_SENTRY_KEY
#define S "fedcba9876543210fedcba9876543210"

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
    check("https://" K "@o1.ingest.sentry.io/42", "https://o1.ingest.sentry.io/api/42/envelope/", K,
          NULL, "42");
    check("http://" K "@localhost:9000/7", "http://localhost:9000/api/7/envelope/", K, NULL, "7");
    check("https://" K ":" S "@sentry.example.org:8443/prefix/sub/99",
          "https://sentry.example.org:8443/prefix/sub/api/99/envelope/", K, S, "99");
    check("  http://" K "@127.0.0.1:80/1\n", "http://127.0.0.1/api/1/envelope/", K, NULL, "1");
    check("https://" K "@[::1]:9000/3", "https://[::1]:9000/api/3/envelope/", K, NULL, "3");
    check("HTTPS://" K "@Example.org/3", "https://example.org/api/3/envelope/", K, NULL, "3");
}

static void test_auth_header(void)
{
    g_autoptr(CoronerSentryDsn) dsn = coroner_sentry_dsn_parse("https://" K ":" S "@h/1", NULL);
    g_autofree char *auth = coroner_sentry_dsn_auth_header(dsn, "coroner/1");
    g_assert_cmpstr(auth, ==,
                    "Sentry sentry_version=7, sentry_client=coroner/1, sentry_key=" K ", "
                    "sentry_secret=" S);
}

static void test_bad(void)
{
    const char *bad[] = {
        "",
        "   ",
        "not a dsn",
        "ftp://" K "@host/1",
        "https://host/1",                                   /* no key */
        "https://@host/1",                                  /* empty key */
        "https://" K "@/1",                                 /* no host */
        "https://" K "@host",                               /* no project */
        "https://" K "@host/",                              /* empty project */
        "https://" K "@host/1?x=y",                         /* query */
        "https://" K "@host/1#frag",                        /* fragment */
        "https://" K "@host:99999/1",                       /* port */
        "https://" K "@host/a b",                           /* project */
        "https://" K "@host/pro%2Fj",                       /* project */
        "https://" K "@host/abc",                           /* project: not a number */
        "https://" K "%0d%0a@host/1",                       /* key: percent-encoded CR LF */
        "https://" K "\r\n@host/1",                         /* key: CR LF */
        "https://k-y@host/1",                               /* key: not hexadecimal */
        "https://examplePublicKey@host/1",                  /* key: not hexadecimal */
        "https://0123456789abcdef0123456789abcdeg@host/1",  /* key: not hexadecimal */
        "https://0123456789abcdef0123456789abcde@host/1",   /* key: 31 digits */
        "https://0123456789abcdef0123456789abcdef0@host/1", /* key: 33 digits */
        "https://" K ":s@host/1",                           /* secret key: not 32 digits */
        "https://" K ":" S "%0a@host/1",                    /* secret key: percent-encoded LF */
        "https://" K "@ho%00st/1",                          /* host: percent-encoded NUL */
        "https://" K "@host/1\x7f",                         /* DEL */
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
