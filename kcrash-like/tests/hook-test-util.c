/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "hook-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crasher-modes.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

/* Generous: sanitizer builds are slow, and the machine may be busy with other tests. */
#define WAIT_TIMEOUT_MS 30000

static const char *env_path(const char *name)
{
    const char *path = g_getenv(name);
    if (!path)
        g_error("%s is not set: run the tests through meson test", name);
    return path;
}

const char *hook_test_crasher_path(void)
{
    return env_path("HOOK_TEST_CRASHER");
}

const char *hook_test_crasher_cxx_path(void)
{
    return env_path("HOOK_TEST_CRASHER_CXX");
}

/*
 * RLIMIT_CORE 1 (below) keeps these crashes from every file or pipe pattern,
 * but not from the kernel's coredump socket ("@@..."), which an end-to-end
 * suite may have set meanwhile: our crashes would land in its coronerd.  So the
 * crashing tests hold the core_pattern lock shared (the suites that set a
 * pattern hold it exclusively), taken once and kept until the test ends.
 */
static void hold_core_pattern_lock_shared(void)
{
    static int fd = -2;
    if (fd != -2)
        return;
    const char *path = g_getenv("CORONER_CORE_PATTERN_LOCK");
    fd = open(path ? path : "/run/lock/coroner-core-pattern.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        /* Without the lock file (not root, no /run/lock) the tests go on unprotected. */
        g_test_message("no core_pattern lock: %s", g_strerror(errno));
        return;
    }
    while (flock(fd, LOCK_SH) < 0 && errno == EINTR)
        ;
}

HookCrasher *hook_crasher_spawn(const char *binary, const char *mode, gboolean sync,
                                const char *const *env)
{
    hold_core_pattern_lock_shared();
    HookCrasher *c = g_new0(HookCrasher, 1);
    c->from_child_fd = c->to_child_fd = -1;
    c->output = g_string_new(NULL);

    int out[2], up[2] = {-1, -1}, down[2] = {-1, -1};
    g_assert_no_errno(pipe2(out, O_CLOEXEC));
    if (sync) {
        g_assert_no_errno(pipe2(up, O_CLOEXEC));
        g_assert_no_errno(pipe2(down, O_CLOEXEC));
    }
    char sync_arg[32];
    g_snprintf(sync_arg, sizeof(sync_arg), "%d,%d", up[1], down[0]);
    const char *argv[5];
    int argc = 0;
    argv[argc++] = binary;
    if (sync) {
        argv[argc++] = "--sync";
        argv[argc++] = sync_arg;
    }
    argv[argc++] = mode;
    argv[argc] = NULL;

    char **envp = g_get_environ();
    for (const char *const *e = env; e && *e; e++) {
        g_auto(GStrv) kv = g_strsplit(*e, "=", 2);
        envp = g_environ_setenv(envp, kv[0], kv[1] ? kv[1] : "", TRUE);
    }

    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        /*
         * No cores from these tests, whatever core_pattern says: 0 stops a
         * file pattern but not a pipe ("|handler"), which ignores RLIMIT_CORE
         * except for the value 1, which the kernel treats as "never dump".
         * So our crashes never reach a handler another test set up.
         */
        struct rlimit one = {1, 1};
        setrlimit(RLIMIT_CORE, &one);
        dup2(out[1], STDOUT_FILENO);
        if (sync) {
            fcntl(up[1], F_SETFD, 0);
            fcntl(down[0], F_SETFD, 0);
        }
        execve(binary, (char *const *)argv, envp);
        _exit(127);
    }
    g_strfreev(envp);
    close(out[1]);
    if (sync) {
        close(up[1]);
        close(down[0]);
    }
    c->pid = pid;
    c->stdout_fd = out[0];
    c->from_child_fd = up[0];
    c->to_child_fd = down[1];
    return c;
}

void hook_crasher_wait_crashed(HookCrasher *c)
{
    char line[128];
    size_t n = 0;
    while (n < sizeof(line) - 1) {
        struct pollfd p = {.fd = c->from_child_fd, .events = POLLIN};
        int r = poll(&p, 1, WAIT_TIMEOUT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            g_error("crasher %d did not reach its crash handling", (int)c->pid);
        ssize_t got = read(c->from_child_fd, line + n, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            g_error("crasher %d exited before reaching its crash handling", (int)c->pid);
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    int pid = 0, signo = 0;
    if (sscanf(line, "crashed %d %d", &pid, &signo) != 2)
        g_error("unexpected sync line '%s'", line);
    c->crashed_pid = pid;
    c->crashed_signo = signo;
}

void hook_crasher_release(HookCrasher *c)
{
    if (c->to_child_fd >= 0) {
        g_assert_cmpint(write(c->to_child_fd, "x", 1), ==, 1);
        close(c->to_child_fd);
        c->to_child_fd = -1;
    }
}

static void collect_output(HookCrasher *c)
{
    char buf[4096];
    for (;;) {
        struct pollfd p = {.fd = c->stdout_fd, .events = POLLIN};
        int r = poll(&p, 1, WAIT_TIMEOUT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;
        ssize_t n = read(c->stdout_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        g_string_append_len(c->output, buf, n);
    }
}

int hook_crasher_wait_exit(HookCrasher *c)
{
    collect_output(c);
    for (int waited = 0;; waited += 10) {
        pid_t r = waitpid(c->pid, &c->status, WNOHANG);
        if (r == c->pid)
            break;
        g_assert_cmpint(r, ==, 0);
        if (waited > WAIT_TIMEOUT_MS) {
            kill(c->pid, SIGKILL);
            waitpid(c->pid, &c->status, 0);
            g_error("crasher %d did not die in time", (int)c->pid);
        }
        g_usleep(10 * 1000);
    }
    c->pid = 0;
    return c->status;
}

void hook_crasher_free(HookCrasher *c)
{
    if (!c)
        return;
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
    }
    int fds[] = {c->stdout_fd, c->from_child_fd, c->to_child_fd};
    for (gsize i = 0; i < G_N_ELEMENTS(fds); i++)
        if (fds[i] >= 0)
            close(fds[i]);
    g_string_free(c->output, TRUE);
    g_free(c);
}

CoronerAppInfo *hook_test_read_metadata(pid_t pid, int64_t expected_pid, CoronerHookCrash *crash,
                                        GError **error)
{
    g_autofree char *path = g_strdup_printf("/proc/%d", (int)pid);
    int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    g_assert_no_errno(dir);
    uint64_t start = 0, size = 0;
    CoronerAppInfo *app = NULL;
    if (coroner_hook_metadata_find(dir, &start, &size, error)) {
        g_autoptr(GBytes) raw = coroner_hook_metadata_read_raw(dir, start, size, error);
        if (raw)
            app = coroner_hook_metadata_parse_full(raw, expected_pid, crash, error);
    }
    close(dir);
    return app;
}

const char *hook_test_annotation(const CoronerAppInfo *app, const char *key)
{
    for (guint i = 0; i < app->annotations->len; i++) {
        const CoronerAnnotation *a = app->annotations->pdata[i];
        if (g_strcmp0(a->key, key) == 0)
            return a->value;
    }
    return NULL;
}

static const CoronerBuffer *find_buffer(const CoronerAppInfo *app, const char *name)
{
    for (guint i = 0; i < app->buffers->len; i++) {
        const CoronerBuffer *b = app->buffers->pdata[i];
        if (g_strcmp0(b->name, name) == 0)
            return b;
    }
    return NULL;
}

void hook_test_assert_crasher_metadata(const CoronerAppInfo *app, const char *mode)
{
    g_assert_nonnull(app);
    g_assert_cmpstr(app->app_id, ==, CRASHER_APP_ID);
    g_assert_cmpstr(app->name, ==, CRASHER_NAME);
    g_assert_cmpstr(app->version, ==, CRASHER_VERSION);
    g_assert_cmpstr(app->bug_address, ==, CRASHER_BUG_ADDRESS);
    g_assert_cmpstr(app->dsn, ==, CRASHER_DSN);
    g_assert_cmpstr(hook_test_annotation(app, "mode"), ==, mode);
    g_assert_cmpstr(hook_test_annotation(app, "answer"), ==, "42");

    /* The racer floods the ring; everywhere else the first two breadcrumbs are ours, in order. */
    if (strcmp(mode, "annotation-race") != 0) {
        g_autofree char *running = g_strdup_printf("running mode %s", mode);
        g_assert_cmpuint(app->breadcrumbs->len, >=, 2);
        const CoronerBreadcrumb *first = app->breadcrumbs->pdata[0];
        const CoronerBreadcrumb *second = app->breadcrumbs->pdata[1];
        g_assert_cmpstr(first->message, ==, "started");
        g_assert_cmpstr(second->message, ==, running);
        g_assert_cmpint(first->timestamp_usec, >, 0);
        g_assert_cmpint(second->timestamp_usec, >=, first->timestamp_usec);
    }

    const CoronerBuffer *log = find_buffer(app, "log");
    g_assert_nonnull(log);
    g_assert_true(log->is_text);
    gsize size = 0;
    const char *text = g_bytes_get_data(log->data, &size);
    g_assert_cmpmem(text, size, CRASHER_LOG_TEXT, strlen(CRASHER_LOG_TEXT));

    const CoronerBuffer *state = find_buffer(app, "state");
    g_assert_nonnull(state);
    g_assert_false(state->is_text);
    const guint8 *bytes = g_bytes_get_data(state->data, &size);
    g_assert_cmpuint(size, ==, CRASHER_STATE_BYTES);
    for (gsize i = 0; i < size; i++)
        g_assert_cmpuint(bytes[i], ==, i);
}

void hook_test_assert_killed_by(int status, int signo)
{
    if (!WIFSIGNALED(status))
        g_error("expected death by signal %d, got exit status %d", signo, WEXITSTATUS(status));
    g_assert_cmpint(WTERMSIG(status), ==, signo);
    g_assert_false(WCOREDUMP(status));
}

gboolean hook_test_kernel_has_anon_names(void)
{
    long page = sysconf(_SC_PAGESIZE);
    void *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(p != MAP_FAILED);
    gboolean ok = prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p, (unsigned long)page,
                        (unsigned long)"coroner-probe") == 0;
    munmap(p, (size_t)page);
    return ok;
}
