/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "trust.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "store.h"

static const char *const trusted_identifiers[] = {"coroner-handler", "coronerd",
                                                  "systemd-coredump"};

static gboolean field_equals(GHashTable *fields, const char *name, const char *value)
{
    GBytes *b = g_hash_table_lookup(fields, name);
    if (!b)
        return FALSE;
    gsize n;
    const char *data = g_bytes_get_data(b, &n);
    return n == strlen(value) && memcmp(data, value, n) == 0;
}

static gboolean field_uid(GHashTable *fields, const char *name, guint64 *ret)
{
    GBytes *b = g_hash_table_lookup(fields, name);
    if (!b)
        return FALSE;
    gsize n;
    const char *data = g_bytes_get_data(b, &n);
    /* An empty field ("_UID=") has no data at all. */
    g_autofree char *text = g_strndup(data ? data : "", n);
    return g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32 - 1, ret, NULL);
}

/* The account systemd-coredump drops to for crashes of system users. */
static gboolean is_systemd_coredump_uid(guint64 uid)
{
    struct passwd *pw = getpwnam("systemd-coredump");
    return pw && pw->pw_uid == uid;
}

gboolean coroner_journal_fields_trusted(GHashTable *fields)
{
    guint64 sender;
    if (!field_uid(fields, "_UID", &sender))
        return FALSE;
    if (sender == 0) {
        for (gsize i = 0; i < G_N_ELEMENTS(trusted_identifiers); i++)
            if (field_equals(fields, "SYSLOG_IDENTIFIER", trusted_identifiers[i]))
                return TRUE;
        return FALSE;
    }
    /*
     * systemd-coredump stores the core as root but sends its journal entry
     * after dropping to the crashing user (a regular user's crash) or to its
     * own account (a system user's).  The second is a system account no one
     * logs in as; the first is believed only as that user's claim about their
     * own crash (COREDUMP_UID = _UID), and coroner_open_store_file() then
     * opens only files of that uid.
     */
    if (!field_equals(fields, "SYSLOG_IDENTIFIER", "systemd-coredump"))
        return FALSE;
    if (is_systemd_coredump_uid(sender))
        return TRUE;
    guint64 crashed;
    return sender > CORONER_SYSTEM_UID_MAX && field_uid(fields, "COREDUMP_UID", &crashed) &&
           crashed == sender;
}

static gboolean dir_allowed(const char *dir, const char *const *store_dirs)
{
    if (!store_dirs)
        return TRUE;
    for (const char *const *d = store_dirs; *d; d++) {
        g_autofree char *canonical = g_canonicalize_filename(*d, "/");
        if (g_str_equal(canonical, dir))
            return TRUE;
    }
    return FALSE;
}

int coroner_open_store_file(const char *path, const char *const *store_dirs,
                            const char *expected_id, GError **error)
{
    if (!path || !g_path_is_absolute(path)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "%s: not an absolute path in a store", path ? path : "(none)");
        return -1;
    }
    g_autofree char *canonical = g_canonicalize_filename(path, "/");
    g_autofree char *dir = g_path_get_dirname(canonical);
    g_autofree char *name = g_path_get_basename(canonical);
    g_autofree char *id = NULL;
    if (!dir_allowed(dir, store_dirs) ||
        !coroner_parse_store_name(name, &id, NULL, NULL, NULL, NULL)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "%s is not a file of the store: refusing to open it", path);
        return -1;
    }
    if (expected_id && !g_str_equal(id, expected_id)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "%s belongs to the crash %s, not to %s: refusing to open it", path, id,
                    expected_id);
        return -1;
    }
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (dir_fd < 0 || fstat(dir_fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & S_IWOTH)) {
        int e = dir_fd < 0 ? errno : EPERM;
        if (dir_fd >= 0)
            close(dir_fd);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
                    "the store %s is %s: refusing to open %s", dir,
                    e == EPERM ? "not a root-owned directory closed to others" : g_strerror(e),
                    name);
        return -1;
    }
    int fd = coroner_open_regular_at(dir_fd, name, "the store file", error);
    close(dir_fd);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || st.st_uid != 0) {
        close(fd);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "%s is not owned by root: refusing to read it", path);
        return -1;
    }
    return fd;
}

gboolean coroner_core_check_magic(int fd, GError **error)
{
    static const guint8 elf_magic[] = {0x7f, 'E', 'L', 'F'};
    static const guint8 zstd_magic[] = {0x28, 0xb5, 0x2f, 0xfd};
    guint8 magic[4];
    ssize_t n;
    do
        n = pread(fd, magic, sizeof magic, 0);
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)sizeof magic &&
        (memcmp(magic, elf_magic, 4) == 0 || memcmp(magic, zstd_magic, 4) == 0))
        return TRUE;
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "the file is neither an ELF core nor zstd data: refusing to use it as a core");
    return FALSE;
}

/* The four ids of a "Uid:" or "Gid:" line of /proc/PID/status all equal. */
static gboolean status_ids_equal(const char *status, const char *key)
{
    g_autofree char *needle = g_strconcat("\n", key, NULL);
    const char *line = g_str_has_prefix(status, key) ? status : strstr(status, needle);
    if (!line)
        return FALSE;
    line = strchr(line, ':') + 1;
    unsigned long ids[4];
    char *end = (char *)line;
    for (int i = 0; i < 4; i++) {
        const char *start = end;
        while (*start == ' ' || *start == '\t')
            start++;
        if (!g_ascii_isdigit(*start))
            return FALSE;
        ids[i] = strtoul(start, &end, 10);
    }
    return ids[0] == ids[1] && ids[1] == ids[2] && ids[2] == ids[3];
}

gboolean coroner_crash_owner_may_read(int dumpable, const CoronerProcessInfo *p)
{
    return dumpable == 1 && !p->secure_exec && p->proc_status &&
           status_ids_equal(p->proc_status, "Uid:") && status_ids_equal(p->proc_status, "Gid:");
}
