/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <elf.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc-info.h"
#include "coroner-test.h"

static void test_join(void)
{
    g_autofree char *a = coroner_join_nul_separated("ls\0-l\0/tmp\0", 11, ' ');
    g_assert_cmpstr(a, ==, "ls -l /tmp");
    g_autofree char *b = coroner_join_nul_separated("A=1\0B=2\0", 8, '\n');
    g_assert_cmpstr(b, ==, "A=1\nB=2");
    g_autofree char *c = coroner_join_nul_separated("", 0, ' ');
    g_assert_cmpstr(c, ==, "");
}

static void test_auxv_secure(void)
{
    unsigned long plain[] = {AT_PAGESZ, 4096, AT_SECURE, 0, AT_NULL, 0};
    unsigned long secure[] = {AT_PAGESZ, 4096, AT_SECURE, 1, AT_NULL, 0};
    unsigned long after_null[] = {AT_NULL, 0, AT_SECURE, 1};
    g_assert_false(coroner_auxv_is_secure(plain, sizeof plain));
    g_assert_true(coroner_auxv_is_secure(secure, sizeof secure));
    g_assert_false(coroner_auxv_is_secure(after_null, sizeof after_null));
    /* A truncated vector is read only as far as it goes. */
    g_assert_false(coroner_auxv_is_secure(secure, 3 * sizeof(unsigned long)));
}

static void test_collect_self(void)
{
    /* Our own process stands in for the crashed one, proven through a real pidfd. */
    int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    g_assert_cmpint(pidfd, >=, 0);
    gboolean verified = FALSE;
    g_autoptr(GError) error = NULL;
    int proc_fd = coroner_proc_open(getpid(), pidfd, &verified, &error);
    g_assert_no_error(error);
    g_assert_true(verified);

    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    coroner_proc_collect(proc_fd, getpid(), r);
    close(proc_fd);
    g_assert_cmpstr(r->process.comm, ==, "test-proc-info");
    g_assert_true(g_str_has_suffix(r->process.exe, "/test-proc-info"));
    g_assert_nonnull(strstr(r->process.cmdline, "test-proc-info"));
    g_assert_nonnull(strstr(r->process.proc_status, "Pid:"));
    g_assert_nonnull(strstr(r->process.proc_maps, "test-proc-info"));
    g_assert_nonnull(strstr(r->process.open_fds, "0:"));
    g_assert_cmpuint(r->process.threads->len, >=, 1);
    g_assert_false(r->process.secure_exec);
    g_assert_nonnull(r->process.proc_auxv_hex);

    /* A pidfd for another PID is caught: that is the PID-reuse guard. */
    g_assert_cmpint(coroner_proc_open(1, pidfd, &verified, &error), <, 0);
    g_assert_nonnull(strstr(error->message, "not the crashed PID"));
    g_clear_error(&error);
    close(pidfd);
}

static void test_dead_process(void)
{
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    g_assert_cmpint(pidfd, >=, 0);
    int status;
    waitpid(child, &status, 0);
    gboolean verified;
    g_autoptr(GError) error = NULL;
    g_assert_cmpint(coroner_proc_open(child, pidfd, &verified, &error), <, 0);
    g_assert_nonnull(error);
    g_clear_error(&error);
    close(pidfd);
    /* Without a pidfd the message says plainly that the process is gone. */
    g_assert_cmpint(coroner_proc_open(child, -1, &verified, &error), <, 0);
    g_assert_nonnull(strstr(error->message, "no longer exists"));
}

static const CoronerTestCase tests[] = {
    {"/proc/join", test_join},
    {"/proc/auxv-secure", test_auxv_secure},
    {"/proc/collect-self", test_collect_self},
    {"/proc/dead-process", test_dead_process},
};

CORONER_TEST_MAIN(tests)
