/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Async-signal-safety, proven: each crash mode runs with forbid-unsafe.so
 * preloaded, which reports any malloc/free/pthread_mutex_lock made while the
 * crashing thread is on its alternate signal stack.  The process must die by
 * its original signal with nothing reported; the malloc-in-save mode, whose
 * emergency save calls malloc on purpose, and lock-in-save, whose emergency save
 * takes the hook's mutex, show the interposer does catch both kinds.
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hook-test-util.h"
#include "coroner-test.h"

typedef struct {
    const char *mode;
    gboolean cxx;
    int signo;             /* expected death; 0: exits with 128 + SIGSEGV (fork-child) */
    const char *forbidden; /* a call the interposer must report, or NULL for none at all */
    gboolean longjmps;     /* the hook abandons the emergency save with siglongjmp() */
} SafetyCase;

static const char *interposer(void)
{
    const char *path = g_getenv("CORONER_FORBID_LIB");
    /* Loud on purpose: the proof must not silently vanish from the normal build. */
    if (!path || !g_file_test(path, G_FILE_TEST_IS_REGULAR))
        g_error("CORONER_FORBID_LIB does not name the forbid-unsafe interposer");
    return path;
}

static void run_case(gconstpointer data)
{
    const SafetyCase *t = data;
#if defined(__SANITIZE_ADDRESS__)
    /*
     * ASan intercepts siglongjmp() and, inside it, reads /proc/self/maps with
     * fopen() (__asan_handle_no_return -> pthread_getattr_np): the sanitizer
     * runtime, not the hook, allocates there.  The normal build covers these.
     */
    if (t->longjmps) {
        g_test_skip("the ASan runtime allocates in its siglongjmp interceptor");
        return;
    }
#endif
    g_autofree char *report_path = NULL;
    g_autoptr(GError) error = NULL;
    int fd = g_file_open_tmp("hook-forbid-XXXXXX", &report_path, &error);
    g_assert_no_error(error);
    close(fd);

    g_autofree char *preload = g_strdup_printf("LD_PRELOAD=%s", interposer());
    g_autofree char *report_env = g_strdup_printf("CORONER_FORBID_REPORT=%s", report_path);
    /* Under ASan the interposer must come before the sanitizer runtime. */
    g_autofree char *asan =
        g_strdup_printf("ASAN_OPTIONS=%s:verify_asan_link_order=0",
                        g_getenv("ASAN_OPTIONS") ? g_getenv("ASAN_OPTIONS") : "");
    const char *env[] = {preload, report_env, asan, NULL};
    const char *binary = t->cxx ? hook_test_crasher_cxx_path() : hook_test_crasher_path();
    g_autoptr(HookCrasher) c = hook_crasher_spawn(binary, t->mode, FALSE, env);
    pid_t pid = c->pid;
    int status = hook_crasher_wait_exit(c);

    g_autofree char *report = NULL;
    g_assert_true(g_file_get_contents(report_path, &report, NULL, &error));
    g_assert_no_error(error);
    unlink(report_path);
    g_test_message("interposer report for %s:\n%s", t->mode, report);

    g_autofree char *armed = g_strdup_printf("armed %d\n", (int)pid);
    g_assert_nonnull(strstr(report, armed));
    if (t->forbidden) {
        g_autofree char *line = g_strdup_printf("forbidden %s ", t->forbidden);
        g_assert_nonnull(strstr(report, line));
    } else {
        g_assert_null(strstr(report, "forbidden"));
    }

    if (t->signo) {
        hook_test_assert_killed_by(status, t->signo);
    } else {
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 128 + SIGSEGV);
    }
}

static const SafetyCase cases[] = {
    {"segv", FALSE, SIGSEGV, NULL},
    {"abrt", FALSE, SIGABRT, NULL},
    {"bus", FALSE, SIGBUS, NULL},
    {"fpe", FALSE, SIGFPE, NULL},
    {"ill", FALSE, SIGILL, NULL},
    {"trap", FALSE, SIGTRAP, NULL},
    {"sys", FALSE, SIGSYS, NULL},
    {"overflow-main", FALSE, SIGSEGV, NULL},
    {"overflow-thread", FALSE, SIGSEGV, NULL},
    {"two-threads", FALSE, SIGSEGV, NULL},
    {"annotation-race", FALSE, SIGSEGV, NULL},
    {"crash-in-save", FALSE, SIGABRT, NULL, TRUE},
    {"save-timeout", FALSE, SIGSEGV, NULL, TRUE},
    {"emergency-save", FALSE, SIGSEGV, NULL},
    {"prev-handler", FALSE, SIGSEGV, NULL},
    {"init-twice", FALSE, SIGSEGV, NULL},
    {"fork-child", FALSE, 0, NULL},
    {"cxx-exception", TRUE, SIGABRT, NULL},
    /* The positive control. */
    {"malloc-in-save", FALSE, SIGSEGV, "malloc"},
    {"lock-in-save", FALSE, SIGSEGV, "pthread_mutex_lock"},
};

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    CORONER_TEST_ADD_EACH("/hook/as-safety", cases, run_case);
    return g_test_run();
}
