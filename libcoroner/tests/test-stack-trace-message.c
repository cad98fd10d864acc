/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd-coredump's stack trace (a journal entry's MESSAGE) read back into a record. */
#include <string.h>

#include "backtrace-format.h"
#include "coroner-test-record.h"
#include "coroner-test.h"
#include "stack-trace-message.h"

/* As systemd 252 (Debian 12) writes it, with a C++ frame and unknown names. */
static const char message[] =
    "Process 4242 (crasher) of user 1000 dumped core.\n"
    "\n"
    "Module linux-vdso.so.1 with build-id 5B1A3F0E9D3C2B1A0F9E8D7C6B5A49382716A5B4\n"
    "Module libc.so.6 with build-id 8f1f4c1fd0d48fc2d9e2f3c0a35d8ad2d3c1b7e1\n"
    "Metadata for module libc.so.6 owned by FDO found: {}\n"
    "Stack trace of thread 4242:\n"
    "#0  0x00007f3b1c0a9e2c __pthread_kill_implementation (libc.so.6 + 0x8ae2c)\n"
    "#1  0x000055d0f00011a9 Widget::paint(Painter&) const (crasher + 0x11a9)\n"
    "#2  0x000055d0f0001000 n/a (n/a + 0x0)\n"
    "#3  0x000055d0f0001200 (anonymous namespace)::crash() (crasher + 0x1200)\n"
    "#4  0x000055d0f0001300 std::function<void ()>::operator()() const (crasher + 0x1300)\n"
    "\n"
    "Stack trace of thread 4243:\n"
    "#0  0x00007f3b1c0f5d7f clock_nanosleep (libc.so.6 + 0xd6d7f)   \n"
    "#1  0x00007f3b1c0fa2e3 this line has no module part\n"
    "ELF object binary architecture: AMD x86-64\n";

static void assert_frame(const CoronerFrame *f, uint64_t pc, const char *function,
                         const char *module, uint64_t offset)
{
    g_assert_cmphex(f->pc, ==, pc);
    g_assert_cmpstr(f->function, ==, function);
    g_assert_cmpstr(f->module, ==, module);
    g_assert_cmphex(f->module_offset, ==, offset);
}

static void test_systemd_layout(void)
{
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    g_assert_cmpuint(coroner_parse_stack_trace_message(message, r), ==, 6);

    g_assert_cmpuint(r->threads->len, ==, 2);
    const CoronerThread *first = r->threads->pdata[0], *second = r->threads->pdata[1];
    g_assert_cmpint(first->tid, ==, 4242);
    g_assert_true(first->crashed);
    g_assert_false(second->crashed);
    g_assert_cmpuint(first->frames->len, ==, 5);
    assert_frame(first->frames->pdata[0], 0x7f3b1c0a9e2c, "__pthread_kill_implementation",
                 "libc.so.6", 0x8ae2c);
    assert_frame(first->frames->pdata[1], 0x55d0f00011a9, "Widget::paint(Painter&) const",
                 "crasher", 0x11a9);
    assert_frame(first->frames->pdata[2], 0x55d0f0001000, NULL, NULL, 0);
    assert_frame(first->frames->pdata[3], 0x55d0f0001200, "(anonymous namespace)::crash()",
                 "crasher", 0x1200);
    assert_frame(first->frames->pdata[4], 0x55d0f0001300,
                 "std::function<void ()>::operator()() const", "crasher", 0x1300);
    g_assert_cmpuint(second->frames->len, ==, 1);
    assert_frame(second->frames->pdata[0], 0x7f3b1c0f5d7f, "clock_nanosleep", "libc.so.6",
                 0xd6d7f);

    g_assert_cmpuint(r->modules->len, ==, 2);
    const CoronerModule *vdso = r->modules->pdata[0];
    g_assert_cmpstr(vdso->path, ==, "linux-vdso.so.1");
    g_assert_cmpstr(vdso->build_id, ==, "5b1a3f0e9d3c2b1a0f9e8d7c6b5a49382716a5b4");
    g_assert_null(r->errors->len ? r->errors->pdata[0] : NULL);
}

static void test_not_frames(void)
{
    static const char *const lines[] = {
        "Stack trace of thread 1:",
        "#0 0x1234 f (m + 0x1",       /* no ")" */
        "#0 0x1234 f (m + 1)",        /* offset without 0x */
        "#0 0x1234 f m + 0x1)",       /* no "(" */
        "#0 0x1234 f(m + 0x1)",       /* no space before "(" */
        "#0 0x1234 (m + 0x1)",        /* no function, not even n/a */
        "#x 0x1234 f (m + 0x1)",      /* frame number */
        "#0 1234 f (m + 0x1)",        /* pc without 0x */
        "#0 0x12g4 f (m + 0x1)",      /* pc */
        "Stack trace of thread x:",   /* thread id */
        "Module  with build-id 12ab", /* no path */
        "Module m with build-id zz",  /* build-id */
        NULL,
    };
    g_autofree char *text = g_strjoinv("\n", (char **)lines);
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    g_assert_cmpuint(coroner_parse_stack_trace_message(text, r), ==, 0);
    g_assert_cmpuint(r->threads->len, ==, 1);
    g_assert_cmpuint(r->modules->len, ==, 0);
}

/* A 1 MiB frame line of spaces and parentheses: read in one pass, not backtracked over. */
static void test_long_line(void)
{
    GString *s = g_string_new("Stack trace of thread 7:\n#0  0x1 ");
    for (int i = 0; i < 1 << 18; i++)
        g_string_append(s, "( ( ");
    g_string_append(s, "f (m + 0x2)\n");
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    g_assert_cmpuint(coroner_parse_stack_trace_message(s->str, r), ==, 1);
    const CoronerThread *t = r->threads->pdata[0];
    const CoronerFrame *f = t->frames->pdata[0];
    g_assert_true(g_str_has_prefix(f->function, "( ( "));
    g_assert_true(g_str_has_suffix(f->function, "( ( f"));
    g_assert_cmpstr(f->module, ==, "m");
    g_string_free(s, TRUE);
}

/* More threads, frames and modules than a record holds: capped, and said so. */
static void test_caps(void)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < CORONER_RECORD_MAX_MODULES + 3; i++)
        g_string_append_printf(s, "Module m%u with build-id %08x\n", i, i);
    g_string_append(s, "Stack trace of thread 1:\n");
    for (guint i = 0; i < CORONER_RECORD_MAX_FRAMES + 5; i++)
        g_string_append_printf(s, "#%u  0x%x f (m + 0x1)\n", i, i);
    for (guint i = 1; i < CORONER_RECORD_MAX_THREADS + 7; i++)
        g_string_append_printf(s, "Stack trace of thread %u:\n#0  0x1 f (m + 0x1)\n", i + 1);
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    coroner_parse_stack_trace_message(s->str, r);
    g_assert_cmpuint(r->modules->len, ==, CORONER_RECORD_MAX_MODULES);
    g_assert_cmpuint(r->threads->len, ==, CORONER_RECORD_MAX_THREADS);
    g_assert_cmpuint(((CoronerThread *)r->threads->pdata[0])->frames->len, ==,
                     CORONER_RECORD_MAX_FRAMES);
    g_assert_cmpuint(r->errors->len, ==, 1);
    g_assert_cmpstr(r->errors->pdata[0], ==,
                    "the stack trace in the journal entry was cut: 7 threads, 12 frames and 3 "
                    "modules beyond the limits were left out");
    g_string_free(s, TRUE);
}

/* Our own journal entries (backtrace-format.c): thread names, source lines, inlined frames. */
static void test_our_layout(void)
{
    g_autoptr(CoronerCrashRecord) written = coroner_crash_record_new();
    CoronerThread *main_thread = coroner_test_add_thread(written, 10498, "crasher-main", TRUE);
    CoronerFrame *inlined = coroner_test_add_frame(main_thread, 0x55a7f303c80a, "crash_segv",
                                                   "/usr/bin/crasher", 0x280a, "../src/modes.c", 125);
    inlined->inlined = TRUE;
    coroner_test_add_frame(main_thread, 0x55a7f303d73b, "ns::run(int) const", "/usr/bin/crasher",
                           0x373b, "/src/a dir (copy)/run + 0x1).cc", 38);
    coroner_test_add_frame(main_thread, 0x7fa35c0d824a, NULL, "/usr/lib/libc.so.6", 0x2724a, NULL,
                           0);
    CoronerThread *worker = coroner_test_add_thread(written, 10499, "a (b):c", FALSE);
    coroner_test_add_frame(worker, 0x7fa35c0f5d7f, "clock_nanosleep", NULL, 0xd6d7f, NULL, 0);
    coroner_test_add_thread(written, 10500, NULL, FALSE);

    g_autofree char *text = coroner_backtrace_format(written, 8);
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    g_assert_cmpuint(coroner_parse_stack_trace_message(text, r), ==, 4);
    g_assert_cmpuint(r->threads->len, ==, 3);
    const CoronerThread *t0 = r->threads->pdata[0], *t1 = r->threads->pdata[1],
                        *t2 = r->threads->pdata[2];
    g_assert_cmpstr(t0->name, ==, "crasher-main");
    g_assert_cmpstr(t1->name, ==, "a (b):c");
    g_assert_null(t2->name);
    g_assert_cmpint(t2->tid, ==, 10500);
    const CoronerFrame *f0 = t0->frames->pdata[0], *f1 = t0->frames->pdata[1],
                       *f2 = t0->frames->pdata[2];
    assert_frame(f0, 0x55a7f303c80a, "crash_segv", "crasher", 0x280a);
    g_assert_cmpstr(f0->file, ==, "../src/modes.c");
    g_assert_cmpint(f0->line, ==, 125);
    g_assert_true(f0->inlined);
    assert_frame(f1, 0x55a7f303d73b, "ns::run(int) const", "crasher", 0x373b);
    g_assert_cmpstr(f1->file, ==, "/src/a dir (copy)/run + 0x1).cc");
    g_assert_cmpint(f1->line, ==, 38);
    g_assert_false(f1->inlined);
    assert_frame(f2, 0x7fa35c0d824a, NULL, "libc.so.6", 0x2724a);
    g_assert_null(f2->file);
    assert_frame(t1->frames->pdata[0], 0x7fa35c0f5d7f, "clock_nanosleep", NULL, 0xd6d7f);
}

static const CoronerTestCase tests[] = {
    {"/stack-trace-message/systemd-layout", test_systemd_layout},
    {"/stack-trace-message/our-layout", test_our_layout},
    {"/stack-trace-message/not-frames", test_not_frames},
    {"/stack-trace-message/long-line", test_long_line},
    {"/stack-trace-message/caps", test_caps},
};

CORONER_TEST_MAIN(tests)
