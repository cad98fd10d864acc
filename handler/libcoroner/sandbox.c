/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fs-util.h"
#include "privileges.h"

/* The child's first byte says how it ended; the rest is JSON or an error message. */
#define RESULT_OK 'J'
#define RESULT_ERROR 'E'

static void set_limit(int resource, rlim_t value)
{
    struct rlimit rl = {value, value};
    (void)setrlimit(resource, &rl);
}

/*
 * RLIMIT_AS counts what is already mapped; the limit is on top of that, so
 * that it means the same whether or not the binary carries a sanitizer's
 * terabytes of reserved shadow memory.
 */
static rlim_t current_address_space(void)
{
    g_autofree char *statm = NULL;
    unsigned long pages = 0;
    if (g_file_get_contents("/proc/self/statm", &statm, NULL, NULL))
        pages = strtoul(statm, NULL, 10);
    return (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE);
}

static G_NORETURN void child_main(const CoronerSandboxLimits *limits, CoronerSandboxFunc func,
                                  gpointer data, int out_fd)
{
    /* No core of a parser that chewed on someone else's memory. */
    set_limit(RLIMIT_CORE, 0);
    /* The caller's stdout is its own output (coronerctl's, a TAP stream): the child's only channel is out_fd. */
    int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null_fd >= 0) {
        dup2(null_fd, STDOUT_FILENO);
        close(null_fd);
    }
    if (limits->drop_privileges && geteuid() == 0) {
        int r = coroner_drop_privileges(limits->uid, limits->gid);
        if (r < 0) {
            g_autofree char *msg = g_strdup_printf("%ccannot drop privileges: %s", RESULT_ERROR,
                                                   g_strerror(-r));
            (void)coroner_write_all(out_fd, msg, strlen(msg));
            _exit(1);
        }
    }
    if (limits->address_space)
        set_limit(RLIMIT_AS, current_address_space() + limits->address_space);
    if (limits->cpu_seconds)
        set_limit(RLIMIT_CPU, limits->cpu_seconds);

    g_autoptr(CoronerCrashRecord) out = coroner_crash_record_new();
    g_autoptr(GError) error = NULL;
    if (!func(data, out, &error)) {
        g_autofree char *msg = g_strdup_printf("%c%s", RESULT_ERROR, error->message);
        (void)coroner_write_all(out_fd, msg, strlen(msg));
        _exit(1);
    }
    gsize length = 0;
    g_autofree char *json = coroner_crash_record_to_json(out, &length);
    char tag = RESULT_OK;
    if (coroner_write_all(out_fd, &tag, 1) < 0 || coroner_write_all(out_fd, json, length) < 0)
        _exit(1);
    _exit(0);
}

static int64_t now_ms(void)
{
    return g_get_monotonic_time() / 1000;
}

/* Reads the child's answer until EOF, the byte cap or the deadline. */
static GByteArray *read_answer(int fd, gsize cap, int64_t deadline_ms, gboolean *ret_timed_out,
                               gboolean *ret_too_big)
{
    GByteArray *buf = g_byte_array_new();
    guint8 chunk[16384];
    *ret_timed_out = FALSE;
    *ret_too_big = FALSE;
    for (;;) {
        int64_t left = deadline_ms - now_ms();
        if (left <= 0) {
            *ret_timed_out = TRUE;
            break;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)MIN(left, G_MAXINT));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            *ret_timed_out = r == 0;
            break;
        }
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (buf->len + (gsize)n > cap) {
            *ret_too_big = TRUE;
            break;
        }
        g_byte_array_append(buf, chunk, (guint)n);
    }
    return buf;
}

CoronerCrashRecord *coroner_sandbox_run(const CoronerSandboxLimits *limits, CoronerSandboxFunc func,
                                        gpointer data, GError **error)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        int e = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "pipe: %s", g_strerror(e));
        return NULL;
    }
    pid_t child = fork();
    if (child < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "fork: %s", g_strerror(e));
        return NULL;
    }
    if (child == 0) {
        close(p[0]);
        child_main(limits, func, data, p[1]);
    }
    close(p[1]);
    int64_t deadline = now_ms() + (limits->timeout_ms ? limits->timeout_ms : 10000);
    gboolean timed_out, too_big;
    g_autoptr(GByteArray) answer = read_answer(p[0], limits->max_output ? limits->max_output : (64u << 20),
                                               deadline, &timed_out, &too_big);
    close(p[0]);
    if (timed_out || too_big)
        kill(child, SIGKILL);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;

    if (timed_out) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "gave up after %u ms",
                    limits->timeout_ms);
        return NULL;
    }
    if (too_big) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                    "the result exceeded %" G_GSIZE_FORMAT " bytes", limits->max_output);
        return NULL;
    }
    if (WIFSIGNALED(status)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the parser died of signal %d (%s)",
                    WTERMSIG(status), g_strsignal(WTERMSIG(status)));
        return NULL;
    }
    if (answer->len > 0 && answer->data[0] == RESULT_ERROR) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%.*s", (int)MIN(answer->len - 1, 4096u),
                    (const char *)answer->data + 1);
        return NULL;
    }
    if (answer->len == 0 || answer->data[0] != RESULT_OK || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the parser failed (exit status %d)",
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return NULL;
    }
    g_autoptr(GError) local = NULL;
    CoronerCrashRecord *r = coroner_crash_record_from_json((const char *)answer->data + 1,
                                                           (gssize)answer->len - 1, &local);
    if (!r)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the parser's answer is invalid: %s",
                    local->message);
    return r;
}
