/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Crash tests without the kernel's core_pattern: each test runs a sample
 * crasher, stops it inside its crash handling (the --sync handler the hook
 * chains to), reads its region from /proc/PID/mem with the handler-side
 * reader, checks the metadata, then lets it die and checks it died by the
 * original signal.  tests/e2e repeats these through the real handler.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crasher-modes.h"
#include "coroner-hook-layout.h"
#include "hook-test-util.h"
#include "coroner-test.h"

typedef struct {
    const char *mode;
    gboolean cxx;
    int signo;
    int code; /* expected si_code, or NO_CODE_CHECK */
    gboolean has_address;
    const char *thread_name;
    const char *emergency_save;
    const char *output; /* expected in stdout, or NULL */
} CrashCase;

#define NO_CODE_CHECK 0x7fffffff
/* A stack overflow: the fault's own code (not the kernel's SI_KERNEL when no handler could run). */
#define OVERFLOW_CODE 0x7ffffffe

/* Frees what was read, lets the crasher stopped in its crash handling go on, and checks it died by
 * signo. */
static void release_and_reap(HookCrasher *c, CoronerAppInfo *app, int signo)
{
    coroner_app_info_free(app);
    hook_crasher_release(c);
    hook_test_assert_killed_by(hook_crasher_wait_exit(c), signo);
}

/*
 * Runs a crasher (with env, may be NULL) to its sync point and returns what
 * the reader finds, its identity checked.
 */
static CoronerAppInfo *crash_and_read(const char *binary, const char *mode, const char *const *env,
                                      HookCrasher **ret, CoronerHookCrash *crash)
{
    HookCrasher *c = hook_crasher_spawn(binary, mode, TRUE, env);
    hook_crasher_wait_crashed(c);
    g_autoptr(GError) error = NULL;
    CoronerAppInfo *app = hook_test_read_metadata(c->crashed_pid, c->crashed_pid, crash, &error);
    g_assert_no_error(error);
    hook_test_assert_crasher_metadata(app, mode);
    *ret = c;
    return app;
}

static void check_crash(const CrashCase *t, const CoronerAppInfo *app,
                        const CoronerHookCrash *crash, pid_t pid)
{
    g_assert_cmpint(crash->signal_number, ==, t->signo);
    g_assert_true(crash->has_code);
    if (t->code == OVERFLOW_CODE) {
        g_assert_true(crash->code == SEGV_MAPERR || crash->code == SEGV_ACCERR);
        g_assert_cmpuint(crash->address, !=, 0);
    } else if (t->code != NO_CODE_CHECK) {
        g_assert_cmpint(crash->code, ==, t->code);
    }
    g_assert_cmpint(crash->has_address, ==, t->has_address);
    if (t->signo == SIGSEGV && t->has_address && t->code == SEGV_MAPERR)
        g_assert_cmpuint(crash->address, ==, 16);
    if (t->thread_name)
        g_assert_cmpstr(app->crashed_thread_name, ==, t->thread_name);
    g_assert_cmpint(crash->tid, >, 0);
    if (g_strcmp0(t->thread_name, CRASHER_THREAD_NAME) == 0)
        g_assert_cmpint(crash->tid, ==, pid);
    g_assert_cmpint(crash->time_usec, >, 0);
    g_assert_cmpstr(crash->emergency_save, ==, t->emergency_save ? t->emergency_save : "none");
    /* We are reading from inside the previous handler (the --sync one). */
    g_assert_cmpstr(crash->previous_handler, ==, "called");
    g_assert_cmpuint(crash->dropped_slots, ==, 0);
    g_assert_cmpuint(crash->truncated_buffers, ==, 0);
}

static void run_case(gconstpointer data)
{
    const CrashCase *t = data;
    const char *binary = t->cxx ? hook_test_crasher_cxx_path() : hook_test_crasher_path();
    g_autoptr(HookCrasher) c = NULL;
    CoronerHookCrash crash;
    CoronerAppInfo *app = crash_and_read(binary, t->mode, NULL, &c, &crash);
    g_assert_cmpint(c->crashed_pid, ==, c->pid);
    g_assert_cmpint(c->crashed_signo, ==, t->signo);
    check_crash(t, app, &crash, c->pid);
    release_and_reap(c, app, t->signo);
    if (t->output)
        g_assert_nonnull(strstr(c->output->str, t->output));
}

static void test_two_threads(void)
{
    HookCrasher *c;
    CoronerHookCrash crash;
    CoronerAppInfo *app = crash_and_read(hook_test_crasher_path(), "two-threads", NULL, &c, &crash);
    g_assert_cmpint(crash.signal_number, ==, SIGSEGV);
    g_assert_cmpint(crash.code, ==, SEGV_MAPERR);
    /* Exactly one of them owns the report; the other waits and dies with the process. */
    g_assert_true(g_strcmp0(app->crashed_thread_name, "crasher-a") == 0 ||
                  g_strcmp0(app->crashed_thread_name, "crasher-b") == 0);
    g_assert_cmpint(crash.tid, !=, c->pid);
    release_and_reap(c, app, SIGSEGV);
    hook_crasher_free(c);
}

static gboolean all_same_char(const char *s, gsize expected_length)
{
    if (!s || strlen(s) != expected_length)
        return FALSE;
    for (const char *p = s; *p; p++)
        if (*p != s[0])
            return FALSE;
    return s[0] == 'a' || s[0] == 'b';
}

/*
 * The racer thread is killed at a random point of its set_annotation /
 * add_breadcrumb loop.  Whatever the reader returns must be whole: each value
 * all 'a' or all 'b', never a mixture; a slot caught mid-update is dropped.
 */
static void test_annotation_race(void)
{
    guint dropped = 0;
    for (int round = 0; round < 10; round++) {
        HookCrasher *c;
        CoronerHookCrash crash;
        CoronerAppInfo *app =
            crash_and_read(hook_test_crasher_path(), "annotation-race", NULL, &c, &crash);
        g_assert_cmpstr(app->crashed_thread_name, ==, "crasher-racer");
        g_assert_cmpint(crash.code, ==, SI_TKILL);
        const char *race = hook_test_annotation(app, "race");
        if (race)
            g_assert_true(all_same_char(race, 255));
        for (guint i = 0; i < app->breadcrumbs->len; i++) {
            const CoronerBreadcrumb *b = app->breadcrumbs->pdata[i];
            if (i >= 2 || (strcmp(b->message, "started") != 0 &&
                           !g_str_has_prefix(b->message, "running mode")))
                g_assert_true(all_same_char(b->message, 255));
        }
        dropped += crash.dropped_slots;
        release_and_reap(c, app, SIGSEGV);
        hook_crasher_free(c);
    }
    g_test_message("slots dropped as torn over 10 rounds: %u", dropped);
}

static void test_init_twice(void)
{
    HookCrasher *c;
    CoronerHookCrash crash;
    CoronerAppInfo *app = crash_and_read(hook_test_crasher_path(), "init-twice", NULL, &c, &crash);
    /* The second init changed nothing: the first identity stays. */
    g_assert_cmpint(crash.signal_number, ==, SIGSEGV);
    release_and_reap(c, app, SIGSEGV);
    g_autofree char *expected = g_strdup_printf("second init: %d", -EALREADY);
    g_assert_nonnull(strstr(c->output->str, expected));
    hook_crasher_free(c);
}

static void test_prev_handler(void)
{
    HookCrasher *c;
    CoronerHookCrash crash;
    CoronerAppInfo *app =
        crash_and_read(hook_test_crasher_path(), "prev-handler", NULL, &c, &crash);
    g_assert_cmpstr(crash.previous_handler, ==, "called");
    release_and_reap(c, app, SIGSEGV);
    /* The application's own handler ran, and the process still died by SIGSEGV. */
    g_assert_nonnull(strstr(c->output->str, "prev-handler 11\n"));
    hook_crasher_free(c);
}

static void test_fork_child(void)
{
    HookCrasher *c;
    CoronerHookCrash crash;
    CoronerAppInfo *app = crash_and_read(hook_test_crasher_path(), "fork-child", NULL, &c, &crash);
    g_assert_cmpint(c->crashed_pid, !=, c->pid);
    /* The child inherited the metadata and added its own; the region names the child. */
    g_assert_cmpstr(hook_test_annotation(app, "process"), ==, "child");
    const CoronerBreadcrumb *last = app->breadcrumbs->pdata[app->breadcrumbs->len - 1];
    g_assert_cmpstr(last->message, ==, "in the forked child");
    g_assert_cmpint(crash.tid, ==, c->crashed_pid);
    coroner_app_info_free(app);

    /* The child's region must not pass for the parent's. */
    g_autoptr(GError) error = NULL;
    app = hook_test_read_metadata(c->crashed_pid, c->pid, NULL, &error);
    g_assert_null(app);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_clear_error(&error);

    /* And the parent's region is still the parent's: no crash recorded, no child annotation. */
    app = hook_test_read_metadata(c->pid, c->pid, &crash, &error);
    g_assert_no_error(error);
    g_assert_null(hook_test_annotation(app, "process"));
    g_assert_cmpint(crash.signal_number, ==, 0);
    coroner_app_info_free(app);

    hook_crasher_release(c);
    int status = hook_crasher_wait_exit(c);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 128 + SIGSEGV);
    g_autofree char *line = g_strdup_printf("child %d signal 11", (int)c->crashed_pid);
    g_assert_nonnull(strstr(c->output->str, line));
    hook_crasher_free(c);
}

static void test_external_signal(void)
{
    /* A crash signal sent by another process: the sender is recorded, not an address. */
    g_autoptr(HookCrasher) c = hook_crasher_spawn(hook_test_crasher_path(), "idle", TRUE, NULL);
    char ready[64] = {0};
    for (gsize n = 0; n < sizeof(ready) - 1; n++) {
        g_assert_cmpint(read(c->stdout_fd, ready + n, 1), ==, 1);
        if (ready[n] == '\n')
            break;
    }
    g_assert_true(g_str_has_prefix(ready, "ready "));
    g_assert_no_errno(kill(c->pid, SIGABRT));
    hook_crasher_wait_crashed(c);

    g_autoptr(GError) error = NULL;
    CoronerHookCrash crash;
    CoronerAppInfo *app = hook_test_read_metadata(c->pid, c->pid, &crash, &error);
    g_assert_no_error(error);
    g_assert_cmpint(crash.signal_number, ==, SIGABRT);
    g_assert_cmpint(crash.code, ==, SI_USER);
    g_assert_false(crash.has_address);
    g_assert_true(crash.has_sender);
    g_assert_cmpint(crash.sender_pid, ==, getpid());
    g_assert_cmpint(crash.sender_uid, ==, getuid());
    release_and_reap(c, app, SIGABRT);
}

static void test_transport(void)
{
    /* The default is the named anonymous mapping where the kernel has it, else the memfd. */
    const char *expected = hook_test_kernel_has_anon_names() ? "anon-name" : "memfd";
    HookCrasher *c;
    CoronerHookCrash crash;
    CoronerAppInfo *app = crash_and_read(hook_test_crasher_path(), "segv", NULL, &c, &crash);
    g_assert_cmpstr(crash.transport, ==, expected);
    g_test_message("default transport on this kernel: %s", crash.transport);
    release_and_reap(c, app, SIGSEGV);
    hook_crasher_free(c);

    /* The memfd fallback, forced. */
    const char *env[] = {"CORONER_HOOK_TRANSPORT=memfd", NULL};
    app = crash_and_read(hook_test_crasher_path(), "segv", env, &c, &crash);
    g_assert_cmpstr(crash.transport, ==, "memfd");
    release_and_reap(c, app, SIGSEGV);
    hook_crasher_free(c);
}

static void test_restart(void)
{
    /* The restarted instance is re-parented to us, so we can reap it. */
    g_assert_no_errno(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    g_autoptr(HookCrasher) c = hook_crasher_spawn(hook_test_crasher_path(), "restart", FALSE, NULL);
    /* EOF on stdout comes once every instance holding it has died. */
    hook_test_assert_killed_by(hook_crasher_wait_exit(c), SIGSEGV);

    int status;
    pid_t second = -1;
    for (int waited = 0; waited < 30000 && second <= 0; waited += 10) {
        second = waitpid(-1, &status, WNOHANG);
        if (second == 0)
            g_usleep(10 * 1000);
    }
    g_assert_cmpint(second, >, 0);
    hook_test_assert_killed_by(status, SIGSEGV);
    /* The second crash came within the crash-loop window: no third instance. */
    g_usleep(200 * 1000);
    g_assert_cmpint(waitpid(-1, &status, WNOHANG), ==, -1);
    g_assert_cmpint(errno, ==, ECHILD);
    prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);

    g_auto(GStrv) lines = g_strsplit(g_strstrip(c->output->str), "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 2);
    g_assert_true(g_str_has_suffix(lines[0], "last-crash none"));
    g_assert_true(g_str_has_prefix(lines[1], "instance "));
    g_assert_false(g_str_has_suffix(lines[1], "last-crash none"));
}

#define SEGV_MAIN(mode_)                                                                           \
    {                                                                                              \
        mode_, FALSE, SIGSEGV, SEGV_MAPERR, TRUE, CRASHER_THREAD_NAME, NULL, NULL                  \
    }

static const CrashCase cases[] = {
    SEGV_MAIN("segv"),
    {"abrt", FALSE, SIGABRT, SI_TKILL, FALSE, CRASHER_THREAD_NAME, NULL, NULL},
    {"bus", FALSE, SIGBUS, BUS_ADRERR, TRUE, CRASHER_THREAD_NAME, NULL, NULL},
#if defined(__x86_64__) || defined(__i386__)
    {"fpe", FALSE, SIGFPE, FPE_INTDIV, TRUE, CRASHER_THREAD_NAME, NULL, NULL},
    {"ill", FALSE, SIGILL, ILL_ILLOPN, TRUE, CRASHER_THREAD_NAME, NULL, NULL},
    {"trap", FALSE, SIGTRAP, SI_KERNEL, TRUE, CRASHER_THREAD_NAME, NULL, NULL},
#endif
    {"sys", FALSE, SIGSYS, 1 /* SYS_SECCOMP */, TRUE, CRASHER_THREAD_NAME, NULL, NULL},
    {"overflow-main", FALSE, SIGSEGV, OVERFLOW_CODE, TRUE, CRASHER_THREAD_NAME, NULL, NULL},
    {"overflow-thread", FALSE, SIGSEGV, OVERFLOW_CODE, TRUE, "crasher-deep", NULL, NULL},
    {"overflow-thread-plain", FALSE, SIGSEGV, OVERFLOW_CODE, TRUE, "crasher-plain", NULL, NULL},
    {"crash-in-save", FALSE, SIGABRT, SI_TKILL, FALSE, CRASHER_THREAD_NAME, "crashed", NULL},
    {"save-timeout", FALSE, SIGSEGV, SEGV_MAPERR, TRUE, CRASHER_THREAD_NAME, "timed-out", NULL},
    {"emergency-save", FALSE, SIGSEGV, SEGV_MAPERR, TRUE, CRASHER_THREAD_NAME, "done",
     "emergency-save 11\n"},
    {"cxx-exception", TRUE, SIGABRT, SI_TKILL, FALSE, CRASHER_THREAD_NAME, NULL, NULL},
    {"cxx-exception-thread", TRUE, SIGABRT, SI_TKILL, FALSE, NULL, NULL, NULL},
    {"cxx-throw-int", TRUE, SIGABRT, SI_TKILL, FALSE, CRASHER_THREAD_NAME, NULL, NULL},
};

static void test_cxx_exception(const char *mode, const char *type, const char *what)
{
    HookCrasher *c;
    CoronerHookCrash crash;
    CoronerAppInfo *app = crash_and_read(hook_test_crasher_cxx_path(), mode, NULL, &c, &crash);
    g_assert_cmpint(crash.signal_number, ==, SIGABRT);
    g_assert_cmpstr(app->exception_type, ==, type);
    g_assert_cmpstr(app->exception_what, ==, what);
    release_and_reap(c, app, SIGABRT);
    hook_crasher_free(c);
}

static void test_cxx_exception_types(void)
{
    test_cxx_exception("cxx-exception", "demo::bad_answer", "the answer is not 42");
    test_cxx_exception("cxx-exception-thread", "std::logic_error", "thrown in a worker thread");
    test_cxx_exception("cxx-throw-int", "int", NULL);
}

static const CoronerTestCase tests[] = {
    {"/hook/crash/two-threads", test_two_threads},
    {"/hook/crash/annotation-race", test_annotation_race},
    {"/hook/crash/init-twice", test_init_twice},
    {"/hook/crash/prev-handler", test_prev_handler},
    {"/hook/crash/fork-child", test_fork_child},
    {"/hook/crash/external-signal", test_external_signal},
    {"/hook/crash/transport", test_transport},
    {"/hook/crash/restart", test_restart},
    {"/hook/crash/cxx-exception-types", test_cxx_exception_types},
};

CORONER_TEST_MAIN_EACH("/hook/crash", cases, run_case, tests)
