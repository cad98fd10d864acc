/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cores nobody should have to read: empty, random, not a core, truncated at
 * every interesting point, with bytes flipped in the headers and notes, and
 * cores whose executable is gone or was replaced.  Each gives a clean GError
 * or a degraded backtrace with a note, and never takes the caller down.
 */
#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbolize.h"
#include "test-util.h"
#include "coroner-test.h"

/* Symbolizes path (sandboxed or not); returns TRUE or asserts the error is ours and clean. */
static gboolean try_symbolize(const char *path, const char *exe, gboolean sandboxed,
                              CoronerCrashRecord **ret_record, GError **ret_error)
{
    CoronerSymbolizeOptions o;
    test_offline_options(&o);
    o.timeout_ms = 5000;
    CoronerCrashRecord *r = coroner_crash_record_new();
    GError *error = NULL;
    gboolean ok = sandboxed ? test_symbolize_file_sandboxed(path, exe, &o, 65534, 65534, r, &error)
                            : test_symbolize_file(path, exe, &o, r, &error);
    if (!ok) {
        g_assert_nonnull(error);
        g_assert_true(error->domain == CORONER_SYMBOLIZE_ERROR);
        g_assert_nonnull(error->message);
        if (sandboxed)
            g_assert_cmpstr(r->backtrace_error, ==, error->message);
        g_assert_cmpuint(r->threads->len, ==, 0);
    } else {
        g_assert_null(error);
    }
    if (ret_record)
        *ret_record = r;
    else
        coroner_crash_record_free(r);
    if (ret_error)
        *ret_error = error;
    else
        g_clear_error(&error);
    return ok;
}

static void test_empty(void)
{
    g_autofree char *path = test_write_tmp("empty", "", 0);
    for (int sandboxed = 0; sandboxed <= 1; sandboxed++) {
        g_autoptr(GError) error = NULL;
        g_assert_false(try_symbolize(path, NULL, sandboxed, NULL, &error));
        g_assert_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NOT_CORE);
        g_test_message("0 bytes: %s", error->message);
    }
}

static void test_random_and_not_core(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(7);
    g_autofree guint8 *noise = g_malloc(1 << 20);
    for (gsize i = 0; i < 1 << 20; i++)
        noise[i] = (guint8)g_rand_int(rand);
    g_autofree char *path = test_write_tmp("noise", noise, 1 << 20);
    for (int sandboxed = 0; sandboxed <= 1; sandboxed++) {
        g_autoptr(GError) error = NULL;
        g_assert_false(try_symbolize(path, NULL, sandboxed, NULL, &error));
        g_assert_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NOT_CORE);
        g_clear_error(&error);
        /* An ELF file that is not a core: the program itself. */
        g_assert_false(try_symbolize(test_path("CRASH_C"), NULL, sandboxed, NULL, &error));
        g_assert_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NOT_CORE);
    }
}

/* The interesting offsets of a core: inside the headers, the notes, the first and last segment. */
static GArray *cut_points(const guint8 *core, gsize length)
{
    GArray *cuts = g_array_new(FALSE, FALSE, sizeof(gsize));
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)core;
    gsize fixed[] = {1,
                     4,
                     16,
                     63,
                     sizeof *eh,
                     eh->e_phoff + eh->e_phentsize * 2,
                     eh->e_phoff + (gsize)eh->e_phentsize * eh->e_phnum,
                     length / 2,
                     length - 1};
    g_array_append_vals(cuts, fixed, G_N_ELEMENTS(fixed));
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph =
            (const Elf64_Phdr *)(core + eh->e_phoff + (gsize)i * eh->e_phentsize);
        if (ph->p_type == PT_NOTE) {
            gsize in_notes[] = {ph->p_offset + 10, ph->p_offset + ph->p_filesz / 3,
                                ph->p_offset + ph->p_filesz - 1, ph->p_offset + ph->p_filesz};
            g_array_append_vals(cuts, in_notes, G_N_ELEMENTS(in_notes));
        }
        if (ph->p_type == PT_LOAD && ph->p_filesz > 0 && i < 3) {
            gsize in_load = ph->p_offset + 100;
            g_array_append_val(cuts, in_load);
        }
    }
    return cuts;
}

static void test_truncated(void)
{
    int pid = 0;
    g_autofree char *core = test_program_core("CRASH_C", "threads", &pid);
    gsize length = 0;
    g_autofree guint8 *data = test_read_file(core, &length);
    g_autoptr(GArray) cuts = cut_points(data, length);
    for (guint i = 0; i < cuts->len; i++) {
        gsize cut = g_array_index(cuts, gsize, i);
        if (cut >= length)
            continue;
        g_autofree char *path = test_write_tmp("truncated", data, cut);
        for (int sandboxed = 0; sandboxed <= 1; sandboxed++) {
            CoronerCrashRecord *r = NULL;
            g_autoptr(GError) error = NULL;
            gboolean ok = try_symbolize(path, test_path("CRASH_C"), sandboxed, &r, &error);
            if (!sandboxed)
                g_test_message("cut at %zu of %zu: %s", cut, length,
                               ok ? "degraded backtrace" : error->message);
            coroner_crash_record_free(r);
        }
    }
}

/* Random bytes over the ELF header, program headers and notes: the sandbox takes the hits. */
static void test_corrupt(void)
{
    int pid = 0;
    g_autofree char *core = test_program_core("CRASH_C", "threads", &pid);
    gsize length = 0;
    g_autofree guint8 *data = test_read_file(core, &length);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
    gsize notes_end = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph =
            (const Elf64_Phdr *)(data + eh->e_phoff + (gsize)i * eh->e_phentsize);
        if (ph->p_type == PT_NOTE)
            notes_end = MAX(notes_end, ph->p_offset + ph->p_filesz);
    }
    g_assert_cmpuint(notes_end, >, 0);
    g_autoptr(GRand) rand = g_rand_new_with_seed(1234);
    g_autofree guint8 *copy = g_malloc(length);
    unsigned failed = 0, survived = 0;
    for (int round = 0; round < 40; round++) {
        memcpy(copy, data, length);
        int flips = g_rand_int_range(rand, 1, 64);
        for (int k = 0; k < flips; k++) {
            /* Half the flips in the headers, half anywhere up to the end of the notes. */
            gsize at = k % 2 ? (gsize)g_rand_int_range(
                                   rand, 0, (gint32)(eh->e_phoff + eh->e_phentsize * eh->e_phnum))
                             : (gsize)g_rand_int_range(rand, 0, (gint32)notes_end);
            copy[at] = (guint8)g_rand_int(rand);
        }
        g_autofree char *path = test_write_tmp("corrupt", copy, length);
        if (try_symbolize(path, test_path("CRASH_C"), TRUE, NULL, NULL))
            survived++;
        else
            failed++;
    }
    g_test_message("corrupt cores: %u symbolized (degraded), %u clean errors", survived, failed);
}

/* The executable was deleted after the crash: libc's frames still have names, a note says why ours
 * not. */
static void test_exe_deleted(void)
{
    g_autofree char *copy = g_build_filename(test_tmpdir(), "crash-copy", NULL);
    g_autofree char *exe = NULL;
    gsize length;
    g_assert_true(g_file_get_contents(test_path("CRASH_C"), &exe, &length, NULL));
    g_assert_true(g_file_set_contents(copy, exe, (gssize)length, NULL));
    g_assert_cmpint(chmod(copy, 0755), ==, 0);
    int pid = 0;
    g_autofree char *core = test_make_core("copy-segv", &pid, copy, "segv", NULL);
    g_assert_cmpint(unlink(copy), ==, 0);
    for (int with_exe = 0; with_exe <= 1; with_exe++) {
        CoronerCrashRecord *r = NULL;
        g_assert_true(try_symbolize(core, with_exe ? copy : NULL, FALSE, &r, NULL));
        const CoronerThread *t = r->threads->pdata[0];
        g_assert_cmpuint(t->frames->len, >=, 4);
        g_assert_null(((CoronerFrame *)t->frames->pdata[0])->function);
        g_assert_true(
            g_str_has_suffix(((CoronerFrame *)t->frames->pdata[0])->module, "crash-copy"));
        g_assert_cmpint(test_find_frame(t, 0, "__libc_start_call_main"), >, 0);
        g_assert_cmpuint(r->errors->len, >, 0);
        for (guint i = 0; i < r->errors->len; i++)
            g_test_message("note: %s", (char *)r->errors->pdata[i]);
        g_assert_nonnull(r->signature);
        coroner_crash_record_free(r);
    }
}

/* Another program now sits at the executable's path: it must not lend its names to the frames. */
static void test_exe_replaced(void)
{
    g_autofree char *copy = g_build_filename(test_tmpdir(), "crash-replaced", NULL);
    g_autofree char *exe = NULL, *other = NULL;
    gsize length, other_length;
    g_assert_true(g_file_get_contents(test_path("CRASH_C"), &exe, &length, NULL));
    g_assert_true(g_file_set_contents(copy, exe, (gssize)length, NULL));
    g_assert_cmpint(chmod(copy, 0755), ==, 0);
    int pid = 0;
    g_autofree char *core = test_make_core("replaced-segv", &pid, copy, "segv", NULL);
    g_assert_true(g_file_get_contents(test_path("CRASH_CXX"), &other, &other_length, NULL));
    g_assert_true(g_file_set_contents(copy, other, (gssize)other_length, NULL));
    for (int sandboxed = 0; sandboxed <= 1; sandboxed++) {
        CoronerCrashRecord *r = NULL;
        g_assert_true(try_symbolize(core, copy, sandboxed, &r, NULL));
        const CoronerThread *t = r->threads->pdata[0];
        for (guint i = 0; i < t->frames->len; i++) {
            const char *f = ((CoronerFrame *)t->frames->pdata[i])->function;
            g_assert_true(f == NULL || !g_str_has_prefix(f, "ns::"));
        }
        gboolean noted = FALSE;
        for (guint i = 0; i < r->errors->len; i++)
            noted = noted || strstr(r->errors->pdata[i], "was not used") != NULL;
        g_assert_true(noted);
        coroner_crash_record_free(r);
    }
}

static const CoronerTestCase tests[] = {
    {"/hostile/empty", test_empty},
    {"/hostile/random-and-not-core", test_random_and_not_core},
    {"/hostile/truncated", test_truncated},
    {"/hostile/corrupt", test_corrupt},
    {"/hostile/exe-deleted", test_exe_deleted},
    {"/hostile/exe-replaced", test_exe_replaced},
};

CORONER_TEST_MAIN(tests)
