/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox.h"
#include "coroner-test.h"

static CoronerSandboxLimits limits(void)
{
    return (CoronerSandboxLimits){
        .timeout_ms = 2000, .max_output = 1 << 20, .cpu_seconds = 5, .address_space = 1ull << 30};
}

static gboolean fill(gpointer data, CoronerCrashRecord *out, GError **error)
{
    out->process.comm = g_strdup(data);
    out->signal.number = 6;
    coroner_crash_record_add_error(out, "from the child");
    return TRUE;
}

static gboolean fail_cleanly(gpointer data, CoronerCrashRecord *out, GError **error)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "bad blob at offset %d", 12);
    return FALSE;
}

static gboolean crash(gpointer data, CoronerCrashRecord *out, GError **error)
{
    raise(SIGSEGV);
    return TRUE;
}

static gboolean killed(gpointer data, CoronerCrashRecord *out, GError **error)
{
    /* Unlike SIGSEGV, no sanitizer can turn this into an exit status. */
    raise(SIGKILL);
    return TRUE;
}

static gboolean exit_silently(gpointer data, CoronerCrashRecord *out, GError **error)
{
    _exit(3);
}

static gboolean hang(gpointer data, CoronerCrashRecord *out, GError **error)
{
    for (;;)
        pause();
    return TRUE;
}

static gboolean flood(gpointer data, CoronerCrashRecord *out, GError **error)
{
    out->process.environ = g_malloc(4 << 20);
    memset(out->process.environ, 'x', (4 << 20) - 1);
    out->process.environ[(4 << 20) - 1] = '\0';
    return TRUE;
}

static gboolean hog_memory(gpointer data, CoronerCrashRecord *out, GError **error)
{
    /* RLIMIT_AS turns this into a failed allocation, which GLib aborts on. */
    volatile char *p = g_malloc(2ull << 30);
    p[0] = 1;
    return TRUE;
}

static gboolean use_memory(gpointer data, CoronerCrashRecord *out, GError **error)
{
    gsize size = 64u << 20;
    char *p = g_try_malloc(size);
    if (!p) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "64 MiB were refused");
        return FALSE;
    }
    memset(p, 1, size);
    g_free(p);
    return TRUE;
}

static void test_success(void)
{
    CoronerSandboxLimits l = limits();
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerCrashRecord) r = coroner_sandbox_run(&l, fill, "from-child", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(r->process.comm, ==, "from-child");
    g_assert_cmpint(r->signal.number, ==, 6);
    g_assert_cmpuint(r->errors->len, ==, 1);
}

/* code -1: any code of the sandbox's; fragment may list alternatives separated by '|'. */
static GError *expect_error(const CoronerSandboxLimits *l, CoronerSandboxFunc func, int code,
                            const char *fragment)
{
    GError *error = NULL;
    g_autoptr(CoronerCrashRecord) r = coroner_sandbox_run(l, func, NULL, &error);
    g_assert_null(r);
    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    if (code >= 0)
        g_assert_error(error, CORONER_SANDBOX_ERROR, code);
    g_auto(GStrv) alternatives = g_strsplit(fragment, "|", -1);
    gboolean found = *fragment == '\0';
    for (char **a = alternatives; *a; a++)
        found = found || strstr(error->message, *a) != NULL;
    g_assert_true(found);
    return error;
}

static void test_failures(void)
{
    CoronerSandboxLimits l = limits();

    /* The child's own error comes back as it was. */
    g_autoptr(GError) error = NULL;
    g_assert_null(coroner_sandbox_run(&l, fail_cleanly, NULL, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_assert_cmpstr(error->message, ==, "bad blob at offset 12");

    GError *e = expect_error(&l, killed, CORONER_SANDBOX_ERROR_CRASHED, "crashed (signal 9");
    g_error_free(e);
    /* Under ASan its own SEGV handler turns the crash into exit status 1. */
    e = expect_error(&l, crash, -1, "signal 11|exit status 1");
    g_assert_true(e->domain == CORONER_SANDBOX_ERROR);
    g_assert_true(e->code == CORONER_SANDBOX_ERROR_CRASHED ||
                  e->code == CORONER_SANDBOX_ERROR_INVALID);
    g_error_free(e);
    e = expect_error(&l, exit_silently, CORONER_SANDBOX_ERROR_INVALID,
                     "sent no usable answer (exit status 3)");
    g_error_free(e);
    e = expect_error(&l, flood, CORONER_SANDBOX_ERROR_TOO_BIG, "exceeded 1048576 bytes");
    g_error_free(e);
    /* How the child dies of it depends on the allocator (GLib aborts, ASan exits): any error. */
    e = expect_error(&l, hog_memory, -1, "");
    g_assert_true(e->domain == CORONER_SANDBOX_ERROR);
    g_error_free(e);
}

static void test_timeout(void)
{
    CoronerSandboxLimits l = limits();
    l.name = "the hanger";
    l.timeout_ms = 300;
    gint64 start = g_get_monotonic_time();
    GError *e = expect_error(&l, hang, CORONER_SANDBOX_ERROR_TIMEOUT,
                             "the hanger did not finish within 300 ms");
    g_error_free(e);
    gint64 elapsed_ms = (g_get_monotonic_time() - start) / 1000;
    g_assert_cmpint(elapsed_ms, >=, 300);
    g_assert_cmpint(elapsed_ms, <, 1500);
}

/* max_output counts the JSON's bytes exactly. */
static void test_output_cap(void)
{
    g_autoptr(CoronerCrashRecord) expected = coroner_crash_record_new();
    g_assert_true(fill("sized", expected, NULL));
    gsize length = 0;
    g_free(coroner_crash_record_to_json(expected, &length));

    CoronerSandboxLimits l = limits();
    l.max_output = length;
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerCrashRecord) r = coroner_sandbox_run(&l, fill, "sized", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(r->process.comm, ==, "sized");

    l.max_output = length - 1;
    g_assert_null(coroner_sandbox_run(&l, fill, "sized", &error));
    g_assert_error(error, CORONER_SANDBOX_ERROR, CORONER_SANDBOX_ERROR_TOO_BIG);
}

/* The limit is on top of what the child maps: with ASan's shadow that is terabytes. */
static void test_address_space(void)
{
    CoronerSandboxLimits l = limits();
    l.address_space = 256u << 20;
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerCrashRecord) r = coroner_sandbox_run(&l, use_memory, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(r);
}

static gboolean report_protections(gpointer data, CoronerCrashRecord *out, GError **error)
{
    int pdeathsig = 0;
    (void)prctl(PR_GET_PDEATHSIG, &pdeathsig, 0, 0, 0);
    struct rlimit core, cpu;
    getrlimit(RLIMIT_CORE, &core);
    getrlimit(RLIMIT_CPU, &cpu);
    struct stat st, null_st;
    gboolean stdout_null = fstat(STDOUT_FILENO, &st) == 0 && stat("/dev/null", &null_st) == 0 &&
                           S_ISCHR(st.st_mode) && st.st_rdev == null_st.st_rdev;
    out->process.comm = g_strdup_printf(
        "euid=%u dumpable=%d nnp=%d pdeathsig=%d core=%llu/%llu cpu=%llu/%llu stdout-null=%d",
        (unsigned)geteuid(), prctl(PR_GET_DUMPABLE, 0, 0, 0, 0),
        prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), pdeathsig, (unsigned long long)core.rlim_cur,
        (unsigned long long)core.rlim_max, (unsigned long long)cpu.rlim_cur,
        (unsigned long long)cpu.rlim_max, stdout_null);
    return TRUE;
}

static void check_protections(gboolean drop)
{
    CoronerSandboxLimits l = limits();
    l.drop_privileges = drop;
    l.uid = 65534;
    l.gid = 65534;
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerCrashRecord) r = coroner_sandbox_run(&l, report_protections, NULL, &error);
    g_assert_no_error(error);
    g_autofree char *expected =
        g_strdup_printf("euid=%u dumpable=0 nnp=1 pdeathsig=%d core=0/0 cpu=5/6 stdout-null=1",
                        drop ? 65534u : (unsigned)geteuid(), SIGKILL);
    g_assert_cmpstr(r->process.comm, ==, expected);
}

static void test_protections(void)
{
    check_protections(FALSE);
}

static void test_protections_dropped(void)
{
    if (geteuid() != 0) {
        g_test_skip("dropping privileges needs root");
        return;
    }
    check_protections(TRUE);
}

typedef struct {
    const char *marker;
    gboolean fail;
} AfterJob;

static gboolean answer_for_after(gpointer data, CoronerCrashRecord *out, GError **error)
{
    const AfterJob *job = data;
    if (job->fail) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no luck");
        return FALSE;
    }
    out->process.comm = g_strdup("answered");
    return TRUE;
}

/* Slow, and only then leaves its mark. */
static void after_answer(gpointer data)
{
    const AfterJob *job = data;
    g_usleep(1500 * G_TIME_SPAN_MILLISECOND);
    (void)g_file_set_contents(job->marker, "after", -1, NULL);
}

/*
 * The after-answer work runs in the child under the same deadline, and the
 * call returns only once the child is gone: nothing of the sandbox outlives
 * it.  With a deadline shorter than the work, the answer still counts and the
 * work is cut.
 */
static void check_after_answer(gboolean fail, unsigned timeout_ms)
{
    g_autofree char *dir = g_dir_make_tmp("test-sandbox-XXXXXX", NULL);
    g_assert_nonnull(dir);
    g_autofree char *marker = g_build_filename(dir, "after", NULL);
    AfterJob job = {.marker = marker, .fail = fail};
    CoronerSandboxLimits l = limits();
    l.after_answer = after_answer;
    l.timeout_ms = timeout_ms;

    gint64 start = g_get_monotonic_time();
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerCrashRecord) r = coroner_sandbox_run(&l, answer_for_after, &job, &error);
    gint64 elapsed_ms = (g_get_monotonic_time() - start) / 1000;
    if (fail) {
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_FAILED);
    } else {
        g_assert_no_error(error);
        g_assert_cmpstr(r->process.comm, ==, "answered");
    }
    if (timeout_ms >= 1500) {
        /* Done, and reaped, when the call returns. */
        g_assert_cmpint(elapsed_ms, >=, 1500);
        g_assert_true(g_file_test(marker, G_FILE_TEST_EXISTS));
    } else {
        /* Killed at the deadline: the work never finishes, not even later. */
        g_assert_cmpint(elapsed_ms, <, 1400);
        g_usleep(1500 * G_TIME_SPAN_MILLISECOND);
        g_assert_false(g_file_test(marker, G_FILE_TEST_EXISTS));
    }
    g_unlink(marker);
    g_rmdir(dir);
}

static void test_after_answer(void)
{
    check_after_answer(FALSE, 5000);
}

static void test_after_answer_deadline(void)
{
    check_after_answer(FALSE, 700);
}

static void test_after_answer_failed(void)
{
    check_after_answer(TRUE, 5000);
}

static const CoronerTestCase tests[] = {
    {"/sandbox/success", test_success},
    {"/sandbox/failures", test_failures},
    {"/sandbox/timeout", test_timeout},
    {"/sandbox/output-cap", test_output_cap},
    {"/sandbox/address-space", test_address_space},
    {"/sandbox/protections", test_protections},
    {"/sandbox/protections-dropped", test_protections_dropped},
    {"/sandbox/after-answer", test_after_answer},
    {"/sandbox/after-answer-failed", test_after_answer_failed},
    {"/sandbox/after-answer-deadline", test_after_answer_deadline},
};

CORONER_TEST_MAIN(tests)
