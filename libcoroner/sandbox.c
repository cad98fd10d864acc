/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs-util.h"
#include "privileges.h"

/*
 * The child's first byte says how it ended: RESULT_OK and the record's JSON,
 * or RESULT_ERROR and "domain\ncode\nmessage", its GError.
 */
#define RESULT_OK 'J'
#define RESULT_ERROR 'E'
/* What the parent takes from a child's error: it may be hostile. */
#define ERROR_DOMAIN_MAX 64
#define ERROR_MESSAGE_MAX 4096

#define DEFAULT_TIMEOUT_MS 10000
#define DEFAULT_MAX_OUTPUT ((gsize)64 << 20)

G_DEFINE_QUARK(coroner-sandbox-error-quark, coroner_sandbox_error)

static void set_limit(int resource, rlim_t soft, rlim_t hard)
{
    struct rlimit rl = {soft, hard};
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
    if (!g_file_get_contents("/proc/self/statm", &statm, NULL, NULL))
        return 0;
    return (rlim_t)g_ascii_strtoull(statm, NULL, 10) * (rlim_t)sysconf(_SC_PAGESIZE);
}

/* Sends error as the child's answer. */
static int write_error(int out_fd, const GError *error)
{
    g_autofree char *msg =
        g_strdup_printf("%c%s\n%d\n%s", RESULT_ERROR, g_quark_to_string(error->domain), error->code,
                        error->message);
    return coroner_write_all(out_fd, msg, strlen(msg));
}

int coroner_sandbox_enter(gboolean drop_privileges, uid_t uid, gid_t gid, pid_t parent)
{
    if (drop_privileges && geteuid() == 0) {
        int r = coroner_drop_privileges(uid, gid);
        if (r < 0)
            return r;
    } else {
        /* What the drop does besides changing identity: no ptrace by others, no setuid exec. */
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        (void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    }
    /* After the drop, which clears it; and the caller may already be gone. */
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    return getppid() == parent ? 0 : -ESRCH;
}

pid_t coroner_sandbox_fork(int *ret_fd, GError **error)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        int e = errno;
        g_set_error(error, CORONER_SANDBOX_ERROR, CORONER_SANDBOX_ERROR_FAILED, "pipe: %s",
                    g_strerror(e));
        return -1;
    }
    pid_t child = fork();
    if (child < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        g_set_error(error, CORONER_SANDBOX_ERROR, CORONER_SANDBOX_ERROR_FAILED, "fork: %s",
                    g_strerror(e));
        return -1;
    }
    close(p[child == 0 ? 0 : 1]);
    *ret_fd = p[child == 0 ? 1 : 0];
    return child;
}

static G_NORETURN void child_main(const CoronerSandboxLimits *limits, CoronerSandboxFunc func,
                                  gpointer data, int out_fd, pid_t parent)
{
    /* No core of a parser that chewed on someone else's memory. */
    set_limit(RLIMIT_CORE, 0, 0);
    /* The caller's stdout is its own (coronerctl's, a TAP stream): the child talks on out_fd. */
    int null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null_fd >= 0) {
        dup2(null_fd, STDOUT_FILENO);
        close(null_fd);
    }
    int r = coroner_sandbox_enter(limits->drop_privileges, limits->uid, limits->gid, parent);
    if (r < 0) {
        if (r != -ESRCH) {
            g_autoptr(GError) error =
                g_error_new(CORONER_SANDBOX_ERROR, CORONER_SANDBOX_ERROR_FAILED,
                            "cannot drop privileges: %s", g_strerror(-r));
            (void)write_error(out_fd, error);
        }
        _exit(1);
    }
    if (limits->address_space) {
        rlim_t as = current_address_space() + limits->address_space;
        set_limit(RLIMIT_AS, as, as);
    }
    if (limits->cpu_seconds)
        set_limit(RLIMIT_CPU, limits->cpu_seconds, (rlim_t)limits->cpu_seconds + 1);

    g_autoptr(CoronerCrashRecord) out = coroner_crash_record_new();
    g_autoptr(GError) error = NULL;
    gboolean ok = func(data, out, &error);
    if (!ok && !error)
        error = g_error_new_literal(CORONER_SANDBOX_ERROR, CORONER_SANDBOX_ERROR_FAILED,
                                    "failed without saying why");
    if (!ok) {
        if (write_error(out_fd, error) < 0)
            _exit(1);
    } else {
        gsize length = 0;
        g_autofree char *json = coroner_crash_record_to_json(out, &length);
        char tag = RESULT_OK;
        if (coroner_write_all(out_fd, &tag, 1) < 0 || coroner_write_all(out_fd, json, length) < 0)
            _exit(1);
    }
    close(out_fd);
    /* Still under the deadline: the parent waits for this, then kills what is left. */
    if (limits->after_answer)
        limits->after_answer(data);
    _exit(ok ? 0 : 1);
}

/* Reads the child's answer until EOF, the deadline (monotonic µs) or the cap. */
static GByteArray *read_answer(int fd, gsize cap, gint64 deadline, gboolean *ret_timed_out,
                               gboolean *ret_too_big)
{
    GByteArray *buf = g_byte_array_new();
    guint8 chunk[65536];
    *ret_timed_out = *ret_too_big = FALSE;
    for (;;) {
        gint64 left = deadline - g_get_monotonic_time();
        if (left <= 0) {
            *ret_timed_out = TRUE;
            break;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        /* Rounded up; whatever poll says, the loop ends at the deadline. */
        int r = poll(&pfd, 1, (int)MIN(left / 1000 + 1, G_MAXINT));
        if (r <= 0)
            continue;
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
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

/*
 * Reaps the child, killing it once the deadline passes: nothing the sandbox
 * starts outlives the call.  FALSE when it had to be killed.
 */
static gboolean wait_child(pid_t child, gint64 deadline, int *ret_status)
{
    gboolean killed = FALSE;
    for (;;) {
        pid_t r = waitpid(child, ret_status, killed ? 0 : WNOHANG);
        if (r == child)
            return !killed;
        if (r < 0 && errno != EINTR)
            return !killed;
        if (r == 0 && g_get_monotonic_time() >= deadline) {
            kill(child, SIGKILL);
            killed = TRUE;
        } else if (r == 0) {
            g_usleep(2000);
        }
    }
}

/* A child's "domain\ncode\nmessage", checked: it may come from a hostile child. */
static GError *parse_child_error(const char *text, gsize length)
{
    const char *end = text + length;
    const char *nl1 = memchr(text, '\n', length);
    const char *nl2 = nl1 ? memchr(nl1 + 1, '\n', (gsize)(end - nl1 - 1)) : NULL;
    if (!nl2 || nl1 == text || nl1 - text > ERROR_DOMAIN_MAX)
        return NULL;
    for (const char *c = text; c < nl1; c++)
        if (!g_ascii_isalnum(*c) && !strchr(" -_.", *c))
            return NULL;
    g_autofree char *domain = g_strndup(text, (gsize)(nl1 - text));
    g_autofree char *code_text = g_strndup(nl1 + 1, (gsize)(nl2 - nl1 - 1));
    gint64 code = 0;
    if (!g_ascii_string_to_signed(code_text, 10, G_MININT, G_MAXINT, &code, NULL))
        return NULL;
    g_autofree char *message =
        g_utf8_make_valid(nl2 + 1, (gssize)MIN((gsize)(end - nl2 - 1), ERROR_MESSAGE_MAX));
    return g_error_new_literal(g_quark_from_string(domain), (int)code, message);
}

CoronerCrashRecord *coroner_sandbox_run(const CoronerSandboxLimits *limits, CoronerSandboxFunc func,
                                        gpointer data, GError **error)
{
    const char *name = limits->name ? limits->name : "the parser";
    pid_t parent = getpid();
    int fd;
    pid_t child = coroner_sandbox_fork(&fd, error);
    if (child < 0)
        return NULL;
    if (child == 0)
        child_main(limits, func, data, fd, parent);
    unsigned timeout_ms = limits->timeout_ms ? limits->timeout_ms : DEFAULT_TIMEOUT_MS;
    gsize max_output = limits->max_output ? limits->max_output : DEFAULT_MAX_OUTPUT;
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    gboolean timed_out, too_big;
    /* One more byte than the JSON: the tag. */
    g_autoptr(GByteArray) answer =
        read_answer(fd, max_output + 1, deadline, &timed_out, &too_big);
    close(fd);
    if (timed_out || too_big)
        kill(child, SIGKILL);
    int status = 0;
    if (!wait_child(child, deadline, &status) && !timed_out && answer->len > 0) {
        /* The answer came in time; only the after-answer work was cut. */
        status = 0;
    }

    if (timed_out) {
        g_set_error(error, CORONER_SANDBOX_ERROR, CORONER_SANDBOX_ERROR_TIMEOUT,
                    "%s did not finish within %u ms and was stopped", name, timeout_ms);
        return NULL;
    }
    if (too_big) {
        g_set_error(error, CORONER_SANDBOX_ERROR, CORONER_SANDBOX_ERROR_TOO_BIG,
                    "%s's answer exceeded %" G_GSIZE_FORMAT " bytes", name, max_output);
        return NULL;
    }
    if (WIFSIGNALED(status)) {
        g_set_error(error, CORONER_SANDBOX_ERROR, CORONER_SANDBOX_ERROR_CRASHED,
                    "%s crashed (signal %d, %s)", name, WTERMSIG(status),
                    g_strsignal(WTERMSIG(status)));
        return NULL;
    }
    int exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (answer->len > 0 && answer->data[0] == RESULT_ERROR) {
        GError *child_error = parse_child_error((const char *)answer->data + 1, answer->len - 1);
        if (child_error)
            g_propagate_error(error, child_error);
        else
            g_set_error(error, CORONER_SANDBOX_ERROR, CORONER_SANDBOX_ERROR_INVALID,
                        "%s sent a malformed error (exit status %d)", name, exit_status);
        return NULL;
    }
    if (answer->len == 0 || answer->data[0] != RESULT_OK || exit_status != 0) {
        g_set_error(error, CORONER_SANDBOX_ERROR, CORONER_SANDBOX_ERROR_INVALID,
                    "%s sent no usable answer (exit status %d)", name, exit_status);
        return NULL;
    }
    g_autoptr(GError) local = NULL;
    CoronerCrashRecord *r = coroner_crash_record_from_json((const char *)answer->data + 1,
                                                           (gssize)answer->len - 1, &local);
    if (!r)
        g_set_error(error, CORONER_SANDBOX_ERROR, CORONER_SANDBOX_ERROR_INVALID,
                    "%s sent no usable answer: %s", name, local->message);
    return r;
}
