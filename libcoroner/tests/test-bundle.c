/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bundle names from FilenameTemplate=, and the zip the bundle writer streams. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "bundle-name.h"
#include "bundle.h"
#include "coroner-test-record.h"
#include "crash-record.h"
#include "coroner-test.h"

static CoronerCrashRecord *sample_record(void)
{
    CoronerCrashRecord *r = coroner_test_record_new(
        "core.crasher.1000.f9ec52eb6b04432b83875e7ba3cc1b6b.4242.1795346065000000",
        G_GINT64_CONSTANT(1795346065000000), 4242, -1, "tool", "/usr/bin/.hidden tool");
    r->hostname = g_strdup("build host/../x");
    r->process.uid = 1000;
    r->process.environ = g_strdup("SECRET=hunter2");
    r->process.proc_status = g_strdup("Name:\ttool\n");
    r->signal.number = 11;
    r->signal.name = g_strdup("SEGV");
    return r;
}

static void test_names(void)
{
    g_autoptr(CoronerCrashRecord) r = sample_record();
    g_autoptr(GError) error = NULL;
    g_autofree char *uuid = coroner_bundle_uuid(r);
    g_autofree char *again = coroner_bundle_uuid(r);
    g_assert_cmpstr(uuid, ==, again);
    g_assert_true(g_uuid_string_is_valid(uuid));
    g_assert_cmpint(uuid[14], ==, '5');

    g_autofree char *name = coroner_bundle_name(CORONER_BUNDLE_DEFAULT_TEMPLATE, r, &error);
    g_assert_no_error(error);
    g_autofree char *want = g_strdup_printf("%s-dump-20261122T111425Z-build_host_.._x-_hidden_tool-"
                                            "4242-SEGV.zip",
                                            uuid);
    g_assert_cmpstr(name, ==, want);

    /* Prefixes from the template; "..", "." and empty segments vanish; unknowns are named. */
    g_autofree char *prefixed = coroner_bundle_name("/a//./../{comm}/{container}-{pod}-{app}", r, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(prefixed, ==, "a/tool/none-none-unknown.zip");

    static const char *const bad[] = {"", "{nope}", "{uuid", "uuid}", "{}"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) e = NULL;
        g_assert_false(coroner_bundle_template_check(bad[i], &e));
        g_assert_nonnull(e);
    }
}

static gboolean to_bytes(const void *data, gsize length, gpointer user_data, GError **error)
{
    g_byte_array_append(user_data, data, (guint)length);
    return TRUE;
}

static gboolean fail_late(const void *data, gsize length, gpointer user_data, GError **error)
{
    gsize *seen = user_data;
    *seen += length;
    if (*seen > 4096) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "the disk is full");
        return FALSE;
    }
    return TRUE;
}

static void test_write(void)
{
    g_autoptr(CoronerCrashRecord) r = sample_record();
    /* A "core" in a scratch store: 3 MiB of a pattern. */
    g_autofree char *dir = g_dir_make_tmp("coroner-bundle-XXXXXX", NULL);
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
    r->core.file = g_strconcat(r->id, ".zst", NULL);
    gsize core_len = 3u << 20;
    g_autofree guint8 *core = g_malloc(core_len);
    for (gsize i = 0; i < core_len; i++)
        core[i] = (guint8)(i * 7 + (i >> 12));
    g_autofree char *core_path = g_build_filename(dir, r->core.file, NULL);
    g_assert_true(g_file_set_contents(core_path, (char *)core, (gssize)core_len, NULL));

    CoronerBundleOptions options;
    coroner_bundle_options_init(&options);
    options.journal = FALSE;
    g_autoptr(GByteArray) zip = g_byte_array_new();
    uint64_t bytes = 0;
    g_autoptr(GError) error = NULL;
    g_assert_true(coroner_bundle_write(dir_fd, r, -1, &options, to_bytes, zip, &bytes, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(bytes, ==, zip->len);

    /* Read it back with libarchive's reader: members, the core intact, no environment. */
    struct archive *a = archive_read_new();
    archive_read_support_format_zip(a);
    g_assert_cmpint(archive_read_open_memory(a, zip->data, zip->len), ==, ARCHIVE_OK);
    struct archive_entry *e;
    GString *names = g_string_new(NULL);
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        g_string_append_printf(names, "%s ", name);
        g_assert_cmpint(archive_entry_mtime(e), ==, 1795346065);
        g_autoptr(GByteArray) data = g_byte_array_new();
        guint8 buf[65536];
        la_ssize_t n;
        while ((n = archive_read_data(a, buf, sizeof buf)) > 0)
            g_byte_array_append(data, buf, (guint)n);
        g_assert_cmpint(n, ==, 0);
        if (strcmp(name, "core.zst") == 0) {
            g_assert_cmpmem(data->data, data->len, core, core_len);
        } else if (strcmp(name, "crash.json") == 0) {
            g_autoptr(CoronerCrashRecord) back =
                coroner_crash_record_from_json((char *)data->data, data->len, &error);
            g_assert_no_error(error);
            g_assert_cmpstr(back->id, ==, r->id);
            g_assert_null(back->process.environ);
        }
    }
    archive_read_free(a);
    g_assert_cmpstr(names->str, ==, "crash.json proc/status core.zst ");
    g_string_free(names, TRUE);
    /* Stored, not compressed: the zip is barely bigger than the core. */
    g_assert_cmpuint(zip->len, <, core_len + 16384);

    /* A sink that fails: the error says why, not just "failed". */
    gsize seen = 0;
    g_assert_false(coroner_bundle_write(dir_fd, r, -1, &options, fail_late, &seen, NULL, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
    g_assert_nonnull(strstr(error->message, "the disk is full"));

    g_unlink(core_path);
    close(dir_fd);
    g_rmdir(dir);
}

static const CoronerTestCase tests[] = {
    {"/bundle/names", test_names},
    {"/bundle/write", test_write},
};

CORONER_TEST_MAIN(tests)
