/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "store.h"
#include "str-util.h"
#include "coroner-test.h"

#define BOOT "0123456789abcdef0123456789abcdef"

static void test_escape(void)
{
    struct {
        const char *in, *out;
    } cases[] = {
        {"gnome-shell", "gnome-shell"},
        {"a/b.c d", "a\\x2fb\\x2ec\\x20d"},
        {"back\\slash", "back\\x5cslash"},
        {"ünï", "\\xc3\\xbcn\\xc3\\xaf"},
        {"tab\there", "tab\\x09here"},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *e = coroner_escape_comm(cases[i].in);
        g_assert_cmpstr(e, ==, cases[i].out);
        g_autofree char *back = coroner_unescape_comm(e);
        g_assert_cmpstr(back, ==, cases[i].in);
    }
}

static void test_str_checks(void)
{
    g_assert_true(coroner_str_is_digits("0123"));
    g_assert_false(coroner_str_is_digits(""));
    g_assert_false(coroner_str_is_digits("12a"));
    g_assert_false(coroner_str_is_digits(NULL));
    g_assert_true(coroner_str_is_hex("deadBEEF09"));
    g_assert_false(coroner_str_is_hex("0x12"));

    static const guint8 bytes[] = {0x00, 0x7f, 0xa5, 0xff};
    g_autofree char *hex = coroner_hex_encode(bytes, sizeof bytes);
    g_assert_cmpstr(hex, ==, "007fa5ff");
    g_autoptr(GBytes) back = coroner_hex_decode("007FA5ff0");
    g_assert_cmpmem(g_bytes_get_data(back, NULL), g_bytes_get_size(back), bytes, sizeof bytes);
    g_autoptr(GBytes) none = coroner_hex_decode(NULL);
    g_assert_cmpuint(g_bytes_get_size(none), ==, 0);
}

static void test_unescape(void)
{
    /* Not ours: a lone backslash, a short or non-hex escape stay as they are. */
    g_autofree char *odd = coroner_unescape_comm("a\\x\\x4\\xzz\\");
    g_assert_cmpstr(odd, ==, "a\\x\\x4\\xzz\\");
    /* A byte that is not UTF-8 (a comm cut mid-character) becomes U+FFFD. */
    g_autofree char *cut = coroner_unescape_comm("ab\\xc3");
    g_assert_cmpstr(cut, ==, "ab\xef\xbf\xbd");
    g_assert_true(g_utf8_validate(cut, -1, NULL));
}

static void test_names_roundtrip(void)
{
    g_autofree char *id = coroner_entry_id("my.app/x", 1000, BOOT, 4242, 1700000000000000);
    g_assert_cmpstr(id, ==, "core.my\\x2eapp\\x2fx.1000." BOOT ".4242.1700000000000000");
    g_autofree char *core = g_strconcat(id, ".zst", NULL);
    g_autofree char *record = g_strconcat(id, ".json", NULL);
    char *parsed = NULL;
    int64_t uid, pid;
    uint64_t usec;
    CoronerStoreFileKind kind;
    g_assert_true(coroner_parse_store_name(core, &parsed, &uid, &pid, &usec, &kind));
    g_assert_cmpstr(parsed, ==, id);
    g_assert_cmpint(uid, ==, 1000);
    g_assert_cmpint(pid, ==, 4242);
    g_assert_cmpuint(usec, ==, 1700000000000000);
    g_assert_cmpint(kind, ==, CORONER_STORE_FILE_CORE);
    g_free(parsed);
    /* The id alone gives the comm back, unescaped, and the boot id. */
    g_autofree char *comm = NULL;
    g_autofree char *boot = NULL;
    g_assert_true(coroner_parse_entry_id(id, &comm, NULL, &boot, NULL, NULL));
    g_assert_cmpstr(comm, ==, "my.app/x");
    g_assert_cmpstr(boot, ==, BOOT);
    g_assert_false(coroner_parse_entry_id(core, NULL, NULL, NULL, NULL, NULL));
    g_assert_true(coroner_parse_store_name(record, NULL, NULL, NULL, NULL, &kind));
    g_assert_cmpint(kind, ==, CORONER_STORE_FILE_RECORD);
    g_autofree char *stack = g_strconcat(id, ".stack", NULL);
    g_assert_true(coroner_parse_store_name(stack, NULL, NULL, NULL, NULL, &kind));
    g_assert_cmpint(kind, ==, CORONER_STORE_FILE_STACK);
    /* systemd-coredump's own files parse too, so one store reader serves both. */
    g_assert_true(coroner_parse_store_name("core.bash.0." BOOT ".12.1700000000000000.xz", NULL,
                                           NULL, NULL, NULL, NULL));

    static const char *const foreign[] = {
        "core", ".#coroner.1234", "core.a.b.c.d.e", "core.x.1000.nothex.1.2.zst",
        "core..1000." BOOT ".1.2", "core.x.1000." BOOT ".0.2", "notes.txt",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(foreign); i++)
        g_assert_false(coroner_parse_store_name(foreign[i], NULL, NULL, NULL, NULL, NULL));
}

static void touch(int dir_fd, const char *name, gsize size)
{
    int fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_autofree char *data = g_malloc0(size ? size : 1);
    memset(data, 'x', size);
    g_assert_cmpint(coroner_write_all(fd, data, size), ==, 0);
    close(fd);
}

static void test_list_and_atomic(void)
{
    g_autofree char *dir = coroner_test_tmpdir_new("coroner-store-XXXXXX");
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerStore) store = coroner_store_open(dir, FALSE, &error);
    g_assert_no_error(error);

    touch(store->dir_fd, "core.b.1000." BOOT ".2.200.zst", 8192);
    touch(store->dir_fd, "core.b.1000." BOOT ".2.200.json", 100);
    touch(store->dir_fd, "core.a.1001." BOOT ".1.100.json", 100);
    touch(store->dir_fd, "unrelated", 10);
    g_assert_cmpint(symlinkat("/etc/passwd", store->dir_fd, "core.c.0." BOOT ".3.50.json"), ==, 0);

    /* An abandoned temporary file leaves nothing; a linked one appears whole. */
    CoronerTmpfile tmp;
    g_assert_true(coroner_tmpfile_open(store->dir_fd, 0600, &tmp, &error));
    g_assert_cmpint(coroner_write_all(tmp.fd, "half", 4), ==, 0);
    coroner_tmpfile_discard(&tmp);
    g_assert_true(coroner_write_file_atomic_at(store->dir_fd, "core.d.0." BOOT ".4.300.json", "{}",
                                               2, 0640, &error));
    g_assert_no_error(error);
    /* Never replaces an existing name. */
    g_assert_false(coroner_write_file_atomic_at(store->dir_fd, "core.d.0." BOOT ".4.300.json", "[]",
                                                2, 0640, &error));
    g_clear_error(&error);

    g_autoptr(GPtrArray) entries = coroner_store_list(store, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(entries->len, ==, 3); /* the symlink and the stranger are not entries */
    CoronerStoreEntry *first = entries->pdata[0];
    CoronerStoreEntry *second = entries->pdata[1];
    g_assert_cmpstr(first->id, ==, "core.a.1001." BOOT ".1.100");
    g_assert_null(first->core_name);
    g_assert_cmpstr(second->core_name, ==, "core.b.1000." BOOT ".2.200.zst");
    g_assert_cmpuint(second->core_bytes, >=, 8192);

    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *n;
    while ((n = g_dir_read_name(d)))
        g_assert_false(g_str_has_prefix(n, ".#"));

    /* Reading never follows the planted symlink. */
    char *data = NULL;
    g_assert_false(coroner_read_file_at(store->dir_fd, "core.c.0." BOOT ".3.50.json", 1024, &data,
                                        NULL, &error));
    g_assert_nonnull(strstr(error->message, "symbolic link"));
    coroner_test_remove_tree(dir);
}

/* Replacing: the name holds the new content, with the mode asked for, and nothing else is left. */
static void test_replace_atomic(void)
{
    g_autofree char *dir = coroner_test_tmpdir_new("coroner-store-XXXXXX");
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    g_assert_cmpint(dir_fd, >=, 0);
    g_autoptr(GError) error = NULL;
    g_assert_true(coroner_replace_file_atomic_at(dir_fd, "state", "old", 3, 0600, &error));
    g_assert_no_error(error);
    g_assert_true(coroner_replace_file_atomic_at(dir_fd, "state", "newer", 5, 0640, &error));
    g_assert_no_error(error);
    g_autofree char *path = g_build_filename(dir, "state", NULL);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "newer");
    struct stat st;
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0640);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_assert_cmpstr(g_dir_read_name(d), ==, "state");
    g_assert_null(g_dir_read_name(d));
    /* The no-replace write still refuses the existing name. */
    g_assert_false(coroner_write_file_atomic_at(dir_fd, "state", "x", 1, 0600, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS);
    close(dir_fd);
    coroner_test_remove_tree(dir);
}

static void test_store_symlink_refused(void)
{
    g_autofree char *dir = coroner_test_tmpdir_new("coroner-store-XXXXXX");
    g_autofree char *real = g_build_filename(dir, "real", NULL);
    g_autofree char *link = g_build_filename(dir, "link", NULL);
    g_assert_cmpint(g_mkdir(real, 0755), ==, 0);
    g_assert_cmpint(symlink(real, link), ==, 0);
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerStore) store = coroner_store_open(link, TRUE, &error);
    g_assert_null(store);
    g_assert_nonnull(strstr(error->message, "symbolic link"));
    coroner_test_remove_tree(dir);
}

static const CoronerTestCase tests[] = {
    {"/store/escape", test_escape},
    {"/store/unescape", test_unescape},
    {"/store/str-checks", test_str_checks},
    {"/store/names-roundtrip", test_names_roundtrip},
    {"/store/list-and-atomic", test_list_and_atomic},
    {"/store/replace-atomic", test_replace_atomic},
    {"/store/symlink-refused", test_store_symlink_refused},
};

CORONER_TEST_MAIN(tests)
