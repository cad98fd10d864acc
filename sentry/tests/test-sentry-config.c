/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gstdio.h>

#include "sentry-config.h"
#include "sentry-dsn.h"
#include "coroner-test-record.h"
#include "coroner-test.h"

static char *tmp;

static char *resolve(const char *sys_text, const char *user_text, const CoronerCrashRecord *r,
                     const char *app_id, GError **error)
{
    g_autofree char *sys = coroner_test_write_file(tmp, "system.conf", sys_text);
    g_autofree char *user = coroner_test_write_file(tmp, "user.conf", user_text);
    g_autoptr(CoronerSentryConfig) c = coroner_sentry_config_load(sys, user, error);
    g_assert_nonnull(c);
    return coroner_sentry_config_resolve_dsn(c, r, app_id, NULL, error);
}

static void test_order(void)
{
    const char *sys = "[Sentry]\nDSN=https://" CORONER_TEST_SENTRY_KEY
                      "@sys/1\n[App:org.a]\nDSN=https://" CORONER_TEST_SENTRY_KEY "@sysapp/1\n";
    const char *user = "[Sentry]\nDSN=https://" CORONER_TEST_SENTRY_KEY
                       "@user/1\n[App:org.a]\nDSN=https://" CORONER_TEST_SENTRY_KEY "@userapp/1\n";
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    coroner_test_set_app(r, "org.a", NULL);
    r->app->dsn = g_strdup("https://" CORONER_TEST_SENTRY_KEY "@hook/1");

    g_autofree char *a = resolve(sys, user, r, NULL, NULL);
    g_assert_cmpstr(a, ==, "https://" CORONER_TEST_SENTRY_KEY "@userapp/1");
    g_autofree char *b = resolve(sys, "", r, NULL, NULL);
    g_assert_cmpstr(b, ==, "https://" CORONER_TEST_SENTRY_KEY "@sysapp/1");
    /* The record's (hook's) DSN is never believed: whoever writes a record could redirect it. */
    g_autofree char *c = resolve("[Sentry]\nDSN=https://" CORONER_TEST_SENTRY_KEY "@sys/1\n", user,
                                 r, "org.other", NULL);
    g_assert_cmpstr(c, ==, "https://" CORONER_TEST_SENTRY_KEY "@user/1");
    g_autofree char *d = resolve("[Sentry]\nDSN=https://" CORONER_TEST_SENTRY_KEY "@sys/1\n", "",
                                 NULL, "org.desktop", NULL);
    g_assert_cmpstr(d, ==, "https://" CORONER_TEST_SENTRY_KEY "@desktop/5");
    g_autofree char *e = resolve("[Sentry]\nDSN=https://" CORONER_TEST_SENTRY_KEY "@sys/1\n", user,
                                 NULL, "org.none", NULL);
    g_assert_cmpstr(e, ==, "https://" CORONER_TEST_SENTRY_KEY "@user/1");
    g_autofree char *f =
        resolve("[Sentry]\nDSN=https://" CORONER_TEST_SENTRY_KEY "@sys/1\n", "", NULL, NULL, NULL);
    g_assert_cmpstr(f, ==, "https://" CORONER_TEST_SENTRY_KEY "@sys/1");
}

static void test_off(void)
{
    g_autoptr(GError) error = NULL;
    /* Nothing configured: off. */
    g_assert_null(resolve("", "", NULL, "org.none", &error));
    g_assert_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_DISABLED);
    g_clear_error(&error);
    /* The administrator's Disabled wins over every DSN. */
    g_assert_null(resolve("[Sentry]\nDisabled=true\n",
                          "[Sentry]\nDSN=https://" CORONER_TEST_SENTRY_KEY "@user/1\n", NULL, NULL,
                          &error));
    g_assert_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_DISABLED);
    g_clear_error(&error);
    /* A user's Disabled=false changes nothing; only the system file can force it off. */
    g_autofree char *dsn =
        resolve("", "[Sentry]\nDSN=https://" CORONER_TEST_SENTRY_KEY "@user/1\nDisabled=true\n",
                NULL, NULL, &error);
    g_assert_cmpstr(dsn, ==, "https://" CORONER_TEST_SENTRY_KEY "@user/1");
    /* A malformed DSN is an error that says where it came from. */
    g_assert_null(resolve("", "[Sentry]\nDSN=nonsense\n", NULL, NULL, &error));
    g_assert_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DSN);
    g_assert_nonnull(strstr(error->message, "user.conf"));
}

static void test_core(void)
{
    struct {
        const char *sys, *user;
        gboolean want;
    } cases[] = {
        {"", "", FALSE},
        {"", "[Sentry]\nAllowCore=true\n", TRUE},
        {"[Sentry]\nAllowCore=true\n", "", TRUE},
        {"[Sentry]\nAllowCore=false\n", "[Sentry]\nAllowCore=true\n", FALSE},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *sys = coroner_test_write_file(tmp, "system.conf", cases[i].sys);
        g_autofree char *user = coroner_test_write_file(tmp, "user.conf", cases[i].user);
        g_autoptr(CoronerSentryConfig) c = coroner_sentry_config_load(sys, user, NULL);
        g_assert_cmpint(coroner_sentry_config_allows_core(c), ==, cases[i].want);
    }
}

static void test_minidump(void)
{
    struct {
        const char *sys, *user, *app_id;
        CoronerSentryMinidumpMode want;
    } cases[] = {
        {"", "", NULL, CORONER_SENTRY_MINIDUMP_OFF},
        {"", "[Sentry]\nMinidump=attach\n", NULL, CORONER_SENTRY_MINIDUMP_ATTACH},
        {"[Sentry]\nMinidump=only\n", "", NULL, CORONER_SENTRY_MINIDUMP_ONLY},
        /* The user's over the system's, an application's over the default. */
        {"[Sentry]\nMinidump=only\n", "[Sentry]\nMinidump=attach\n", NULL,
         CORONER_SENTRY_MINIDUMP_ATTACH},
        {"[App:org.a]\nMinidump=only\n", "[Sentry]\nMinidump=attach\n", "org.a",
         CORONER_SENTRY_MINIDUMP_ONLY},
        {"[App:org.a]\nMinidump=only\n", "[Sentry]\nMinidump=attach\n", "org.b",
         CORONER_SENTRY_MINIDUMP_ATTACH},
        {"", "[App:org.a]\nMinidump=no\n[Sentry]\nMinidump=attach\n", "org.a",
         CORONER_SENTRY_MINIDUMP_OFF},
        /* The administrator's no wins; a malformed value is no. */
        {"[Sentry]\nMinidump=no\n", "[App:org.a]\nMinidump=only\n", "org.a",
         CORONER_SENTRY_MINIDUMP_OFF},
        {"", "[Sentry]\nMinidump=sometimes\n", NULL, CORONER_SENTRY_MINIDUMP_OFF},
        {"", "[Sentry]\nMinidump= Only \n", NULL, CORONER_SENTRY_MINIDUMP_ONLY},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *sys = coroner_test_write_file(tmp, "system.conf", cases[i].sys);
        g_autofree char *user = coroner_test_write_file(tmp, "user.conf", cases[i].user);
        g_autoptr(CoronerSentryConfig) c = coroner_sentry_config_load(sys, user, NULL);
        g_assert_cmpint(coroner_sentry_config_minidump_mode(c, NULL, cases[i].app_id), ==,
                        cases[i].want);
    }
}

static void test_malformed_file(void)
{
    g_autofree char *sys = coroner_test_write_file(tmp, "system.conf", "[Sentry\nDisabled=true\n");
    g_autofree char *user = coroner_test_write_file(tmp, "user.conf", "");
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerSentryConfig) c = coroner_sentry_config_load(sys, user, &error);
    g_assert_null(c);
    g_assert_nonnull(error);
    g_autofree char *missing = g_build_filename(tmp, "missing.conf", NULL);
    g_autoptr(CoronerSentryConfig) d = coroner_sentry_config_load(missing, missing, NULL);
    g_assert_nonnull(d);
}

static const CoronerTestCase tests[] = {
    {"/sentry/config/order", test_order},
    {"/sentry/config/off", test_off},
    {"/sentry/config/core", test_core},
    {"/sentry/config/minidump", test_minidump},
    {"/sentry/config/malformed-file", test_malformed_file},
};

int main(int argc, char **argv)
{
    tmp = coroner_test_tmpdir_new("sentry-config-XXXXXX");
    /* GDesktopAppInfo looks in $XDG_DATA_HOME/applications first. */
    g_autofree char *data_home = g_build_filename(tmp, "data", NULL);
    g_setenv("XDG_DATA_HOME", data_home, TRUE);
    g_setenv("XDG_DATA_DIRS", data_home, TRUE);
    g_free(coroner_test_write_file(tmp, "data/applications/org.desktop.desktop",
                                   "[Desktop Entry]\nType=Application\nName=D\nExec=true\n"
                                   "X-Coroner-DSN=https://" CORONER_TEST_SENTRY_KEY
                                   "@desktop/5\n"));
    int status = coroner_test_run(&argc, &argv, tests, G_N_ELEMENTS(tests));
    coroner_test_remove_tree(tmp);
    g_free(tmp);
    return status;
}
