/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "sentry-privacy.h"
#include "coroner-test.h"

static CoronerSentryScrubber *make(void)
{
    CoronerSentryScrubber *s = coroner_sentry_scrubber_new();
    coroner_sentry_scrubber_add_home(s, "/home/ann/");
    coroner_sentry_scrubber_add_home(s, "/");
    coroner_sentry_scrubber_add_user(s, "ann");
    coroner_sentry_scrubber_add_host(s, "annbox.example.org");
    return s;
}

static void check(const CoronerSentryScrubber *s, const char *in, const char *want)
{
    g_autofree char *got = coroner_sentry_scrub_string(s, in);
    g_assert_cmpstr(got, ==, want);
}

static void test_strings(void)
{
    g_autoptr(CoronerSentryScrubber) s = make();
    check(s, "/home/ann/src/app.c", "~/src/app.c");
    check(s, "/home/ann", "~");
    check(s, "cd /home/ann; ls", "cd ~; ls");
    check(s, "file:///home/ann/x", "file://~/x");
    /* Only whole components and words. */
    check(s, "/home/anna/x", "/home/anna/x");
    check(s, "/home/ann2/x", "/home/ann2/x");
    check(s, "annotation by ann, for ann.", "annotation by [user], for [user].");
    check(s, "user=ann", "user=[user]");
    check(s, "host annbox.example.org or annbox", "host [hostname] or [hostname]");
    check(s, "annboxes stay", "annboxes stay");
    check(s, "", "");
    check(s, "nothing here", "nothing here");
    /* "/" is never a home: that would eat every path. */
    check(s, "/usr/lib/libc.so.6", "/usr/lib/libc.so.6");
}

static void test_json(void)
{
    g_autoptr(CoronerSentryScrubber) s = make();
    g_autoptr(JsonParser) p = json_parser_new();
    g_assert_true(json_parser_load_from_data(
        p, "{\"ann\":\"/home/ann/a\",\"list\":[\"ann\",1,true,null,{\"x\":\"annbox\"}]}", -1, NULL));
    JsonNode *root = json_parser_get_root(p);
    coroner_sentry_scrub_json(s, root);
    g_autofree char *out = json_to_string(root, FALSE);
    /* Member names are ours, not scrubbed; every string value is. */
    g_assert_cmpstr(out, ==, "{\"ann\":\"~/a\",\"list\":[\"[user]\",1,true,null,{\"x\":\"[hostname]\"}]}");
}

static void test_for_record(void)
{
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    r->hostname = g_strdup("crash-host-1");
    r->process.uid = (int64_t)getuid();
    g_autoptr(CoronerSentryScrubber) s = coroner_sentry_scrubber_new_for_record(r);
    g_autofree char *in = g_strdup_printf("%s/x on crash-host-1 by %s", g_get_home_dir(),
                                          g_get_user_name());
    g_autofree char *got = coroner_sentry_scrub_string(s, in);
    g_assert_cmpstr(got, ==, "~/x on [hostname] by [user]");
}

static const CoronerTestCase tests[] = {
    {"/sentry/privacy/strings", test_strings},
    {"/sentry/privacy/json", test_json},
    {"/sentry/privacy/for-record", test_for_record},
};

CORONER_TEST_MAIN(tests)
