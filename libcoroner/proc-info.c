/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "proc-info.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <systemd/sd-login.h>
#include <unistd.h>

#include "container.h"
#include "fs-util.h"
#include "str-util.h"

/* Caps so a process with a million mappings or fds cannot make the record huge. */
#define PROC_TEXT_MAX (8u * 1024u * 1024u)
#define PROC_SMALL_MAX (256u * 1024u)
#define OPEN_FDS_MAX 1024

gboolean coroner_read_proc_file_at(int dir_fd, const char *name, gsize max_bytes, char **ret_data,
                                   gsize *ret_length, GError **error)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "%s", name);
        return FALSE;
    }
    g_autoptr(GByteArray) buf = g_byte_array_sized_new(4096);
    guint8 chunk[16384];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            coroner_set_errno_error(error, e, "%s", name);
            return FALSE;
        }
        if (n == 0)
            break;
        gsize room = max_bytes - buf->len;
        g_byte_array_append(buf, chunk, (guint)MIN((gsize)n, room));
        if (buf->len >= max_bytes)
            break;
    }
    close(fd);
    if (ret_length)
        *ret_length = buf->len;
    g_byte_array_append(buf, (const guint8 *)"", 1);
    *ret_data = (char *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
    return TRUE;
}

char *coroner_join_nul_separated(const char *data, gsize length, char separator)
{
    while (length > 0 && data[length - 1] == '\0')
        length--;
    /* g_strndup would stop at the first NUL. */
    char *s = g_malloc(length + 1);
    memcpy(s, data, length);
    s[length] = '\0';
    for (gsize i = 0; i < length; i++)
        if (s[i] == '\0')
            s[i] = separator;
    return s;
}

gboolean coroner_auxv_is_secure(const void *auxv, gsize length)
{
    const unsigned long *v = auxv;
    gsize n = length / (2 * sizeof(unsigned long));
    for (gsize i = 0; i < n; i++) {
        if (v[2 * i] == AT_NULL)
            break;
        if (v[2 * i] == AT_SECURE)
            return v[2 * i + 1] != 0;
    }
    return FALSE;
}

static int pidfd_pid(int pidfd)
{
    char path[64];
    snprintf(path, sizeof path, "fdinfo/%d", pidfd);
    g_autofree char *info = NULL;
    int self = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (self < 0)
        return -1;
    gboolean ok = coroner_read_proc_file_at(self, path, PROC_SMALL_MAX, &info, NULL, NULL);
    close(self);
    if (!ok)
        return -1;
    const char *line = strstr(info, "\nPid:");
    int pid = -1;
    if (!line || sscanf(line + 5, "%d", &pid) != 1)
        return -1;
    return pid;
}

int coroner_proc_open(pid_t pid, int pidfd, gboolean *ret_verified, GError **error)
{
    *ret_verified = FALSE;
    if (pidfd >= 0) {
        int pid_of_fd = pidfd_pid(pidfd);
        if (pid_of_fd < 0) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                        "fd %d is not a pidfd of a live process", pidfd);
            return -1;
        }
        if (pid_of_fd != pid) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "the pidfd refers to PID %d, not the crashed PID %d", pid_of_fd, (int)pid);
            return -1;
        }
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
                    e == ENOENT ? "process %d no longer exists" : "cannot open /proc/%d: %s",
                    (int)pid, g_strerror(e));
        return -1;
    }
    if (pidfd >= 0) {
        /*
         * The directory was opened after the pidfd was known to point at our
         * PID; if the process is still alive now, the PID cannot have been
         * recycled in between, so the directory is the crashed process's.
         */
        if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) {
            int e = errno;
            close(fd);
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                        "process %d exited before its metadata could be read: %s", (int)pid,
                        g_strerror(e));
            return -1;
        }
        *ret_verified = TRUE;
    }
    return fd;
}

static char *read_link_at(int dir_fd, const char *name)
{
    char buf[4096];
    ssize_t n = readlinkat(dir_fd, name, buf, sizeof buf - 1);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return g_strdup(buf);
}

static char *read_text(int proc_fd, const char *name, gsize max, CoronerCrashRecord *record)
{
    char *data = NULL;
    gsize length = 0;
    g_autoptr(GError) error = NULL;
    if (!coroner_read_proc_file_at(proc_fd, name, max, &data, &length, &error)) {
        coroner_crash_record_add_error(record, "cannot read /proc/PID/%s", error->message);
        return NULL;
    }
    if (length >= max)
        coroner_crash_record_add_error(record, "/proc/PID/%s was cut at %" G_GSIZE_FORMAT " KiB",
                                       name, max / 1024);
    return data;
}

static void collect_threads(int proc_fd, CoronerCrashRecord *record)
{
    DIR *dir = coroner_opendir_at(proc_fd, "task");
    if (!dir) {
        coroner_crash_record_add_error(record, "cannot list threads: %s", g_strerror(errno));
        return;
    }
    struct dirent *de;
    while ((de = readdir(dir))) {
        guint64 tid;
        if (!g_ascii_string_to_unsigned(de->d_name, 10, 1, G_MAXINT32, &tid, NULL))
            continue;
        g_autofree char *path = g_strdup_printf("%s/comm", de->d_name);
        g_autofree char *name = NULL;
        if (coroner_read_proc_file_at(dirfd(dir), path, PROC_SMALL_MAX, &name, NULL, NULL))
            g_strchomp(name);
        CoronerThreadName *t = g_new0(CoronerThreadName, 1);
        t->tid = (int64_t)tid;
        t->name = g_steal_pointer(&name);
        g_ptr_array_add(record->process.threads, t);
    }
    closedir(dir);
}

static gint compare_fd_names(gconstpointer a, gconstpointer b)
{
    return (int)g_ascii_strtoll(*(char *const *)a, NULL, 10) -
           (int)g_ascii_strtoll(*(char *const *)b, NULL, 10);
}

/* The same layout as systemd-coredump's COREDUMP_OPEN_FDS: "fd:target" then its fdinfo. */
static char *collect_open_fds(int proc_fd, CoronerCrashRecord *record)
{
    DIR *dir = coroner_opendir_at(proc_fd, "fd");
    if (!dir) {
        coroner_crash_record_add_error(record, "cannot list open fds: %s", g_strerror(errno));
        return NULL;
    }
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    struct dirent *de;
    while ((de = readdir(dir)) && names->len < OPEN_FDS_MAX)
        if (de->d_name[0] != '.')
            g_ptr_array_add(names, g_strdup(de->d_name));
    g_ptr_array_sort(names, compare_fd_names);

    GString *out = g_string_new(NULL);
    for (guint i = 0; i < names->len; i++) {
        const char *n = names->pdata[i];
        g_autofree char *target = read_link_at(dirfd(dir), n);
        g_autofree char *info_path = g_strdup_printf("fdinfo/%s", n);
        g_autofree char *info = NULL;
        (void)coroner_read_proc_file_at(proc_fd, info_path, PROC_SMALL_MAX, &info, NULL, NULL);
        g_string_append_printf(out, "%s%s:%s\n%s", i ? "\n" : "", n, target ? target : "?",
                                info ? info : "");
    }
    closedir(dir);
    return g_string_free(out, FALSE);
}

/* Moves a malloc'ed string from libsystemd into GLib's allocator. */
static char *take_libc_string(char *s)
{
    char *copy = g_strdup(s);
    free(s);
    return copy;
}

static void collect_cgroup_names(pid_t pid, CoronerProcessInfo *p)
{
    /* libsystemd knows how units, user units, sessions and slices map onto cgroup paths. */
    char *s = NULL;
    if (sd_pid_get_cgroup(pid, &s) >= 0)
        p->cgroup = take_libc_string(s);
    if (sd_pid_get_unit(pid, &s) >= 0)
        p->unit = take_libc_string(s);
    if (sd_pid_get_user_unit(pid, &s) >= 0)
        p->user_unit = take_libc_string(s);
    if (sd_pid_get_session(pid, &s) >= 0)
        p->session = take_libc_string(s);
    if (sd_pid_get_slice(pid, &s) >= 0)
        p->slice = take_libc_string(s);
    uid_t owner;
    if (sd_pid_get_owner_uid(pid, &owner) >= 0)
        p->owner_uid = owner;
}

void coroner_proc_collect(int proc_fd, pid_t pid, CoronerCrashRecord *record)
{
    CoronerProcessInfo *p = &record->process;

    g_autofree char *comm = read_text(proc_fd, "comm", PROC_SMALL_MAX, record);
    if (comm) {
        g_strchomp(comm);
        g_free(p->comm);
        p->comm = g_steal_pointer(&comm);
    }

    p->exe = read_link_at(proc_fd, "exe");
    if (!p->exe)
        coroner_crash_record_add_error(record, "cannot read /proc/PID/exe: %s", g_strerror(errno));
    p->cwd = read_link_at(proc_fd, "cwd");
    p->root = read_link_at(proc_fd, "root");

    gsize len = 0;
    g_autofree char *cmdline = NULL;
    if (coroner_read_proc_file_at(proc_fd, "cmdline", PROC_SMALL_MAX, &cmdline, &len, NULL)) {
        p->cmdline = coroner_join_nul_separated(cmdline, len, ' ');
        if (len >= PROC_SMALL_MAX)
            coroner_crash_record_add_error(record, "the command line was cut at %u KiB",
                                           PROC_SMALL_MAX / 1024);
    }

    p->proc_status = read_text(proc_fd, "status", PROC_SMALL_MAX, record);
    p->proc_maps = read_text(proc_fd, "maps", PROC_TEXT_MAX, record);
    p->proc_limits = read_text(proc_fd, "limits", PROC_SMALL_MAX, record);
    p->proc_cgroup = read_text(proc_fd, "cgroup", PROC_SMALL_MAX, record);
    p->proc_mountinfo = read_text(proc_fd, "mountinfo", PROC_TEXT_MAX, record);

    g_autofree char *auxv = NULL;
    if (coroner_read_proc_file_at(proc_fd, "auxv", PROC_SMALL_MAX, &auxv, &len, NULL)) {
        p->secure_exec = coroner_auxv_is_secure(auxv, len);
        p->proc_auxv_hex = coroner_hex_encode(auxv, len);
    } else {
        coroner_crash_record_add_error(record, "cannot read /proc/PID/auxv");
    }

    g_autofree char *environ_raw = NULL;
    if (coroner_read_proc_file_at(proc_fd, "environ", PROC_TEXT_MAX, &environ_raw, &len, NULL))
        p->environ = coroner_join_nul_separated(environ_raw, len, '\n');

    p->open_fds = collect_open_fds(proc_fd, record);
    collect_threads(proc_fd, record);
    collect_cgroup_names(pid, p);
    coroner_container_collect(proc_fd, NULL, record);
}
