/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File helpers for a store that untrusted users can influence: everything is
 * relative to a directory fd, never follows symlinks, and writes atomically.
 */
#pragma once

#include <dirent.h>
#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

G_BEGIN_DECLS

/*
 * Opens dir_fd/name for reading when it is a regular file: never through a
 * symlink (O_NOFOLLOW), never blocking on a FIFO (O_NONBLOCK, cleared once
 * the file is known to be regular).  what names it in errors ("the core").
 * Returns the fd, or -1 with error set.
 */
int coroner_open_regular_at(int dir_fd, const char *name, const char *what, GError **error);

/* Reads the regular file fd (named name in errors) of at most max_bytes; NUL-terminates the result. */
gboolean coroner_read_fd(int fd, const char *name, gsize max_bytes, char **ret_data,
                         gsize *ret_length, GError **error);

/* Reads a regular file (no symlink, never blocking on a FIFO) of at most max_bytes; NUL-terminates the result. */
gboolean coroner_read_file_at(int dir_fd, const char *name, gsize max_bytes, char **ret_data,
                              gsize *ret_length, GError **error);

/*
 * An unnamed file in dir_fd (O_TMPFILE), linked into place by
 * coroner_tmpfile_link() only once it is complete and fsync'd; abandoning it
 * leaves nothing behind.  Falls back to a hidden ".#name.XXXXXX" file that is
 * unlinked on failure where O_TMPFILE is not supported.
 */
typedef struct {
    int dir_fd;
    int fd;
    char *fallback_name; /* set when O_TMPFILE was not available */
} CoronerTmpfile;

gboolean coroner_tmpfile_open(int dir_fd, mode_t mode, CoronerTmpfile *ret_tmp, GError **error);
/* Writes all of data (name is for the error message). */
gboolean coroner_tmpfile_write(CoronerTmpfile *tmp, const char *name, const void *data,
                               gsize length, GError **error);
/* fsyncs, links the file as name (never replacing an existing one), then fsyncs the directory. */
gboolean coroner_tmpfile_link(CoronerTmpfile *tmp, const char *name, GError **error);
/* fsyncs, renames the file over name (replacing what was there), then fsyncs the directory. */
gboolean coroner_tmpfile_replace(CoronerTmpfile *tmp, const char *name, GError **error);
/* Closes and removes whatever is left. Safe to call twice. */
void coroner_tmpfile_discard(CoronerTmpfile *tmp);

/*
 * Writes data to dir_fd/name atomically with the given mode: after a crash or
 * a power loss the name holds nothing or all of it.  Never replaces an
 * existing name (fails with G_IO_ERROR_EXISTS).
 */
gboolean coroner_write_file_atomic_at(int dir_fd, const char *name, const void *data, gsize length,
                                      mode_t mode, GError **error);
/* The same, replacing what name held: it holds the old content or the complete new one. */
gboolean coroner_replace_file_atomic_at(int dir_fd, const char *name, const void *data,
                                        gsize length, mode_t mode, GError **error);

/* write(2) all of it, retrying on EINTR and short writes. Returns 0 or -errno. */
int coroner_write_all(int fd, const void *data, size_t length);

/* read(2) until length bytes or EOF. Returns bytes read or -errno. */
ssize_t coroner_read_full(int fd, void *data, size_t length);

/*
 * Opens a directory path without following a symlink at any component that
 * could be swapped: the last component must be a real directory.
 */
int coroner_open_dir_nofollow(const char *path, GError **error);

/*
 * A listing of the directory name under dir_fd (".": dir_fd itself, read from
 * the start with a descriptor of its own).  NULL with errno set on failure.
 */
DIR *coroner_opendir_at(int dir_fd, const char *name);

/* Sets error to "<what happened>: <strerror(err)>" (G_IO_ERROR from err); FALSE. */
gboolean coroner_set_errno_error(GError **error, int err, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

/*
 * Makes the directory name under dir_fd (with mode) unless it is there, and
 * opens it, never through a symbolic link.  -1 with error set ("cannot
 * create WHAT", "cannot open WHAT") on failure.
 */
int coroner_open_subdir(int dir_fd, const char *name, mode_t mode, const char *what,
                        GError **error);

G_END_DECLS
