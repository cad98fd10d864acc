/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "handler-args.h"
#include "handler-install.h"
#include "coroner-test.h"

static gboolean parse(const char *line, CoronerKernelArgs *a, GError **error)
{
    g_auto(GStrv) argv = g_strsplit(line, " ", -1);
    return coroner_kernel_args_parse((int)g_strv_length(argv), argv, a, error);
}

static void test_full(void)
{
    CoronerKernelArgs a;
    g_autoptr(GError) error = NULL;
    g_assert_true(parse("4242 1000 1000 11 1700000000 18446744073709551615 box 1 - 4243 -bash", &a,
                        &error));
    g_assert_no_error(error);
    g_assert_cmpint(a.pid, ==, 4242);
    g_assert_cmpint(a.signal, ==, 11);
    g_assert_cmpuint(a.rlimit, ==, UINT64_MAX);
    g_assert_cmpstr(a.rlimit_text, ==, "18446744073709551615");
    g_assert_cmpint(a.pidfd, ==, -1);
    g_assert_cmpint(a.tid, ==, 4243);
    g_assert_cmpstr(a.comm, ==, "-bash");
    coroner_kernel_args_clear(&a);

    /* systemd's shorter pattern works too; fd 0 is open, so it is taken as a pidfd. */
    g_assert_true(parse("1 0 0 6 0 0 h 2 0", &a, &error));
    g_assert_cmpint(a.pidfd, ==, 0);
    g_assert_cmpint(a.tid, ==, -1);
    g_assert_null(a.comm);
    coroner_kernel_args_clear(&a);

    /* An fd number that is not open is no pidfd. */
    g_assert_true(parse("1 0 0 6 0 0 h 2 987", &a, &error));
    g_assert_cmpint(a.pidfd, ==, -1);
    coroner_kernel_args_clear(&a);
}

static void test_bad(void)
{
    static const char *const bad[] = {
        "",
        "1 2 3",
        "x 0 0 11 0 0 h 1 -",
        "0 0 0 11 0 0 h 1 -",
        "1 0 0 0 0 0 h 1 -",
        "1 0 0 11 0 -5 h 1 -",
        "1 0 0 11 0 0 h 7 -",
        "1 0 0 11 0 0 h 1 - 0",
        "1 0 0 11 0 0 h 1 - 2 comm extra",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        CoronerKernelArgs a;
        g_autoptr(GError) error = NULL;
        g_assert_false(parse(bad[i], &a, &error));
        g_assert_nonnull(error);
        g_test_message("“%s” → %s", bad[i], error->message);
    }
}

static void test_pattern(void)
{
    g_autofree char *p = coroner_core_pattern_for("/usr/libexec/coroner/coroner-handler", NULL, NULL);
    g_assert_cmpstr(p, ==,
                    "|/usr/libexec/coroner/coroner-handler %P %u %g %s %t %c %h %d %F %I %e");
    g_autofree char *q = coroner_core_pattern_for("/h", "/tmp/c.conf", NULL);
    g_assert_cmpstr(q, ==, "|/h --config=/tmp/c.conf %P %u %g %s %t %c %h %d %F %I %e");
    g_autofree char *r = coroner_core_pattern_for("/h", NULL, "/run/s");
    g_assert_cmpstr(r, ==, "|/h --handoff=/run/s %P %u %g %s %t %c %h %d %F %I %e");
    CoronerInstallMode mode = CORONER_INSTALL_SOCKET;
    g_assert_true(coroner_install_mode_parse("pipe", &mode));
    g_assert_cmpint(mode, ==, CORONER_INSTALL_PIPE);
    g_assert_true(coroner_install_mode_parse("auto", &mode));
    g_assert_cmpint(mode, ==, CORONER_INSTALL_AUTO);
    g_assert_false(coroner_install_mode_parse("fast", &mode));
}

static const CoronerTestCase tests[] = {
    {"/handler-args/full", test_full},
    {"/handler-args/bad", test_bad},
    {"/handler-args/pattern", test_pattern},
};

CORONER_TEST_MAIN(tests)
