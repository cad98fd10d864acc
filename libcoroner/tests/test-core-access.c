/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which file a backtrace reads: the entry's stack core when there is one,
 * else the core decompressed from zstd (systemd-coredump's .zst as well as
 * ours); clear errors for other compressions, corrupt streams, missing cores
 * and symlinks.
 */
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "core-access.h"
#include "signature.h"
#include "symbolize.h"
#include "test-util.h"
#include "coroner-test.h"

#define ID "core.crash-c.0.0123456789abcdef0123456789abcdef.42.1700000000000000"

static char *make_store(void)
{
    static unsigned counter;
    g_autofree char *name = g_strdup_printf("store-%u", counter++);
    char *dir = g_build_filename(test_tmpdir(), name, NULL);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
    return dir;
}

static void put(const char *dir, const char *name, const void *data, gsize length)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, data, (gssize)length, NULL));
}

static GBytes *compress(GBytes *in, gsize keep)
{
    gsize cap = ZSTD_compressBound(g_bytes_get_size(in));
    guint8 *out = g_malloc(cap);
    size_t n = ZSTD_compress(out, cap, g_bytes_get_data(in, NULL), g_bytes_get_size(in), 3);
    g_assert_false(ZSTD_isError(n));
    return g_bytes_new_take(out, keep ? MIN(keep, n) : n);
}

static CoronerCrashRecord *record_for(const char *file)
{
    CoronerCrashRecord *r = coroner_crash_record_new();
    r->id = g_strdup(ID);
    r->core.file = g_strdup(file);
    r->core.state = file ? CORONER_CORE_PRESENT : CORONER_CORE_MISSING;
    r->core.reason = file ? NULL : g_strdup("the disk was full");
    return r;
}

static int open_for(const char *dir, const CoronerCrashRecord *r, GError **error)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    g_assert_cmpint(dfd, >=, 0);
    int fd = coroner_core_open_for_backtrace(dfd, r, error);
    close(dfd);
    return fd;
}

static char *signature_of_fd(int fd)
{
    CoronerSymbolizeOptions o;
    test_offline_options(&o);
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    g_autoptr(GError) error = NULL;
    g_assert_true(coroner_symbolize_core_fd(fd, test_path("CRASH_C"), &o, r, &error));
    return g_strdup(r->signature);
}

static void test_zstd_and_stack(void)
{
    int pid = 0;
    g_autofree char *core = test_program_core("CRASH_C", "segv", &pid);
    g_autoptr(GMappedFile) map = g_mapped_file_new(core, FALSE, NULL);
    g_autoptr(GBytes) raw = g_mapped_file_get_bytes(map);
    g_autoptr(GBytes) zst = compress(raw, 0);
    g_autofree char *dir = make_store();
    put(dir, ID ".zst", g_bytes_get_data(zst, NULL), g_bytes_get_size(zst));
    g_autoptr(CoronerCrashRecord) r = record_for(ID ".zst");

    /* No stack core: the zstd core, decompressed, byte for byte. */
    g_autoptr(GError) error = NULL;
    int fd = open_for(dir, r, &error);
    g_assert_no_error(error);
    struct stat st;
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, (off_t)g_bytes_get_size(raw));
    g_autofree guint8 *back = g_malloc(st.st_size);
    g_assert_cmpint(pread(fd, back, st.st_size, 0), ==, st.st_size);
    g_assert_cmpmem(back, st.st_size, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw));
    g_autofree char *sig_zst = signature_of_fd(fd);
    close(fd);

    /* The path variant (a journal entry's COREDUMP_FILENAME). */
    g_autofree char *path = g_build_filename(dir, ID ".zst", NULL);
    fd = coroner_core_open_path_for_backtrace(path, &error);
    g_assert_no_error(error);
    g_autofree char *sig_path = signature_of_fd(fd);
    close(fd);
    g_assert_cmpstr(sig_zst, ==, sig_path);

    /* With a stack core beside it, that is what is opened. */
    const char marker[] = "\177ELF stack core stand-in";
    put(dir, ID ".stack", marker, sizeof marker);
    fd = open_for(dir, r, &error);
    g_assert_no_error(error);
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, (off_t)sizeof marker);
    close(fd);

    /* A stack core that is not ELF is ignored in favour of the core. */
    put(dir, ID ".stack", "garbage", 7);
    fd = open_for(dir, r, &error);
    g_assert_no_error(error);
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, (off_t)g_bytes_get_size(raw));
    close(fd);

    /* An uncompressed core is opened as it is. */
    g_autofree char *plain_dir = make_store();
    put(plain_dir, ID, g_bytes_get_data(raw, NULL), g_bytes_get_size(raw));
    g_autoptr(CoronerCrashRecord) plain = record_for(ID);
    fd = open_for(plain_dir, plain, &error);
    g_assert_no_error(error);
    g_autofree char *sig_plain = signature_of_fd(fd);
    close(fd);
    g_assert_cmpstr(sig_plain, ==, sig_zst);

    /* Open and symbolize in one call, in the sandbox: the same backtrace. */
    CoronerSymbolizeOptions o;
    test_offline_options(&o);
    plain->process.exe = g_strdup(test_path("CRASH_C"));
    int dfd = open(plain_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    g_assert_true(coroner_symbolize_stored(dfd, &o, getuid(), getgid(), plain, &error));
    close(dfd);
    g_assert_no_error(error);
    g_assert_cmpstr(plain->signature, ==, sig_zst);
    g_assert_null(plain->backtrace_error);
}

static void test_errors(void)
{
    g_autofree char *dir = make_store();
    g_autoptr(GError) error = NULL;

    g_autoptr(CoronerCrashRecord) none = record_for(NULL);
    g_assert_cmpint(open_for(dir, none, &error), ==, -1);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(error->message, "disk was full"));
    g_clear_error(&error);

    g_autoptr(CoronerCrashRecord) absent = record_for(ID ".zst");
    g_assert_cmpint(open_for(dir, absent, &error), ==, -1);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_clear_error(&error);

    /* Symbolizing a stored crash whose core is gone: the record says why, its backtrace stays. */
    g_ptr_array_add(absent->threads, coroner_thread_new(7, "kept"));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    g_assert_false(coroner_symbolize_stored(dfd, NULL, getuid(), getgid(), absent, &error));
    close(dfd);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_cmpstr(absent->backtrace_error, ==, error->message);
    g_assert_cmpuint(absent->threads->len, ==, 1);
    g_clear_error(&error);

    /* systemd-coredump's other compressions. */
    const guint8 xz[] = {0xfd, '7', 'z', 'X', 'Z', 0, 1, 2, 3};
    const guint8 lz4[] = {0x04, 0x22, 0x4d, 0x18, 1, 2, 3};
    put(dir, ID ".xz", xz, sizeof xz);
    put(dir, ID ".lz4", lz4, sizeof lz4);
    g_autoptr(CoronerCrashRecord) rxz = record_for(ID ".xz");
    g_assert_cmpint(open_for(dir, rxz, &error), ==, -1);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    g_assert_nonnull(strstr(error->message, "unsupported compression"));
    g_clear_error(&error);
    g_autofree char *lz4_path = g_build_filename(dir, ID ".lz4", NULL);
    g_assert_cmpint(coroner_core_open_path_for_backtrace(lz4_path, &error), ==, -1);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    g_clear_error(&error);

    /* A corrupt and a truncated zstd stream. */
    g_autoptr(GBytes) text = g_bytes_new_static(
        "\177ELF and then some text to compress, repeated, repeated, repeated", 66);
    g_autoptr(GBytes) cut = compress(text, 12);
    put(dir, "cut.zst", g_bytes_get_data(cut, NULL), g_bytes_get_size(cut));
    g_autofree char *cut_path = g_build_filename(dir, "cut.zst", NULL);
    g_assert_cmpint(coroner_core_open_path_for_backtrace(cut_path, &error), ==, -1);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_test_message("truncated zstd: %s", error->message);
    g_clear_error(&error);
    const guint8 bad[] = {0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    put(dir, "bad.zst", bad, sizeof bad);
    g_autofree char *bad_path = g_build_filename(dir, "bad.zst", NULL);
    g_assert_cmpint(coroner_core_open_path_for_backtrace(bad_path, &error), ==, -1);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_clear_error(&error);

    /* Not a core at all. */
    put(dir, "text", "hello", 5);
    g_autofree char *text_path = g_build_filename(dir, "text", NULL);
    g_assert_cmpint(coroner_core_open_path_for_backtrace(text_path, &error), ==, -1);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_clear_error(&error);

    /* Symlinks are never followed, nor are names that leave the store. */
    g_autofree char *link = g_build_filename(dir, ID ".zst", NULL);
    g_assert_cmpint(symlink("/etc/passwd", link), ==, 0);
    g_autoptr(CoronerCrashRecord) linked = record_for(ID ".zst");
    g_assert_cmpint(open_for(dir, linked, &error), ==, -1);
    g_assert_nonnull(error);
    g_clear_error(&error);
    g_autoptr(CoronerCrashRecord) escape = record_for("../core.zst");
    g_assert_cmpint(open_for(dir, escape, &error), ==, -1);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
}

static const CoronerTestCase tests[] = {
    {"/core-access/zstd-and-stack", test_zstd_and_stack},
    {"/core-access/errors", test_errors},
};

CORONER_TEST_MAIN(tests)
