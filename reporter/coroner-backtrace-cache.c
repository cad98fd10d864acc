/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-backtrace-cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "store.h"

char *coroner_backtrace_cache_default_dir(void)
{
    return g_build_filename(g_get_user_cache_dir(), "coroner", "backtraces", NULL);
}

/*
 * "<id>.json", only for ids that are store entry names: those never hold a
 * '/' (systemd escapes it in the comm) nor start with a dot, and carry the
 * crash time that pruning goes by.
 */
static char *file_name(const char *id)
{
    g_autofree char *name = NULL;
    g_autofree char *parsed = NULL;
    CoronerStoreFileKind kind;

    if (!id || strchr(id, '/'))
        return NULL;
    name = g_strconcat(id, CORONER_RECORD_SUFFIX, NULL);
    if (!coroner_parse_store_name(name, &parsed, NULL, NULL, NULL, &kind) || kind != CORONER_STORE_FILE_RECORD ||
        !g_str_equal(parsed, id))
        return NULL;
    return g_steal_pointer(&name);
}

/*
 * The directory, not followed if it is a symlink, and only if it is this
 * user's and nobody else may write in it: what is read from it replaces a
 * backtrace the user will send.
 */
static int open_dir(const char *dir, gboolean create, GError **error)
{
    struct stat st;
    int fd;

    if (create && g_mkdir_with_parents(dir, 0700) < 0) {
        int saved_errno = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved_errno), "%s: %s", dir, g_strerror(saved_errno));
        return -1;
    }
    fd = coroner_open_dir_nofollow(dir, error);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 0022)) {
        close(fd);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "%s is not a directory only this user can write to", dir);
        return -1;
    }
    return fd;
}

gboolean coroner_backtrace_cache_save(const char *dir, const CoronerCrashRecord *record, GError **error)
{
    g_autofree char *default_dir = dir ? NULL : coroner_backtrace_cache_default_dir();
    g_autofree char *name = file_name(record->id);
    g_autofree char *path = NULL;
    g_autofree char *json = NULL;
    g_autoptr(CoronerCrashRecord) part = NULL;
    gsize length = 0;
    int fd;

    if (!dir)
        dir = default_dir;
    if (!name) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME, "crash id %s cannot name a file",
                    record->id ? record->id : "(none)");
        return FALSE;
    }
    /* Only the backtrace: what crashed, its environment and where its core is stay in the store. */
    part = coroner_crash_record_new();
    part->id = g_strdup(record->id);
    part->timestamp_usec = record->timestamp_usec;
    g_ptr_array_unref(part->threads);
    part->threads = g_ptr_array_ref(record->threads);
    g_ptr_array_unref(part->modules);
    part->modules = g_ptr_array_ref(record->modules);
    part->signature = g_strdup(record->signature);
    part->backtrace_quality = record->backtrace_quality;
    part->backtrace_error = g_strdup(record->backtrace_error);
    json = coroner_crash_record_to_json(part, &length);
    if (length > CORONER_BACKTRACE_CACHE_MAX_BYTES) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "the backtrace is larger than %u bytes",
                    CORONER_BACKTRACE_CACHE_MAX_BYTES);
        return FALSE;
    }
    fd = open_dir(dir, TRUE, error);
    if (fd < 0)
        return FALSE;
    close(fd);
    path = g_build_filename(dir, name, NULL);
    /* A temporary file renamed over the old one: a symlink at path is replaced, never followed. */
    return g_file_set_contents_full(path, json, (gssize)length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

gboolean coroner_backtrace_cache_apply(const char *dir, CoronerCrashRecord *record, GError **error)
{
    g_autofree char *default_dir = dir ? NULL : coroner_backtrace_cache_default_dir();
    g_autofree char *name = file_name(record->id);
    g_autofree char *data = NULL;
    g_autoptr(CoronerCrashRecord) saved = NULL;
    g_autoptr(GError) local_error = NULL;
    gsize length = 0;
    gboolean read_ok;
    int fd;

    if (!dir)
        dir = default_dir;
    if (!name)
        return FALSE;
    fd = open_dir(dir, FALSE, &local_error);
    if (fd < 0) {
        if (g_error_matches(local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
            return FALSE;
        g_propagate_error(error, g_steal_pointer(&local_error));
        return FALSE;
    }
    read_ok = coroner_read_file_at(fd, name, CORONER_BACKTRACE_CACHE_MAX_BYTES, &data, &length, &local_error);
    close(fd);
    if (!read_ok) {
        if (g_error_matches(local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
            return FALSE;
        g_propagate_error(error, g_steal_pointer(&local_error));
        return FALSE;
    }
    saved = coroner_crash_record_from_json(data, (gssize)length, error);
    if (!saved)
        return FALSE;
    if (g_strcmp0(saved->id, record->id) != 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s holds the backtrace of another crash", name);
        return FALSE;
    }
    if (!saved->threads || saved->threads->len == 0) {
        /* Never trade a backtrace for none. */
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s holds no backtrace", name);
        return FALSE;
    }
    g_ptr_array_unref(record->threads);
    record->threads = g_steal_pointer(&saved->threads);
    g_ptr_array_unref(record->modules);
    record->modules = g_steal_pointer(&saved->modules);
    g_free(record->signature);
    record->signature = g_steal_pointer(&saved->signature);
    g_free(record->backtrace_error);
    record->backtrace_error = g_steal_pointer(&saved->backtrace_error);
    record->backtrace_quality = saved->backtrace_quality;
    return TRUE;
}

void coroner_backtrace_cache_forget(const char *dir, const char *id)
{
    g_autofree char *default_dir = dir ? NULL : coroner_backtrace_cache_default_dir();
    g_autofree char *name = file_name(id);
    int fd;

    if (!name)
        return;
    fd = open_dir(dir ? dir : default_dir, FALSE, NULL);
    if (fd < 0)
        return;
    unlinkat(fd, name, 0);
    close(fd);
}

guint coroner_backtrace_cache_prune(const char *dir, gint64 cutoff_usec)
{
    g_autofree char *default_dir = dir ? NULL : coroner_backtrace_cache_default_dir();
    guint removed = 0;
    struct dirent *entry;
    DIR *listing;
    int fd = open_dir(dir ? dir : default_dir, FALSE, NULL);

    if (fd < 0)
        return 0;
    listing = fdopendir(fd);
    if (!listing) {
        close(fd);
        return 0;
    }
    while ((entry = readdir(listing))) {
        CoronerStoreFileKind kind;
        guint64 usec = 0;
        struct stat st;

        if (entry->d_name[0] == '.' || fstatat(fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (coroner_parse_store_name(entry->d_name, NULL, NULL, NULL, &usec, &kind) &&
            kind == CORONER_STORE_FILE_RECORD) {
            if ((gint64)usec >= cutoff_usec)
                continue;
        } else if ((gint64)st.st_mtime * G_USEC_PER_SEC >= cutoff_usec) {
            /* Not ours by name (say, a temporary file of an interrupted save): it goes by its age. */
            continue;
        }
        if (unlinkat(fd, entry->d_name, 0) == 0)
            removed++;
    }
    closedir(listing);
    return removed;
}
