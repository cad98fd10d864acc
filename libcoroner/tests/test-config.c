/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gstdio.h>

#include "bundle-name.h"
#include "config.h"
#include "coroner-test.h"

static void test_sizes(void)
{
    struct {
        const char *text;
        uint64_t bytes;
        double percent;
    } good[] = {
        {"0", 0, 0},
        {"1234", 1234, 0},
        {"512K", 512u << 10, 0},
        {"2G", UINT64_C(2) << 30, 0},
        {"1.5M", 3u << 19, 0},
        {"4GiB", UINT64_C(4) << 30, 0},
        {"7B", 7, 0},
        {"2k", 2048, 0},
        {"3 M", UINT64_C(3) << 20, 0},
        {"1T", UINT64_C(1) << 40, 0},
        {" 10% ", CORONER_SIZE_UNSET, 10},
        {"infinity", UINT64_MAX, 0},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(good); i++) {
        CoronerSize s;
        g_autoptr(GError) error = NULL;
        g_assert_true(coroner_parse_size(good[i].text, &s, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(s.bytes, ==, good[i].bytes);
        g_assert_cmpfloat(s.percent, ==, good[i].percent);
    }
    static const char *const bad[] = {"", "-1", "12X", "ten", "101%", "1GG", "99999999999T"};
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        CoronerSize s;
        g_autoptr(GError) error = NULL;
        g_assert_false(coroner_parse_size(bad[i], &s, &error));
        g_assert_nonnull(error);
    }
    /* "infinity" must stay unlimited, not turn into 0% of the file system. */
    CoronerSize inf;
    g_assert_true(coroner_parse_size("infinity", &inf, NULL));
    g_assert_cmpuint(coroner_size_resolve(&inf, 1000, 50), ==, UINT64_MAX);
    CoronerSize zero_pct;
    g_assert_true(coroner_parse_size("0%", &zero_pct, NULL));
    g_assert_cmpuint(coroner_size_resolve(&zero_pct, 1000, 50), ==, 0);
    CoronerSize exact;
    g_assert_true(coroner_parse_size("123", &exact, NULL));
    g_assert_cmpuint(coroner_size_resolve(&exact, 1000, 50), ==, 123);
    CoronerSize pct = {.bytes = CORONER_SIZE_UNSET, .percent = 10};
    g_assert_cmpuint(coroner_size_resolve(&pct, 1000, 50), ==, 50);
    g_assert_cmpuint(coroner_size_resolve(&pct, 100, 50), ==, 10);
}

/* coroner.conf with text, loaded from a temporary file (removed again); problems collects what
 * the loader reports. */
static CoronerConfig *load_text(const char *text, GPtrArray *problems)
{
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("coroner-test-XXXXXX.conf", &path, NULL);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    CoronerConfig *c = coroner_config_load(path, problems);
    g_unlink(path);
    return c;
}

static void test_load_good(void)
{
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(CoronerConfig) c = load_text("[Store]\nPath=/srv/crashes\nCompress=no\n"
                                           "ExternalSizeMax=1G\nMaxUse=5%\n"
                                           "[Journal]\nEnabled=off\nTimeout=0.5\n",
                                           problems);
    g_assert_cmpuint(problems->len, ==, 0);
    g_assert_cmpstr(c->store_path, ==, "/srv/crashes");
    g_assert_false(c->compress);
    g_assert_cmpuint(c->external_size_max, ==, UINT64_C(1) << 30);
    g_assert_cmpfloat(c->max_use.percent, ==, 5);
    g_assert_false(c->journal_enabled);
    g_assert_cmpuint(c->journal_timeout_ms, ==, 500);
}

static void test_load_malformed_keeps_good_keys(void)
{
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(CoronerConfig) c = load_text("[Store]\nPath=/srv/crashes\nCompress=maybe\n"
                                           "MaxUse=lots\n[Journal]\nTimeout=-3\n",
                                           problems);
    g_assert_cmpuint(problems->len, ==, 3);
    /* The valid key still applies, the broken ones keep their defaults. */
    g_assert_cmpstr(c->store_path, ==, "/srv/crashes");
    g_assert_true(c->compress);
    g_assert_cmpfloat(c->max_use.percent, ==, 10);
    g_assert_nonnull(strstr(problems->pdata[0], "Compress"));
}

static void test_load_syntax_error_and_missing(void)
{
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(CoronerConfig) c = load_text("this is not a key file\n", problems);
    g_assert_cmpuint(problems->len, ==, 1);
    g_assert_cmpstr(c->store_path, !=, NULL);

    g_ptr_array_set_size(problems, 0);
    g_autoptr(CoronerConfig) d = coroner_config_load("/nonexistent/coroner.conf", problems);
    g_assert_cmpuint(problems->len, ==, 0);
    g_assert_true(d->journal_enabled);

    g_autoptr(CoronerConfig) e = load_text("[Store]\nPath=relative/dir\n", problems);
    g_assert_cmpuint(problems->len, ==, 1);
    g_assert_true(g_path_is_absolute(e->store_path));
}

static void test_upload_keys(void)
{
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(CoronerConfig) c =
        load_text("[Upload]\nEndpoint=http://127.0.0.1:9000\nBucket=crashes\nRegion=eu-west-1\n"
                  "AccessKeyId=AK\nSecretAccessKeyFile=/etc/coroner/upload.secret\nPathStyle=yes\n"
                  "FilenameTemplate={hostname}/{uuid}\nDeleteAfterUpload=yes\nInterval=1h 30min\n"
                  "Schedule=0 3 * * *\nWatch=yes\nPartSize=8M\n",
                  problems);
    g_assert_cmpuint(problems->len, ==, 0);
    g_assert_cmpstr(c->upload.endpoint, ==, "http://127.0.0.1:9000");
    g_assert_cmpstr(c->upload.bucket, ==, "crashes");
    g_assert_cmpstr(c->upload.region, ==, "eu-west-1");
    g_assert_cmpstr(c->upload.access_key_id, ==, "AK");
    g_assert_cmpstr(c->upload.secret_access_key_file, ==, "/etc/coroner/upload.secret");
    g_assert_true(c->upload.path_style);
    g_assert_cmpstr(c->upload.filename_template, ==, "{hostname}/{uuid}");
    g_assert_true(c->upload.delete_after_upload);
    g_assert_cmpuint(c->upload.interval_usec, ==, UINT64_C(5400) * G_USEC_PER_SEC);
    g_assert_cmpstr(c->upload.schedule, ==, "0 3 * * *");
    g_assert_true(c->upload.watch);
    g_assert_cmpuint(c->upload.part_size, ==, 8u << 20);

    /* Each bad key on its own keeps its default. */
    g_ptr_array_set_size(problems, 0);
    g_autoptr(CoronerConfig) d = load_text("[Upload]\nFilenameTemplate={nope}\nInterval=soon\n"
                                           "PartSize=1M\nWatch=perhaps\nBucket=b\n",
                                           problems);
    g_assert_cmpuint(problems->len, ==, 4);
    g_assert_cmpstr(d->upload.filename_template, ==, CORONER_BUNDLE_DEFAULT_TEMPLATE);
    g_assert_cmpuint(d->upload.interval_usec, ==, 0);
    g_assert_cmpuint(d->upload.part_size, ==, 16u << 20);
    g_assert_false(d->upload.watch);
    g_assert_cmpstr(d->upload.bucket, ==, "b");
    g_assert_cmpstr(d->upload.region, ==, "us-east-1");

    uint64_t usec;
    g_assert_true(coroner_parse_timespan("90", &usec, NULL));
    g_assert_cmpuint(usec, ==, 90 * G_USEC_PER_SEC);
    g_assert_true(coroner_parse_timespan("2d", &usec, NULL));
    g_assert_cmpuint(usec, ==, UINT64_C(172800) * G_USEC_PER_SEC);
    g_assert_true(coroner_parse_timespan("500ms", &usec, NULL));
    g_assert_cmpuint(usec, ==, 500000);
    g_assert_false(coroner_parse_timespan("", &usec, NULL));
    g_assert_false(coroner_parse_timespan("-5s", &usec, NULL));
    g_assert_false(coroner_parse_timespan("5 parsecs", &usec, NULL));
}

static const CoronerTestCase tests[] = {
    {"/config/upload-keys", test_upload_keys},
    {"/config/sizes", test_sizes},
    {"/config/load-good", test_load_good},
    {"/config/load-malformed", test_load_malformed_keeps_good_keys},
    {"/config/load-syntax-error-and-missing", test_load_syntax_error_and_missing},
};

CORONER_TEST_MAIN(tests)
