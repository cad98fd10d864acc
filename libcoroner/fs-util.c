/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fs-util.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int coroner_write_all(int fd, const void *data, size_t length)
{
    const char *p = data;
    while (length > 0) {
        ssize_t n = write(fd, p, length);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -EIO;
        p += n;
        length -= (size_t)n;
    }
    return 0;
}

ssize_t coroner_read_full(int fd, void *data, size_t length)
{
    char *p = data;
    size_t done = 0;
    while (done < length) {
        ssize_t n = read(fd, p + done, length - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

int coroner_open_regular_at(int dir_fd, const char *name, const char *what, GError **error)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot open %s %s: %s", what,
                    name, e == ELOOP ? "it is a symbolic link" : g_strerror(e));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE, "%s %s is not a regular file",
                    what, name);
        return -1;
    }
    (void)fcntl(fd, F_SETFL, 0);
    return fd;
}

gboolean coroner_read_fd(int fd, const char *name, gsize max_bytes, char **ret_data,
                         gsize *ret_length, GError **error)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE, "%s is not a regular file",
                    name);
        return FALSE;
    }
    if ((gsize)st.st_size > max_bytes) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                    "%s is larger than %" G_GSIZE_FORMAT " bytes", name, max_bytes);
        return FALSE;
    }
    gsize cap = (gsize)st.st_size;
    char *buf = g_malloc(cap + 1);
    ssize_t n = coroner_read_full(fd, buf, cap);
    if (n < 0) {
        g_free(buf);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno((int)-n), "cannot read %s: %s", name,
                    g_strerror((int)-n));
        return FALSE;
    }
    buf[n] = '\0';
    *ret_data = buf;
    if (ret_length)
        *ret_length = (gsize)n;
    return TRUE;
}

gboolean coroner_read_file_at(int dir_fd, const char *name, gsize max_bytes, char **ret_data,
                              gsize *ret_length, GError **error)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot open %s: %s", name,
                    e == ELOOP ? "it is a symbolic link" : g_strerror(e));
        return FALSE;
    }
    gboolean ok = coroner_read_fd(fd, name, max_bytes, ret_data, ret_length, error);
    close(fd);
    return ok;
}

gboolean coroner_tmpfile_open(int dir_fd, mode_t mode, CoronerTmpfile *ret_tmp, GError **error)
{
    CoronerTmpfile tmp = {.dir_fd = dir_fd, .fd = -1};
    tmp.fd = openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
    if (tmp.fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        for (int attempt = 0; attempt < 100 && tmp.fd < 0; attempt++) {
            g_free(tmp.fallback_name);
            tmp.fallback_name = g_strdup_printf(".#coroner.%08x", g_random_int());
            tmp.fd = openat(dir_fd, tmp.fallback_name,
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
            if (tmp.fd < 0 && errno != EEXIST)
                break;
        }
    }
    if (tmp.fd < 0) {
        int e = errno;
        g_free(tmp.fallback_name);
        coroner_set_errno_error(error, e, "cannot create a temporary file");
        return FALSE;
    }
    /* The mode passed to open is masked by the umask; the store's modes are policy. */
    (void)fchmod(tmp.fd, mode);
    *ret_tmp = tmp;
    return TRUE;
}

static gboolean tmpfile_sync(CoronerTmpfile *tmp, const char *name, GError **error)
{
    if (fsync(tmp->fd) == 0)
        return TRUE;
    int e = errno;
    coroner_set_errno_error(error, e, "cannot sync %s", name);
    return FALSE;
}

/* Links the O_TMPFILE file as name (never replacing one). */
static int tmpfile_linkat(CoronerTmpfile *tmp, const char *name)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", tmp->fd);
    return linkat(AT_FDCWD, path, tmp->dir_fd, name, AT_SYMLINK_FOLLOW);
}

static gboolean tmpfile_publish(CoronerTmpfile *tmp, const char *name, gboolean replace,
                                GError **error)
{
    if (!tmpfile_sync(tmp, name, error))
        return FALSE;
    int r;
    if (!tmp->fallback_name && replace) {
        /* An O_TMPFILE file cannot be renamed: it gets a hidden name first. */
        for (int attempt = 0; attempt < 100; attempt++) {
            tmp->fallback_name = g_strdup_printf(".#coroner.%08x", g_random_int());
            if (tmpfile_linkat(tmp, tmp->fallback_name) == 0)
                break;
            g_clear_pointer(&tmp->fallback_name, g_free);
            if (errno != EEXIST)
                break;
        }
    }
    if (tmp->fallback_name) {
        /* renameat2(RENAME_NOREPLACE) keeps the "never replace" promise of linkat. */
        r = renameat2(tmp->dir_fd, tmp->fallback_name, tmp->dir_fd, name,
                      replace ? 0 : RENAME_NOREPLACE);
        if (r == 0)
            g_clear_pointer(&tmp->fallback_name, g_free);
    } else {
        r = replace ? -1 : tmpfile_linkat(tmp, name);
    }
    if (r < 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "cannot %s %s", replace ? "replace" : "create", name);
        return FALSE;
    }
    (void)fsync(tmp->dir_fd);
    return TRUE;
}

gboolean coroner_tmpfile_link(CoronerTmpfile *tmp, const char *name, GError **error)
{
    return tmpfile_publish(tmp, name, FALSE, error);
}

gboolean coroner_tmpfile_replace(CoronerTmpfile *tmp, const char *name, GError **error)
{
    return tmpfile_publish(tmp, name, TRUE, error);
}

void coroner_tmpfile_discard(CoronerTmpfile *tmp)
{
    if (tmp->fd >= 0) {
        close(tmp->fd);
        tmp->fd = -1;
    }
    if (tmp->fallback_name) {
        (void)unlinkat(tmp->dir_fd, tmp->fallback_name, 0);
        g_clear_pointer(&tmp->fallback_name, g_free);
    }
}

gboolean coroner_tmpfile_write(CoronerTmpfile *tmp, const char *name, const void *data,
                               gsize length, GError **error)
{
    int r = coroner_write_all(tmp->fd, data, length);
    if (r == 0)
        return TRUE;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), "cannot write %s: %s", name,
                g_strerror(-r));
    return FALSE;
}

static gboolean write_file_atomic_at(int dir_fd, const char *name, const void *data, gsize length,
                                     mode_t mode, gboolean replace, GError **error)
{
    CoronerTmpfile tmp;
    if (!coroner_tmpfile_open(dir_fd, mode, &tmp, error))
        return FALSE;
    gboolean ok = coroner_tmpfile_write(&tmp, name, data, length, error) &&
                  tmpfile_publish(&tmp, name, replace, error);
    coroner_tmpfile_discard(&tmp);
    return ok;
}

gboolean coroner_write_file_atomic_at(int dir_fd, const char *name, const void *data, gsize length,
                                      mode_t mode, GError **error)
{
    return write_file_atomic_at(dir_fd, name, data, length, mode, FALSE, error);
}

gboolean coroner_replace_file_atomic_at(int dir_fd, const char *name, const void *data,
                                        gsize length, mode_t mode, GError **error)
{
    return write_file_atomic_at(dir_fd, name, data, length, mode, TRUE, error);
}

int coroner_open_dir_nofollow(const char *path, GError **error)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        /* O_DIRECTORY|O_NOFOLLOW on a symlink gives ENOTDIR or ELOOP depending on the target. */
        struct stat st;
        gboolean is_link = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot open store %s: %s", path,
                    is_link ? "it is a symbolic link, refusing to follow it" : g_strerror(e));
        return -1;
    }
    return fd;
}

DIR *coroner_opendir_at(int dir_fd, const char *name)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    DIR *dir = fdopendir(fd);
    if (!dir) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return dir;
}

int coroner_open_subdir(int dir_fd, const char *name, mode_t mode, const char *what,
                        GError **error)
{
    if (mkdirat(dir_fd, name, mode) < 0 && errno != EEXIST) {
        int e = errno;
        coroner_set_errno_error(error, e, "cannot create %s", what);
        return -1;
    }
    int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "cannot open %s", what);
    }
    return fd;
}

gboolean coroner_set_errno_error(GError **error, int err, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *what = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "%s: %s", what, g_strerror(err));
    return FALSE;
}
