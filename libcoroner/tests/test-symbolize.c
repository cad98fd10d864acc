/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The symbolizer on real kernel cores of programs with known call chains:
 * functions in order, file:line, inlined frames, C++ demangling, threads,
 * signal details, signatures across ASLR, and the sandbox.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "backtrace-format.h"
#include "signature.h"
#include "symbolize.h"
#include "test-util.h"
#include "coroner-test.h"

static const CoronerThread *crashed(const CoronerCrashRecord *r)
{
    g_assert_cmpuint(r->threads->len, >, 0);
    const CoronerThread *t = r->threads->pdata[0];
    g_assert_true(t->crashed);
    return t;
}

static void test_c_segv(void)
{
    int pid = 0;
    g_autoptr(CoronerCrashRecord) r = test_program_record("CRASH_C", "segv", &pid, NULL);
    const CoronerThread *t = crashed(r);
    g_assert_cmpint(t->tid, ==, pid);
    static const TestFrame frames[] = {
        {"crash_write", "crash_write", FALSE},
        {"inlined_helper", "inlined_helper", TRUE},
        {"outer_function", "outer_function", FALSE},
        {"run_segv", "run_segv", FALSE},
        {"main", NULL, FALSE},
    };
    test_assert_frames(t, 0, "crash-c.c", "CRASH_C_SOURCE", frames, G_N_ELEMENTS(frames));
    /* The inlined frame and its caller share a PC; their module offsets are ASLR-free. */
    const CoronerFrame *f1 = t->frames->pdata[1], *f2 = t->frames->pdata[2];
    g_assert_cmpuint(f1->pc, ==, f2->pc);
    g_assert_true(g_str_has_suffix(f2->module, "crash-c"));
    g_assert_cmpuint(f2->module_offset, <, 0x100000);

    g_assert_cmpint(r->signal.number, ==, SIGSEGV);
    g_assert_true(r->signal.has_code);
    g_assert_cmpint(r->signal.code, ==, SEGV_MAPERR);
    g_assert_true(r->signal.has_address);
    g_assert_cmpuint(r->signal.address, ==, 0);

    g_assert_nonnull(r->signature);
    g_assert_cmpuint(strlen(r->signature), ==, 16);
    g_assert_cmpfloat(r->backtrace_quality, >, 0.9);
    gboolean found_exe = FALSE;
    for (guint i = 0; i < r->modules->len; i++) {
        const CoronerModule *m = r->modules->pdata[i];
        if (m->path && g_str_has_suffix(m->path, "crash-c")) {
            found_exe = TRUE;
            g_assert_true(m->has_debug_info);
            g_assert_nonnull(m->build_id);
            g_assert_cmpuint(m->start, <, m->end);
        }
    }
    g_assert_true(found_exe);
    g_autofree char *text = coroner_backtrace_format(r, 4);
    g_test_message("%s", text);
    g_assert_nonnull(strstr(text, "crash_write (crash-c + 0x"));
}

static void test_c_abort(void)
{
    g_autoptr(CoronerCrashRecord) r = test_program_record("CRASH_C", "abort", NULL, NULL);
    const CoronerThread *t = crashed(r);
    int a = test_find_frame(t, 0, "abort");
    g_assert_cmpint(a, >=, 0);
    static const TestFrame frames[] = {
        {"check_invariant", "check_invariant", TRUE},
        {"validate_input", "validate_input", FALSE},
        {"run_abort", "run_abort", FALSE},
        {"main", NULL, FALSE},
    };
    test_assert_frames(t, a + 1, "crash-c.c", "CRASH_C_SOURCE", frames, G_N_ELEMENTS(frames));
    g_assert_cmpint(r->signal.number, ==, SIGABRT);
    g_assert_true(r->signal.has_code);
    g_assert_cmpint(r->signal.code, ==, SI_TKILL);
    g_assert_false(r->signal.has_address);
}

static void test_c_threads(void)
{
    int pid = 0;
    g_autofree char *core = test_program_core("CRASH_C", "threads", &pid);
    g_autoptr(CoronerCrashRecord) r = test_symbolize(core, test_path("CRASH_C"), pid);
    g_assert_cmpuint(r->threads->len, ==, 5);
    const CoronerThread *t = crashed(r);
    g_assert_cmpint(t->tid, ==, pid);
    test_assert_frame(t, 0, "crash_write", "crash-c.c", 0, FALSE);
    test_assert_frame(t, 2, "outer_function", "crash-c.c", 0, FALSE);
    test_assert_frame(t, 3, "run_threads", "crash-c.c",
                      test_mark_line("CRASH_C_SOURCE", "run_threads"), FALSE);
    int64_t worker_tid = 0;
    for (guint i = 1; i < r->threads->len; i++) {
        const CoronerThread *w = r->threads->pdata[i];
        g_assert_false(w->crashed);
        int p = test_find_frame(w, 0, "park_worker");
        g_assert_cmpint(p, >=, 0);
        test_assert_frame(w, p + 1, "worker_main", "crash-c.c", 0, FALSE);
        worker_tid = w->tid;
    }

    /* Names from /proc, and a crashing thread other than the first NT_PRSTATUS. */
    CoronerSymbolizeOptions o;
    test_offline_options(&o);
    g_autoptr(CoronerCrashRecord) r2 = coroner_crash_record_new();
    r2->process.tid = worker_tid;
    CoronerThreadName *n = g_new0(CoronerThreadName, 1);
    n->tid = worker_tid;
    n->name = g_strdup("worker-x");
    g_ptr_array_add(r2->process.threads, n);
    g_autoptr(GError) error = NULL;
    g_assert_true(test_symbolize_file(core, test_path("CRASH_C"), &o, r2, &error));
    const CoronerThread *first = crashed(r2);
    g_assert_cmpint(first->tid, ==, worker_tid);
    g_assert_cmpstr(first->name, ==, "worker-x");
    g_assert_cmpuint(r2->threads->len, ==, 5);

    /* The thread cap keeps the crashing thread. */
    o.max_threads = 1;
    g_autoptr(CoronerCrashRecord) r3 = coroner_crash_record_new();
    r3->process.tid = worker_tid;
    g_assert_true(test_symbolize_file(core, test_path("CRASH_C"), &o, r3, &error));
    g_assert_cmpuint(r3->threads->len, <=, 2);
    g_assert_cmpint(crashed(r3)->tid, ==, worker_tid);

    /* The frame cap. */
    o.max_threads = 256;
    o.max_frames = 2;
    g_autoptr(CoronerCrashRecord) r4 = coroner_crash_record_new();
    g_assert_true(test_symbolize_file(core, test_path("CRASH_C"), &o, r4, &error));
    for (guint i = 0; i < r4->threads->len; i++)
        g_assert_cmpuint(((CoronerThread *)r4->threads->pdata[i])->frames->len, <=, 2);
}

static void test_cxx(void)
{
    g_autoptr(CoronerCrashRecord) r = test_program_record("CRASH_CXX", "segv", NULL, NULL);
    const CoronerThread *t = crashed(r);
    g_autofree char *text = coroner_backtrace_format(r, 1);
    g_test_message("%s", text);
    static const TestFrame frames[] = {
        {"ns::detail::store(int* volatile*, int)", "store", FALSE},
        {"ns::poke", "poke", TRUE},
        {"ns::Klass::method(int)", "method", FALSE},
        {"int ns::apply<ns::Klass>(ns::Klass&, int)", "apply", FALSE},
        {"main", "main_segv", FALSE},
    };
    test_assert_frames(t, 0, "crash-cxx.cc", "CRASH_CXX_SOURCE", frames, G_N_ELEMENTS(frames));
    g_assert_cmpuint(r->threads->len, ==, 4);
    for (guint i = 1; i < r->threads->len; i++)
        g_assert_cmpint(test_find_frame(r->threads->pdata[i], 0, "park"), >=, 0);
}

static void test_cxx_throw(void)
{
    g_autoptr(CoronerCrashRecord) r = test_program_record("CRASH_CXX", "throw", NULL, NULL);
    const CoronerThread *t = crashed(r);
    g_autofree char *text = coroner_backtrace_format(r, 1);
    g_test_message("%s", text);
    int th = test_find_frame(t, 0, "ns::thrower(int)");
    g_assert_cmpint(th, >, 0);
    test_assert_frame(t, th, "ns::thrower(int)", "crash-cxx.cc",
                      test_mark_line("CRASH_CXX_SOURCE", "thrower"), FALSE);
    /* The signature starts below the terminate/abort machinery. */
    for (int i = 0; i < th; i++) {
        const CoronerFrame *f = t->frames->pdata[i];
        g_test_message("machinery? %s", f->function ? f->function : "??");
    }
}

static void test_signature(void)
{
    int pid2 = 0;
    g_autoptr(CoronerCrashRecord) r1 = test_program_record("CRASH_C", "segv", NULL, NULL);
    g_autofree char *core2 =
        test_make_core("c-segv-again", &pid2, test_path("CRASH_C"), "segv", NULL);
    g_autoptr(CoronerCrashRecord) r2 = test_symbolize(core2, test_path("CRASH_C"), pid2);
    g_autoptr(CoronerCrashRecord) r3 = test_program_record("CRASH_C", "abort", NULL, NULL);
    /* ASLR really moved the program between the two crashes. */
    const CoronerFrame *a = crashed(r1)->frames->pdata[0], *b = crashed(r2)->frames->pdata[0];
    g_assert_cmpuint(a->pc, !=, b->pc);
    g_assert_cmpuint(a->module_offset, ==, b->module_offset);
    g_assert_cmpstr(r1->signature, ==, r2->signature);
    g_assert_cmpstr(r1->signature, !=, r3->signature);

    g_autoptr(CoronerCrashRecord) cxx1 = test_program_record("CRASH_CXX", "segv", NULL, NULL);
    g_assert_cmpstr(cxx1->signature, !=, r1->signature);
}

static void test_sandboxed(void)
{
    int pid = 0;
    g_autofree char *core = test_program_core("CRASH_C", "threads", &pid);
    g_autoptr(CoronerCrashRecord) direct = test_symbolize(core, test_path("CRASH_C"), pid);
    CoronerSymbolizeOptions o;
    test_offline_options(&o);
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    r->process.tid = pid;
    r->signal.number = SIGSEGV;
    r->signal.name = g_strdup("SEGV");
    g_autoptr(GError) error = NULL;
    /* As root, the child becomes nobody (65534), who can still read the fd it inherited. */
    gboolean ok =
        test_symbolize_file_sandboxed(core, test_path("CRASH_C"), &o, 65534, 65534, r, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_cmpuint(r->threads->len, ==, direct->threads->len);
    g_assert_cmpstr(r->signature, ==, direct->signature);
    g_assert_cmpfloat(r->backtrace_quality, ==, direct->backtrace_quality);
    g_assert_cmpuint(r->modules->len, ==, direct->modules->len);
    g_assert_true(r->signal.has_code);
    test_assert_frame(crashed(r), 1, "inlined_helper", "crash-c.c", 0, TRUE);
}

/*
 * libdwfl names a core's libraries by soname ("libc.so.6").  A record without
 * /proc maps (a core from elsewhere) gets the files the process mapped from
 * the core's NT_FILE note: the dbgsym hint and in_app need the full path.
 */
static void test_module_paths_from_core(void)
{
    g_autoptr(CoronerCrashRecord) r = test_program_record("CRASH_C", "segv", NULL, NULL);
    const CoronerThread *t = crashed(r);
    const char *libc = NULL;

    g_assert_null(r->process.proc_maps);
    for (guint i = 0; i < t->frames->len; i++) {
        const CoronerFrame *f = t->frames->pdata[i];
        g_test_message("#%u %s in %s", i, f->function ? f->function : "?",
                       f->module ? f->module : "?");
        g_assert_nonnull(f->module);
        g_assert_true(g_path_is_absolute(f->module));
        if (g_str_has_suffix(f->module, "/libc.so.6"))
            libc = f->module;
    }
    g_assert_nonnull(libc);
    g_assert_true(g_file_test(libc, G_FILE_TEST_EXISTS));
    gboolean listed = FALSE;
    for (guint i = 0; i < r->modules->len; i++) {
        const CoronerModule *m = r->modules->pdata[i];
        listed = listed || g_strcmp0(m->path, libc) == 0;
        g_assert_false(g_str_equal(m->path ? m->path : "", "libc.so.6"));
    }
    g_assert_true(listed);
}

/*
 * A child that cannot finish in time is killed: 5 ms is far less than
 * loading libc's debug info takes, so the parent's deadline always fires.
 */
static void test_sandbox_timeout(void)
{
    int pid = 0;
    g_autofree char *core = test_program_core("CRASH_C", "threads", &pid);
    CoronerSymbolizeOptions o;
    test_offline_options(&o);
    o.timeout_ms = 5;
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();
    gboolean ok =
        test_symbolize_file_sandboxed(core, test_path("CRASH_C"), &o, 65534, 65534, r, &error);
    gint64 took = (g_get_monotonic_time() - start) / 1000;
    g_assert_false(ok);
    g_assert_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_TIMEOUT);
    g_assert_nonnull(r->backtrace_error);
    g_assert_cmpuint(r->threads->len, ==, 0);
    g_assert_cmpint(took, <, 500);
}

/* A pipe is no core: a clean error from the child, not a hang. */
static void test_sandbox_pipe(void)
{
    int fds[2];
    g_assert_cmpint(pipe(fds), ==, 0);
    CoronerSymbolizeOptions o;
    coroner_symbolize_options_init(&o);
    o.timeout_ms = 2000;
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    g_autoptr(GError) error = NULL;
    gboolean ok = coroner_symbolize_sandboxed(fds[0], NULL, &o, 65534, 65534, r, &error);
    g_assert_false(ok);
    g_assert_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NOT_CORE);
    /* No options are the defaults: the same answer, sandboxed and in-process. */
    g_clear_error(&error);
    g_assert_false(coroner_symbolize_sandboxed(fds[0], NULL, NULL, 65534, 65534, r, &error));
    g_assert_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NOT_CORE);
    g_clear_error(&error);
    g_assert_false(coroner_symbolize_core_fd(fds[0], NULL, NULL, r, &error));
    g_assert_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NOT_CORE);
    close(fds[0]);
    close(fds[1]);
}

/* A child that runs out of memory dies (or fails) cleanly, as far as the caller can tell. */
static void test_sandbox_memory(void)
{
    int pid = 0;
    g_autofree char *core = test_program_core("CRASH_C", "threads", &pid);
    CoronerSymbolizeOptions o;
    test_offline_options(&o);
    o.memory_limit = 64 * 1024;
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    g_autoptr(GError) error = NULL;
    gboolean ok =
        test_symbolize_file_sandboxed(core, test_path("CRASH_C"), &o, 65534, 65534, r, &error);
    /* Whether the child's heap still had room is up to malloc: either outcome is clean. */
    g_test_message("64 KiB of memory: %s", ok ? "symbolized within it" : error->message);
    if (!ok) {
        g_assert_true(error->domain == CORONER_SYMBOLIZE_ERROR);
        g_assert_nonnull(r->backtrace_error);
    }
}

/*
 * The sandbox leaves an inflated copy of each compressed debug file it used in
 * the debuginfo cache; the next run reads that copy and gives the same result.
 */
static void test_debuginfo_cache(void)
{
    int pid = 0;
    g_autofree char *core = test_program_core("CRASH_C", "abort", &pid);
    /* Only worth testing where some debug file on the backtrace is compressed (libc6-dbg). */
    g_autofree char *cache = g_build_filename(test_tmpdir(), "debuginfo-cache", NULL);
    g_setenv("CORONER_DEBUGINFO_CACHE", cache, TRUE);
    CoronerSymbolizeOptions o;
    test_offline_options(&o);
    g_autoptr(CoronerCrashRecord) first = coroner_crash_record_new();
    g_autoptr(GError) error = NULL;
    /* Our own uid: the cache directory is ours. */
    g_assert_true(test_symbolize_file_sandboxed(core, test_path("CRASH_C"), &o, getuid(), getgid(),
                                                first, &error));
    g_autofree char *cached = NULL;
    for (int i = 0; i < 100 && !cached; i++) {
        g_autoptr(GDir) top = g_dir_open(cache, 0, NULL);
        const char *sub = top ? g_dir_read_name(top) : NULL;
        if (sub) {
            g_autofree char *subdir = g_build_filename(cache, sub, NULL);
            g_autoptr(GDir) d = g_dir_open(subdir, 0, NULL);
            const char *name = d ? g_dir_read_name(d) : NULL;
            if (name && g_str_has_suffix(name, ".debug"))
                cached = g_build_filename(subdir, name, NULL);
        }
        if (!cached)
            g_usleep(100 * 1000);
    }
    if (!cached) {
        g_unsetenv("CORONER_DEBUGINFO_CACHE");
        g_test_skip("no compressed debug info on this backtrace (libc6-dbg not installed?)");
        return;
    }
    g_test_message("cached %s", cached);
    g_autoptr(CoronerCrashRecord) second = coroner_crash_record_new();
    g_assert_true(test_symbolize_file_sandboxed(core, test_path("CRASH_C"), &o, getuid(), getgid(),
                                                second, &error));
    g_unsetenv("CORONER_DEBUGINFO_CACHE");
    g_autofree char *a = coroner_backtrace_format(first, G_MAXUINT);
    g_autofree char *b = coroner_backtrace_format(second, G_MAXUINT);
    g_assert_cmpstr(a, ==, b);
    g_assert_cmpstr(first->signature, ==, second->signature);
}

static const CoronerTestCase tests[] = {
    {"/symbolize/c/segv", test_c_segv},
    {"/symbolize/c/abort", test_c_abort},
    {"/symbolize/c/threads", test_c_threads},
    {"/symbolize/cxx/segv", test_cxx},
    {"/symbolize/cxx/throw", test_cxx_throw},
    {"/symbolize/signature/aslr", test_signature},
    {"/symbolize/module-paths/nt-file", test_module_paths_from_core},
    {"/symbolize/sandbox/result", test_sandboxed},
    {"/symbolize/sandbox/timeout", test_sandbox_timeout},
    {"/symbolize/sandbox/pipe", test_sandbox_pipe},
    {"/symbolize/sandbox/memory", test_sandbox_memory},
    {"/symbolize/sandbox/debuginfo-cache", test_debuginfo_cache},
};

CORONER_TEST_MAIN(tests)
