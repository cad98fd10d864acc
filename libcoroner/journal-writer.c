/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "journal-writer.h"

#include <errno.h>
#include <gio/gio.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "backtrace-format.h"
#include "fs-util.h"
#include "str-util.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
/* Enough to see the crash; the record has all of them. */
#define JOURNAL_MAX_THREADS 16

static void add_field(GPtrArray *fields, const char *name, const void *value, gsize length)
{
    if (!value)
        return;
    GByteArray *b = g_byte_array_sized_new((guint)(strlen(name) + 1 + length));
    g_byte_array_append(b, (const guint8 *)name, (guint)strlen(name));
    g_byte_array_append(b, (const guint8 *)"=", 1);
    g_byte_array_append(b, value, (guint)length);
    g_ptr_array_add(fields, g_byte_array_free_to_bytes(b));
}

static void add_text(GPtrArray *fields, const char *name, const char *value)
{
    if (value)
        add_field(fields, name, value, strlen(value));
}

static void add_number(GPtrArray *fields, const char *name, int64_t value)
{
    if (value < 0)
        return;
    g_autofree char *s = g_strdup_printf("%" G_GINT64_FORMAT, value);
    add_text(fields, name, s);
}

char *coroner_journal_message(const CoronerCrashRecord *r)
{
    const CoronerProcessInfo *p = &r->process;
    g_autofree char *signame = r->signal.name ? g_strdup(r->signal.name)
                                              : coroner_signal_name(r->signal.number);
    GString *m = g_string_new(NULL);
    if (r->core.state == CORONER_CORE_PRESENT || r->core.state == CORONER_CORE_TRUNCATED)
        g_string_append_printf(m, "Process %" G_GINT64_FORMAT " (%s) of user %" G_GINT64_FORMAT
                               " dumped core.",
                               p->pid, p->comm ? p->comm : "?", p->uid);
    else
        g_string_append_printf(m, "Process %" G_GINT64_FORMAT " (%s) of user %" G_GINT64_FORMAT
                               " terminated abnormally with signal %d/%s%s%s.",
                               p->pid, p->comm ? p->comm : "?", p->uid, r->signal.number, signame,
                               r->core.reason ? ", without a stored core: " : "",
                               r->core.reason ? r->core.reason : "");

    /* The stack trace, in systemd-coredump's layout, once the symbolizer has filled it in. */
    if (r->threads->len > 0) {
        g_autofree char *trace = coroner_backtrace_format(r, JOURNAL_MAX_THREADS);
        g_string_append_printf(m, "\n\n%s", trace);
    }
    return g_string_free(m, FALSE);
}

GPtrArray *coroner_journal_fields(const CoronerCrashRecord *r, const char *rlimit_text,
                                  const char *core_path, const char *record_path)
{
    const CoronerProcessInfo *p = &r->process;
    GPtrArray *f = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    g_autofree char *message = coroner_journal_message(r);
    g_autofree char *signame = r->signal.name ? g_strdup_printf("SIG%s", r->signal.name) : NULL;

    add_text(f, "MESSAGE_ID", CORONER_COREDUMP_MESSAGE_ID);
    add_text(f, "MESSAGE", message);
    add_text(f, "PRIORITY", "2");
    add_text(f, "SYSLOG_IDENTIFIER", "coroner-handler");
    add_number(f, "COREDUMP_PID", p->pid);
    add_number(f, "COREDUMP_TID", p->tid);
    add_number(f, "COREDUMP_UID", p->uid);
    add_number(f, "COREDUMP_GID", p->gid);
    add_number(f, "COREDUMP_SIGNAL", r->signal.number);
    add_text(f, "COREDUMP_SIGNAL_NAME", signame);
    add_number(f, "COREDUMP_TIMESTAMP", r->timestamp_usec);
    add_text(f, "COREDUMP_RLIMIT", rlimit_text);
    add_text(f, "COREDUMP_HOSTNAME", r->hostname);
    add_text(f, "COREDUMP_COMM", p->comm);
    add_text(f, "COREDUMP_EXE", p->exe);
    add_text(f, "COREDUMP_CMDLINE", p->cmdline);
    add_text(f, "COREDUMP_CWD", p->cwd);
    add_text(f, "COREDUMP_ROOT", p->root);
    add_text(f, "COREDUMP_CGROUP", p->cgroup);
    add_text(f, "COREDUMP_UNIT", p->unit);
    add_text(f, "COREDUMP_USER_UNIT", p->user_unit);
    add_text(f, "COREDUMP_SESSION", p->session);
    add_number(f, "COREDUMP_OWNER_UID", p->owner_uid);
    add_text(f, "COREDUMP_SLICE", p->slice);
    add_text(f, "COREDUMP_PROC_STATUS", p->proc_status);
    add_text(f, "COREDUMP_PROC_MAPS", p->proc_maps);
    add_text(f, "COREDUMP_PROC_LIMITS", p->proc_limits);
    add_text(f, "COREDUMP_PROC_CGROUP", p->proc_cgroup);
    add_text(f, "COREDUMP_PROC_MOUNTINFO", p->proc_mountinfo);
    if (p->proc_auxv_hex) {
        g_autoptr(GBytes) auxv = coroner_hex_decode(p->proc_auxv_hex);
        gsize n;
        const void *data = g_bytes_get_data(auxv, &n);
        add_field(f, "COREDUMP_PROC_AUXV", data, n);
    }
    add_text(f, "COREDUMP_OPEN_FDS", p->open_fds);
    add_text(f, "COREDUMP_ENVIRON", p->environ);
    add_number(f, "COREDUMP_DUMPABLE", p->dumpable);
    if (core_path)
        add_text(f, "COREDUMP_FILENAME", core_path);
    if (r->core.state == CORONER_CORE_TRUNCATED)
        add_text(f, "COREDUMP_TRUNCATED", "1");
    if (r->app) {
        add_text(f, "COREDUMP_PACKAGE_NAME", r->app->app_id ? r->app->app_id : r->app->name);
        add_text(f, "COREDUMP_PACKAGE_VERSION", r->app->version);
    }
    if (r->container) {
        /* Labels of the container or sandbox (docs/crash-record.md "container"). */
        add_text(f, "CORONER_CONTAINER_RUNTIME", r->container->runtime);
        add_text(f, "CORONER_CONTAINER_ENGINE", r->container->engine);
        add_text(f, "CORONER_CONTAINER_ID", r->container->id);
        add_text(f, "CORONER_CONTAINER_POD_UID", r->container->pod_uid);
        add_text(f, "CORONER_CONTAINER_APP_ID", r->container->app_id);
        add_number(f, "CORONER_CONTAINER_PID", r->container->pid);
    }
    add_text(f, "CORONER_RECORD", record_path);
    add_text(f, "CORONER_RECORD_ID", r->id);
    add_text(f, "CORONER_CORE_STATE", coroner_core_state_to_string(r->core.state));
    return f;
}

static int wait_with_timeout(pid_t child, unsigned timeout_ms, int *ret_status)
{
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    if (pidfd >= 0) {
        struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
        int r;
        do
            r = poll(&pfd, 1, (int)timeout_ms);
        while (r < 0 && errno == EINTR);
        close(pidfd);
        if (r == 0) {
            kill(child, SIGKILL);
            (void)waitpid(child, NULL, 0);
            return -ETIMEDOUT;
        }
    }
    while (waitpid(child, ret_status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return 0;
}

gboolean coroner_journal_send(GPtrArray *fields, unsigned timeout_ms, GError **error)
{
    struct stat st;
    if (stat(JOURNAL_SOCKET, &st) < 0 || !S_ISSOCK(st.st_mode)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "journald is not running (no %s)",
                    JOURNAL_SOCKET);
        return FALSE;
    }
    pid_t child = fork();
    if (child < 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "cannot fork");
        return FALSE;
    }
    if (child == 0) {
        struct iovec *iov = g_new0(struct iovec, fields->len);
        for (guint i = 0; i < fields->len; i++) {
            gsize n;
            iov[i].iov_base = (void *)g_bytes_get_data(fields->pdata[i], &n);
            iov[i].iov_len = n;
        }
        int r = sd_journal_sendv(iov, (int)fields->len);
        _exit(r < 0 ? (-r & 0x7f) : 0);
    }
    int status = 0;
    int r = wait_with_timeout(child, timeout_ms, &status);
    if (r == -ETIMEDOUT) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                    "journald did not take the entry within %u ms", timeout_ms);
        return FALSE;
    }
    if (r < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        int e = r < 0 ? -r : (WIFEXITED(status) ? WEXITSTATUS(status) : EIO);
        coroner_set_errno_error(error, e, "journald refused the entry");
        return FALSE;
    }
    return TRUE;
}
