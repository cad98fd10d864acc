/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "upload-state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"

UploadState *upload_state_open(const char *path, GError **error)
{
    if (g_mkdir_with_parents(path, 0700) < 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "cannot create %s", path);
        return NULL;
    }
    int dir_fd = coroner_open_dir_nofollow(path, error);
    if (dir_fd < 0)
        return NULL;
    UploadState *s = g_new0(UploadState, 1);
    s->dir_fd = dir_fd;
    s->uploaded_fd = s->pending_fd = -1;
    if ((s->uploaded_fd = coroner_open_subdir(dir_fd, "uploaded", 0700, "uploaded", error)) < 0 ||
        (s->pending_fd = coroner_open_subdir(dir_fd, "pending", 0700, "pending", error)) < 0) {
        g_prefix_error(error, "state directory %s: ", path);
        upload_state_free(s);
        return NULL;
    }
    return s;
}

void upload_state_free(UploadState *s)
{
    if (!s)
        return;
    if (s->uploaded_fd >= 0)
        close(s->uploaded_fd);
    if (s->pending_fd >= 0)
        close(s->pending_fd);
    if (s->dir_fd >= 0)
        close(s->dir_fd);
    g_free(s);
}

/* Entry ids are store file names: no "/", never "." or "..". */
static gboolean plain_name(const char *id)
{
    return id && *id && *id != '.' && !strchr(id, '/');
}

gboolean upload_state_is_uploaded(UploadState *s, const char *entry_id)
{
    return plain_name(entry_id) &&
           faccessat(s->uploaded_fd, entry_id, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

gboolean upload_state_mark_uploaded(UploadState *s, const char *entry_id, const char *key,
                                    uint64_t size, const char *sha256, GError **error)
{
    if (!plain_name(entry_id)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad entry id");
        return FALSE;
    }
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *when = g_date_time_format_iso8601(now);
    g_autofree char *text = g_strdup_printf("key=%s\nsize=%" G_GUINT64_FORMAT "\nsha256=%s\n"
                                            "uploaded=%s\n",
                                            key, size, sha256, when);
    /* Replaced if it exists (it does not, but a half-done earlier run may have left one). */
    (void)unlinkat(s->uploaded_fd, entry_id, 0);
    return coroner_write_file_atomic_at(s->uploaded_fd, entry_id, text, strlen(text), 0600, error);
}

static GPtrArray *list_dir(int dir_fd)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    DIR *d = coroner_opendir_at(dir_fd, ".");
    if (!d)
        return names;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            g_ptr_array_add(names, g_strdup(de->d_name));
    closedir(d);
    return names;
}

void upload_state_prune(UploadState *s, GHashTable *present)
{
    g_autoptr(GPtrArray) names = list_dir(s->uploaded_fd);
    for (guint i = 0; i < names->len; i++)
        if (!g_hash_table_contains(present, names->pdata[i]))
            (void)unlinkat(s->uploaded_fd, names->pdata[i], 0);
}

gboolean upload_state_set_pending(UploadState *s, const char *entry_id, const char *key,
                                  const char *upload_id, GError **error)
{
    g_autofree char *text = g_strdup_printf("%s\n%s\n", key, upload_id);
    (void)unlinkat(s->pending_fd, entry_id, 0);
    return coroner_write_file_atomic_at(s->pending_fd, entry_id, text, strlen(text), 0600, error);
}

void upload_state_clear_pending(UploadState *s, const char *entry_id)
{
    (void)unlinkat(s->pending_fd, entry_id, 0);
}

GHashTable *upload_state_list_pending(UploadState *s)
{
    GHashTable *pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GPtrArray) names = list_dir(s->pending_fd);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *text = NULL;
        gsize len;
        if (coroner_read_file_at(s->pending_fd, names->pdata[i], 64u << 10, &text, &len, NULL))
            g_hash_table_insert(pending, g_strdup(names->pdata[i]), g_steal_pointer(&text));
    }
    return pending;
}
