/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <gio/gio.h>
#include <signal.h>
#include <unistd.h>

#include "sandbox.h"

static CoronerSandboxLimits limits(void)
{
    return (CoronerSandboxLimits){.timeout_ms = 2000, .max_output = 1 << 20, .cpu_seconds = 5,
                                  .address_space = 1ull << 30};
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

/* fragment may list alternatives separated by '|'. */
static void expect_error(CoronerSandboxFunc func, const char *fragment)
{
    CoronerSandboxLimits l = limits();
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerCrashRecord) r = coroner_sandbox_run(&l, func, NULL, &error);
    g_assert_null(r);
    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    g_auto(GStrv) alternatives = g_strsplit(fragment, "|", -1);
    gboolean found = *fragment == '\0';
    for (char **a = alternatives; *a; a++)
        found = found || strstr(error->message, *a) != NULL;
    g_assert_true(found);
}

static void test_failures(void)
{
    expect_error(fail_cleanly, "bad blob at offset 12");
    /* Under ASan its own SEGV handler turns the crash into exit status 1. */
    expect_error(crash, "signal 11|exit status 1");
    expect_error(hang, "gave up after");
    expect_error(flood, "exceeded");
    /* How the child dies of it depends on the allocator (GLib aborts, ASan exits): any error. */
    expect_error(hog_memory, "");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sandbox/success", test_success);
    g_test_add_func("/sandbox/failures", test_failures);
    return g_test_run();
}
