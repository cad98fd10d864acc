/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "store.h"

#include <acl/libacl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "str-util.h"

CoronerStore *coroner_store_open(const char *path, gboolean create, GError **error)
{
    if (create && mkdir(path, 0755) < 0 && errno == ENOENT) {
        g_autofree char *parent = g_path_get_dirname(path);
        if (g_mkdir_with_parents(parent, 0755) == 0)
            (void)mkdir(path, 0755);
    }
    int fd = coroner_open_dir_nofollow(path, error);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        coroner_set_errno_error(error, e, "cannot stat store %s", path);
        return NULL;
    }
    /* A store that others can write to would let them plant links and fake records. */
    if (create && geteuid() == 0 && (st.st_uid != 0 || (st.st_mode & 0022))) {
        close(fd);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "refusing store %s: it must be owned by root and not writable by others", path);
        return NULL;
    }
    /* mkdir's mode went through our umask; readers need to traverse to their own files. */
    if (create && geteuid() == 0 && (st.st_mode & 07777) != 0755)
        (void)fchmod(fd, 0755);
    CoronerStore *store = g_new0(CoronerStore, 1);
    store->path = g_strdup(path);
    store->dir_fd = fd;
    return store;
}

void coroner_store_free(CoronerStore *store)
{
    if (!store)
        return;
    if (store->dir_fd >= 0)
        close(store->dir_fd);
    g_free(store->path);
    g_free(store);
}

char *coroner_escape_comm(const char *comm)
{
    GString *out = g_string_new(NULL);
    for (const unsigned char *p = (const unsigned char *)comm; *p; p++) {
        if (*p < ' ' || *p >= 127 || *p == '\\' || strchr("./ ", *p))
            g_string_append_printf(out, "\\x%02x", *p);
        else
            g_string_append_c(out, (char)*p);
    }
    return g_string_free(out, FALSE);
}

char *coroner_unescape_comm(const char *escaped)
{
    GString *out = g_string_new(NULL);
    for (const char *p = escaped; *p; p++) {
        if (p[0] == '\\' && p[1] == 'x' && g_ascii_isxdigit(p[2]) && g_ascii_isxdigit(p[3])) {
            g_string_append_c(out, (char)(g_ascii_xdigit_value(p[2]) << 4 |
                                          g_ascii_xdigit_value(p[3])));
            p += 3;
        } else {
            g_string_append_c(out, *p);
        }
    }
    if (g_utf8_validate_len(out->str, out->len, NULL))
        return g_string_free(out, FALSE);
    char *valid = g_utf8_make_valid(out->str, (gssize)out->len);
    g_string_free(out, TRUE);
    return valid;
}

char *coroner_entry_id(const char *comm, int64_t uid, const char *boot_id, int64_t pid,
                       uint64_t usec)
{
    g_autofree char *escaped = coroner_escape_comm(comm && *comm ? comm : "unknown");
    return g_strdup_printf("core.%s.%" G_GINT64_FORMAT ".%s.%" G_GINT64_FORMAT ".%" G_GUINT64_FORMAT,
                           escaped, uid, boot_id, pid, usec);
}

static gboolean is_boot_id(const char *s)
{
    return strlen(s) == 32 && coroner_str_is_hex(s);
}

gboolean coroner_parse_entry_id(const char *id, char **ret_comm, int64_t *ret_uid,
                                char **ret_boot_id, int64_t *ret_pid, uint64_t *ret_usec)
{
    if (!g_str_has_prefix(id, "core."))
        return FALSE;
    g_auto(GStrv) parts = g_strsplit(id, ".", -1);
    /* core . comm . uid . boot . pid . usec; an escaped comm holds no dots */
    if (g_strv_length(parts) != 6 || parts[1][0] == '\0' || !is_boot_id(parts[3]))
        return FALSE;
    guint64 uid, pid, usec;
    if (!g_ascii_string_to_unsigned(parts[2], 10, 0, G_MAXUINT32, &uid, NULL) ||
        !g_ascii_string_to_unsigned(parts[4], 10, 1, G_MAXINT32, &pid, NULL) ||
        !g_ascii_string_to_unsigned(parts[5], 10, 0, G_MAXUINT64, &usec, NULL))
        return FALSE;
    if (ret_comm)
        *ret_comm = coroner_unescape_comm(parts[1]);
    if (ret_uid)
        *ret_uid = (int64_t)uid;
    if (ret_boot_id)
        *ret_boot_id = g_strdup(parts[3]);
    if (ret_pid)
        *ret_pid = (int64_t)pid;
    if (ret_usec)
        *ret_usec = usec;
    return TRUE;
}

gboolean coroner_parse_store_name(const char *name, char **ret_id, int64_t *ret_uid,
                                  int64_t *ret_pid, uint64_t *ret_usec, CoronerStoreFileKind *ret_kind)
{
    if (!g_str_has_prefix(name, "core."))
        return FALSE;
    g_autofree char *id = g_strdup(name);
    CoronerStoreFileKind kind = CORONER_STORE_FILE_CORE;
    static const struct {
        const char *suffix;
        CoronerStoreFileKind kind;
    } suffixes[] = {
        {CORONER_RECORD_SUFFIX, CORONER_STORE_FILE_RECORD},
        {CORONER_STACK_SUFFIX, CORONER_STORE_FILE_STACK},
        {CORONER_CORE_SUFFIX_ZSTD, CORONER_STORE_FILE_CORE},
        {".xz", CORONER_STORE_FILE_CORE},
        {".lz4", CORONER_STORE_FILE_CORE},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(suffixes); i++)
        if (g_str_has_suffix(id, suffixes[i].suffix)) {
            id[strlen(id) - strlen(suffixes[i].suffix)] = '\0';
            kind = suffixes[i].kind;
            break;
        }
    if (!coroner_parse_entry_id(id, NULL, ret_uid, NULL, ret_pid, ret_usec))
        return FALSE;
    if (ret_id)
        *ret_id = g_steal_pointer(&id);
    if (ret_kind)
        *ret_kind = kind;
    return TRUE;
}

void coroner_store_entry_free(CoronerStoreEntry *e)
{
    if (!e)
        return;
    g_free(e->id);
    g_free(e->core_name);
    g_free(e->record_name);
    g_free(e->stack_name);
    g_free(e);
}

static gint compare_entries(gconstpointer a, gconstpointer b)
{
    const CoronerStoreEntry *x = *(CoronerStoreEntry *const *)a;
    const CoronerStoreEntry *y = *(CoronerStoreEntry *const *)b;
    if (x->usec != y->usec)
        return x->usec < y->usec ? -1 : 1;
    return g_strcmp0(x->id, y->id);
}

GPtrArray *coroner_store_list(CoronerStore *store, GError **error)
{
    DIR *dir = coroner_opendir_at(store->dir_fd, ".");
    if (!dir) {
        int e = errno;
        coroner_set_errno_error(error, e, "cannot list store %s", store->path);
        return NULL;
    }
    g_autoptr(GHashTable) by_id = g_hash_table_new(g_str_hash, g_str_equal);
    GPtrArray *entries = g_ptr_array_new_with_free_func((GDestroyNotify)coroner_store_entry_free);
    struct dirent *de;
    while ((de = readdir(dir))) {
        g_autofree char *id = NULL;
        int64_t uid, pid;
        uint64_t usec;
        CoronerStoreFileKind kind;
        if (!coroner_parse_store_name(de->d_name, &id, &uid, &pid, &usec, &kind))
            continue;
        struct stat st;
        if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
            continue;
        CoronerStoreEntry *e = g_hash_table_lookup(by_id, id);
        if (!e) {
            e = g_new0(CoronerStoreEntry, 1);
            e->id = g_steal_pointer(&id);
            e->uid = uid;
            e->pid = pid;
            e->usec = usec;
            g_hash_table_insert(by_id, e->id, e);
            g_ptr_array_add(entries, e);
        }
        uint64_t bytes = (uint64_t)st.st_blocks * 512;
        switch (kind) {
        case CORONER_STORE_FILE_RECORD:
            g_free(e->record_name);
            e->record_name = g_strdup(de->d_name);
            e->record_bytes = bytes;
            break;
        case CORONER_STORE_FILE_STACK:
            g_free(e->stack_name);
            e->stack_name = g_strdup(de->d_name);
            e->stack_bytes = bytes;
            break;
        case CORONER_STORE_FILE_CORE:
            g_free(e->core_name);
            e->core_name = g_strdup(de->d_name);
            e->core_bytes = bytes;
            break;
        }
    }
    closedir(dir);
    g_ptr_array_sort(entries, compare_entries);
    return entries;
}

gboolean coroner_store_set_access(int fd, int64_t reader_uid, GError **error)
{
    if (geteuid() == 0 && fchown(fd, 0, 0) < 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "cannot chown");
        return FALSE;
    }
    if (fchmod(fd, 0640) < 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "cannot chmod");
        return FALSE;
    }
    if (reader_uid < 0)
        return TRUE;
    g_autofree char *text =
        g_strdup_printf("u::rw-,u:%" G_GINT64_FORMAT ":r--,g::r--,m::r--,o::---", reader_uid);
    acl_t acl = acl_from_text(text);
    if (!acl || acl_set_fd(fd, acl) < 0) {
        int e = errno;
        if (acl)
            acl_free(acl);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
                    "cannot grant uid %" G_GINT64_FORMAT " read access: %s", reader_uid,
                    g_strerror(e));
        return FALSE;
    }
    acl_free(acl);
    return TRUE;
}

int coroner_store_lock_core(int core_fd, gboolean exclusive)
{
    if (flock(core_fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) < 0)
        return -errno;
    return 0;
}
