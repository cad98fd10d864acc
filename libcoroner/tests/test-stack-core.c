/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stack core, built from real kernel cores fed in random chunk sizes as
 * the handler's pipe would: the same backtrace as the full core (ours and
 * eu-stack's), a fraction of its size, and graceful degradation on cores it
 * cannot use (notes after the memory as gcore writes them, garbage, a cap).
 */
#include <elf.h>
#include <fcntl.h>
#include <errno.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array-grow.h"
#include "stack-core.h"
#include "symbolize.h"
#include "test-util.h"
#include "coroner-test.h"
#include "coroner-test-record.h"

/* Feeds path into a new stack core in chunks of random size (seed) or of chunk bytes. */
static char *build_stack_core(const char *path, guint32 seed, gsize chunk, uint64_t max_bytes,
                              char **ret_warning)
{
    gsize length = 0;
    g_autofree guint8 *data = test_read_file(path, &length);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *file = g_strdup_printf("%s.%u.%zu.stack", base, seed, chunk);
    g_autofree char *name = g_build_filename(test_tmpdir(), file, NULL);
    int fd = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_assert_cmpint(fd, >=, 0);
    CoronerStackCore *sc = coroner_stack_core_new(fd, max_bytes);
    g_assert_nonnull(sc);
    g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
    gsize at = 0;
    while (at < length) {
        gsize n =
            chunk ? chunk : (gsize)g_rand_int_range(rand, 1, g_rand_boolean(rand) ? 64 : 200000);
        n = MIN(n, length - at);
        g_assert_cmpint(coroner_stack_core_feed(sc, data + at, n), ==, 0);
        at += n;
    }
    g_assert_cmpint(coroner_stack_core_finish(sc, length), ==, 0);
    if (ret_warning)
        *ret_warning = g_strdup(coroner_stack_core_warning(sc));
    coroner_stack_core_free(sc);
    struct stat st;
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, (off_t)length);
    close(fd);
    return g_steal_pointer(&name);
}

static void assert_same_backtrace(const CoronerCrashRecord *a, const CoronerCrashRecord *b)
{
    g_assert_cmpuint(a->threads->len, ==, b->threads->len);
    for (guint i = 0; i < a->threads->len; i++) {
        const CoronerThread *x = a->threads->pdata[i], *y = b->threads->pdata[i];
        coroner_test_assert_same_fields(x, y, &coroner_fields_thread);
        g_assert_cmpuint(x->frames->len, ==, y->frames->len);
        for (guint j = 0; j < x->frames->len; j++)
            coroner_test_assert_same_fields(x->frames->pdata[j], y->frames->pdata[j],
                                            &coroner_fields_frame);
    }
    g_assert_cmpuint(a->modules->len, ==, b->modules->len);
    for (guint i = 0; i < a->modules->len; i++)
        coroner_test_assert_same_fields(a->modules->pdata[i], b->modules->pdata[i],
                                        &coroner_fields_module);
    g_assert_cmpstr(a->signature, ==, b->signature);
    g_assert_cmpint(a->signal.code, ==, b->signal.code);
    g_assert_cmpuint(a->signal.address, ==, b->signal.address);
}

typedef struct {
    const char *name;
    const char *program_variable;
    const char *mode;
} CoreCase;

static const CoreCase cases[] = {
    {"c-segv", "CRASH_C", "segv"},       {"c-abort", "CRASH_C", "abort"},
    {"c-threads", "CRASH_C", "threads"}, {"cxx-segv", "CRASH_CXX", "segv"},
    {"cxx-throw", "CRASH_CXX", "throw"},
};

static void test_same_backtrace(gconstpointer data)
{
    const CoreCase *c = data;
    const char *exe = test_path(c->program_variable);
    int pid = 0;
    g_autofree char *core = test_make_core(c->name, &pid, exe, c->mode, NULL);
    g_autoptr(CoronerCrashRecord) full = test_symbolize(core, exe, pid);
    g_autofree char *eu_full = test_eu_stack(core, exe);
    struct stat core_st;
    g_assert_cmpint(stat(core, &core_st), ==, 0);
    for (guint32 seed = 1; seed <= 3; seed++) {
        g_autofree char *warning = NULL;
        g_autofree char *stack = build_stack_core(core, seed, 0, (uint64_t)64 << 20, &warning);
        g_assert_null(warning);
        g_autoptr(CoronerCrashRecord) small = test_symbolize(stack, exe, pid);
        assert_same_backtrace(full, small);
        g_autofree char *eu_small = test_eu_stack(stack, exe);
        g_assert_cmpstr(eu_full, ==, eu_small);
        struct stat st;
        g_assert_cmpint(stat(stack, &st), ==, 0);
        g_test_message("%s seed %u: core %jd bytes, stack core %jd bytes on disk (%.1f%%)", c->name,
                       seed, (intmax_t)core_st.st_size, (intmax_t)st.st_blocks * 512,
                       100.0 * (double)st.st_blocks * 512 / (double)core_st.st_size);
        /* Small cores are mostly the small segments kept whole; the bench has a big one. */
        g_assert_cmpint(st.st_blocks * 512, <, 1 << 20);
        if (core_st.st_size > 4 << 20)
            g_assert_cmpint(st.st_blocks * 512, <, core_st.st_size / 4);
        unlink(stack);
    }
}

/* A 1-byte chunk at a time is the most hostile way to deliver the same core. */
static void test_byte_chunks(void)
{
    int pid = 0;
    g_autofree char *core = test_program_core("CRASH_C", "segv", &pid);
    g_autoptr(CoronerCrashRecord) full = test_symbolize(core, test_path("CRASH_C"), pid);
    g_autofree char *stack = build_stack_core(core, 0, 1, (uint64_t)64 << 20, NULL);
    g_autoptr(CoronerCrashRecord) small = test_symbolize(stack, test_path("CRASH_C"), pid);
    assert_same_backtrace(full, small);
}

/* gdb's gcore puts the notes after the memory: a valid core with a warning, no stacks. */
static void test_gcore_notes_last(void)
{
    g_autofree char *gcore = g_find_program_in_path("gcore");
    if (!gcore) {
        g_test_skip("no gcore");
        return;
    }
    GPid child;
    const char *argv[] = {test_path("CRASH_C"), "sleep", NULL};
    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                    G_SPAWN_STDERR_TO_DEV_NULL,
                                NULL, NULL, &child, NULL));
    g_usleep(300 * 1000);
    g_autofree char *prefix = g_build_filename(test_tmpdir(), "gcore", NULL);
    g_autofree char *pid_text = g_strdup_printf("%d", child);
    const char *gargv[] = {gcore, "-o", prefix, pid_text, NULL};
    int status;
    gboolean ok = g_spawn_sync(NULL, (char **)gargv, NULL,
                               G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, NULL);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    g_autofree char *core = g_strdup_printf("%s.%d", prefix, child);
    if (!ok || !g_file_test(core, G_FILE_TEST_EXISTS)) {
        g_test_skip("gcore could not attach (ptrace restricted?)");
        return;
    }
    g_autofree char *warning = NULL;
    g_autofree char *stack = build_stack_core(core, 7, 0, (uint64_t)64 << 20, &warning);
    g_test_message("gcore: %s", warning ? warning : "(no warning)");
    g_assert_nonnull(warning);
    g_assert_nonnull(strstr(warning, "notes come after"));
    /* Still a core libdwfl reads: threads and modules, if not full stacks. */
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    CoronerSymbolizeOptions o;
    test_offline_options(&o);
    g_autoptr(GError) error = NULL;
    gboolean sym =
        test_symbolize_file_sandboxed(stack, test_path("CRASH_C"), &o, 65534, 65534, r, &error);
    g_test_message("gcore stack core: %s", sym ? "symbolized" : error->message);
    if (sym)
        g_assert_cmpuint(r->modules->len, >, 0);
    unlink(core);
}

static void feed_all(const guint8 *data, gsize length, char **ret_warning, uint64_t *ret_written)
{
    g_autofree char *name = g_build_filename(test_tmpdir(), "garbage.stack", NULL);
    int fd = open(name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CoronerStackCore *sc = coroner_stack_core_new(fd, 1 << 20);
    for (gsize at = 0; at < length; at += 1000)
        g_assert_cmpint(coroner_stack_core_feed(sc, data + at, MIN(1000, length - at)), ==, 0);
    g_assert_cmpint(coroner_stack_core_finish(sc, 0), ==, 0);
    *ret_warning = g_strdup(coroner_stack_core_warning(sc));
    *ret_written = coroner_stack_core_bytes_written(sc);
    coroner_stack_core_free(sc);
    close(fd);
    unlink(name);
}

/* Garbage in: no crash, no error (input problems are not write errors), a warning. */
static void test_garbage(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(42);
    guint8 noise[100000];
    for (gsize i = 0; i < sizeof noise; i++)
        noise[i] = (guint8)g_rand_int(rand);
    g_autofree char *warning = NULL;
    uint64_t written = 0;
    feed_all(noise, sizeof noise, &warning, &written);
    g_assert_nonnull(warning);
    g_assert_cmpuint(written, ==, 0);
    g_clear_pointer(&warning, g_free);
    feed_all(noise, 0, &warning, &written);
    g_assert_nonnull(warning);

    /* A valid header announcing absurd segments, then noise. */
    Elf64_Ehdr eh = {0};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_type = ET_CORE;
    eh.e_machine = EM_X86_64;
    eh.e_phoff = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 3;
    Elf64_Phdr ph[3] = {
        {.p_type = PT_NOTE, .p_offset = 4096, .p_filesz = 50000},
        {.p_type = PT_LOAD, .p_offset = UINT64_MAX - 10, .p_filesz = 100, .p_vaddr = 1 << 20},
        {.p_type = PT_LOAD,
         .p_offset = 60000,
         .p_filesz = UINT64_MAX / 2,
         .p_vaddr = UINT64_MAX - 5},
    };
    memcpy(noise, &eh, sizeof eh);
    memcpy(noise + sizeof eh, ph, sizeof ph);
    g_clear_pointer(&warning, g_free);
    feed_all(noise, sizeof noise, &warning, &written);
    g_assert_cmpuint(written, <=, 1 << 20);
}

/* The byte cap stops keeping data, with a warning; a failing write is an error. */
static void test_cap_and_write_error(void)
{
    int pid = 0;
    g_autofree char *core = test_program_core("CRASH_C", "threads", &pid);
    g_autofree char *warning = NULL;
    g_autofree char *stack = build_stack_core(core, 3, 0, 16384, &warning);
    g_assert_nonnull(warning);
    g_assert_nonnull(strstr(warning, "cap"));
    struct stat st;
    g_assert_cmpint(stat(stack, &st), ==, 0);
    g_assert_cmpint(st.st_blocks * 512, <=, 16384 + 4096);

    gsize length = 0;
    g_autofree guint8 *data = test_read_file(core, &length);
    int ro = open(stack, O_RDONLY | O_CLOEXEC);
    CoronerStackCore *sc = coroner_stack_core_new(ro, 1 << 30);
    int r = coroner_stack_core_feed(sc, data, length);
    g_assert_cmpint(r, ==, -EBADF);
    g_assert_cmpint(coroner_stack_core_feed(sc, data, 10), ==, -EBADF);
    g_assert_cmpint(coroner_stack_core_finish(sc, length), ==, -EBADF);
    coroner_stack_core_free(sc);
    close(ro);
    coroner_stack_core_free(NULL);
}

/* The doubling array the stack core and the minimal core keep their ranges in. */
static void test_array_grow(void)
{
    size_t cap = 0;
    uint64_t *items = coroner_array_grow(NULL, 0, &cap, sizeof *items);
    g_assert_nonnull(items);
    g_assert_cmpuint(cap, ==, 64);
    for (size_t n = 0; n < 200; n++) {
        uint64_t *same = coroner_array_grow(items, n, &cap, sizeof *items);
        g_assert_nonnull(same);
        g_assert_cmpuint(cap, >, n);
        items = same;
        items[n] = n;
    }
    g_assert_cmpuint(cap, ==, 256);
    for (size_t n = 0; n < 200; n++)
        g_assert_cmpuint(items[n], ==, n);
    /* What cannot be allocated leaves the array as it was. */
    size_t huge = SIZE_MAX / 16;
    g_assert_null(coroner_array_grow(items, huge, &huge, 16));
    g_assert_cmpuint(huge, ==, SIZE_MAX / 16);
    free(items);
}

static const CoronerTestCase tests[] = {
    {"/stack-core/byte-chunks", test_byte_chunks},
    {"/stack-core/gcore-notes-last", test_gcore_notes_last},
    {"/stack-core/garbage", test_garbage},
    {"/stack-core/cap-and-write-error", test_cap_and_write_error},
    {"/stack-core/array-grow", test_array_grow},
};

CORONER_TEST_MAIN_EACH("/stack-core/same-backtrace", cases, test_same_backtrace, tests)
