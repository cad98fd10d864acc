/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "fs-util.h"
#include "store.h"
#include "backtrace-format.h"
#include "str-util.h"
#include "options-defaults.h"

#define COPY_CHUNK (1u << 20)

void coroner_bundle_options_init(CoronerBundleOptions *o)
{
    *o = (CoronerBundleOptions){
        .journal = TRUE,
        .journal_before_s = 300,
        .journal_after_s = 30,
        .journal_max_lines = 2000,
    };
}

typedef struct {
    CoronerBundleSink sink;
    gpointer user_data;
    GError *error; /* the sink's, kept: libarchive only knows "failed" */
    uint64_t bytes;
} Writer;

static la_ssize_t write_cb(struct archive *a, void *data, const void *buffer, size_t length)
{
    Writer *w = data;
    /* After a failure libarchive may still flush (closing, freeing): the first error stands. */
    if (w->error)
        return -1;
    if (!w->sink(buffer, length, w->user_data, &w->error)) {
        archive_set_error(a, EIO, "%s", w->error ? w->error->message : "write failed");
        return -1;
    }
    w->bytes += length;
    return (la_ssize_t)length;
}

static gboolean archive_failed(struct archive *a, Writer *w, const char *what, GError **error)
{
    if (w->error) {
        g_propagate_prefixed_error(error, g_steal_pointer(&w->error), "%s: ", what);
        return FALSE;
    }
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what,
                archive_error_string(a) ? archive_error_string(a) : "libarchive failed");
    return FALSE;
}

static struct archive_entry *new_entry(const char *name, int64_t size, time_t mtime)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0640);
    archive_entry_set_size(e, size);
    archive_entry_set_mtime(e, mtime, 0);
    return e;
}

/* A small member, compressed with deflate. */
static gboolean add_text(struct archive *a, Writer *w, const char *name, const void *data,
                         gsize length, time_t mtime, GError **error)
{
    archive_write_zip_set_compression_deflate(a);
    struct archive_entry *e = new_entry(name, (int64_t)length, mtime);
    gboolean ok = archive_write_header(a, e) == ARCHIVE_OK &&
                  (length == 0 || archive_write_data(a, data, length) == (la_ssize_t)length);
    archive_entry_free(e);
    return ok ? TRUE : archive_failed(a, w, name, error);
}

/* The core as the store keeps it, stored (not compressed again), read in 1 MiB chunks. */
static gboolean add_core(struct archive *a, Writer *w, int fd, const char *name, time_t mtime,
                         GError **error)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the stored core is not a regular file");
        return FALSE;
    }
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    archive_write_zip_set_compression_store(a);
    struct archive_entry *e = new_entry(name, st.st_size, mtime);
    int r = archive_write_header(a, e);
    archive_entry_free(e);
    if (r != ARCHIVE_OK)
        return archive_failed(a, w, name, error);

    g_autofree char *buffer = g_malloc(COPY_CHUNK);
    off_t offset = 0;
    while (offset < st.st_size) {
        ssize_t n = pread(fd, buffer, MIN((off_t)COPY_CHUNK, st.st_size - offset), offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e2 = n < 0 ? errno : EIO;
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e2), "cannot read the core: %s",
                        n < 0 ? g_strerror(e2) : "it shrank while being read");
            return FALSE;
        }
        if (archive_write_data(a, buffer, (size_t)n) != n)
            return archive_failed(a, w, name, error);
        offset += n;
        /* The page cache holds nothing we read again: a 1 GiB core need not push out the rest. */
        if ((offset & ((64 << 20) - 1)) == 0)
            (void)posix_fadvise(fd, 0, offset, POSIX_FADV_DONTNEED);
    }
    return TRUE;
}

/* "2026-12-04 14:15:22.123456 comm[pid]: message" lines of the crashed process around the crash. */
static char *journal_lines(const CoronerCrashRecord *r, const CoronerBundleOptions *o)
{
    GString *out = g_string_new(NULL);
    sd_journal *j = NULL;
    int e = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
    if (e < 0) {
        g_string_append_printf(out, "# the journal could not be opened: %s\n", g_strerror(-e));
        return g_string_free(out, FALSE);
    }
    g_autofree char *pid_match = g_strdup_printf("_PID=%" G_GINT64_FORMAT, r->process.pid);
    g_autofree char *boot_match = r->boot_id ? g_strdup_printf("_BOOT_ID=%s", r->boot_id) : NULL;
    sd_journal_add_match(j, pid_match, 0);
    if (boot_match)
        sd_journal_add_match(j, boot_match, 0);
    uint64_t from = (uint64_t)MAX(r->timestamp_usec - (int64_t)o->journal_before_s * G_USEC_PER_SEC, 0);
    uint64_t until = (uint64_t)r->timestamp_usec + (uint64_t)o->journal_after_s * G_USEC_PER_SEC;
    sd_journal_seek_realtime_usec(j, from);
    unsigned lines = 0;
    while (sd_journal_next(j) > 0) {
        uint64_t t;
        if (sd_journal_get_realtime_usec(j, &t) < 0 || t > until)
            break;
        if (lines++ >= o->journal_max_lines) {
            g_string_append_printf(out, "# … cut after %u lines\n", o->journal_max_lines);
            break;
        }
        const void *data;
        size_t len;
        g_autofree char *message = NULL, *ident = NULL;
        if (sd_journal_get_data(j, "MESSAGE", &data, &len) >= 0)
            message = g_strndup((const char *)data + 8, len - 8);
        if (sd_journal_get_data(j, "SYSLOG_IDENTIFIER", &data, &len) >= 0)
            ident = g_strndup((const char *)data + 18, len - 18);
        g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc((gint64)(t / G_USEC_PER_SEC));
        g_autofree char *when = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : g_strdup("?");
        g_string_append_printf(out, "%s.%06u %s[%" G_GINT64_FORMAT "]: %s\n", when,
                               (unsigned)(t % G_USEC_PER_SEC),
                               ident ? ident : (r->process.comm ? r->process.comm : "?"),
                               r->process.pid, message ? message : "");
    }
    sd_journal_close(j);
    if (lines == 0)
        g_string_append(out, "# no journal lines of the process around the crash\n");
    return g_string_free(out, FALSE);
}

static gboolean add_proc(struct archive *a, Writer *w, const CoronerProcessInfo *p, time_t mtime,
                         GError **error)
{
    const struct {
        const char *name, *text;
    } files[] = {
        {"proc/status", p->proc_status},   {"proc/maps", p->proc_maps},
        {"proc/limits", p->proc_limits},   {"proc/cgroup", p->proc_cgroup},
        {"proc/mountinfo", p->proc_mountinfo}, {"proc/open_fds", p->open_fds},
    };
    for (guint i = 0; i < G_N_ELEMENTS(files); i++)
        if (files[i].text &&
            !add_text(a, w, files[i].name, files[i].text, strlen(files[i].text), mtime, error))
            return FALSE;
    if (p->proc_auxv_hex) {
        g_autoptr(GBytes) auxv = coroner_hex_decode(p->proc_auxv_hex);
        gsize n;
        const void *data = g_bytes_get_data(auxv, &n);
        if (!add_text(a, w, "proc/auxv", data, n, mtime, error))
            return FALSE;
    }
    return TRUE;
}

gboolean coroner_bundle_write(int store_dir_fd, const CoronerCrashRecord *record, int core_fd,
                              const CoronerBundleOptions *options, CoronerBundleSink sink,
                              gpointer user_data, uint64_t *ret_bytes, GError **error)
{
    CoronerBundleOptions defaults;
    options = CORONER_OPTIONS_OR_DEFAULTS(options, &defaults, coroner_bundle_options_init);
    time_t mtime = (time_t)(record->timestamp_usec / G_USEC_PER_SEC);

    /* The environment may hold secrets: it stays on this machine (docs/crash-record.md). */
    gsize json_len = 0;
    g_autofree char *json = NULL;
    {
        g_autofree char *full = coroner_crash_record_to_json(record, &json_len);
        g_autoptr(GError) parse_error = NULL;
        g_autoptr(CoronerCrashRecord) copy = coroner_crash_record_from_json(full, (gssize)json_len,
                                                                            &parse_error);
        if (!copy) {
            g_propagate_error(error, g_steal_pointer(&parse_error));
            return FALSE;
        }
        g_clear_pointer(&copy->process.environ, g_free);
        json = coroner_crash_record_to_json(copy, &json_len);
    }

    int own_core_fd = -1;
    if (core_fd < 0 && record->core.file) {
        own_core_fd = openat(store_dir_fd, record->core.file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (own_core_fd < 0) {
            int e = errno;
            coroner_set_errno_error(error, e, "cannot open the core %s", record->core.file);
            return FALSE;
        }
        core_fd = own_core_fd;
    }

    Writer w = {.sink = sink, .user_data = user_data};
    struct archive *a = archive_write_new();
    archive_write_set_format_zip(a);
    /* No blocking: each member's bytes go to the sink as they come. */
    archive_write_set_bytes_per_block(a, 0);
    gboolean ok = FALSE;
    if (archive_write_open2(a, &w, NULL, write_cb, NULL, NULL) != ARCHIVE_OK) {
        archive_failed(a, &w, "bundle", error);
        goto out;
    }
    if (!add_text(a, &w, "crash.json", json, json_len, mtime, error))
        goto out;
    if (record->threads->len > 0) {
        g_autofree char *trace = coroner_backtrace_format(record, 1000);
        if (!add_text(a, &w, "backtrace.txt", trace, strlen(trace), mtime, error))
            goto out;
    }
    if (options->journal) {
        g_autofree char *lines = journal_lines(record, options);
        if (!add_text(a, &w, "journal.txt", lines, strlen(lines), mtime, error))
            goto out;
    }
    if (!add_proc(a, &w, &record->process, mtime, error))
        goto out;
    if (core_fd >= 0) {
        gboolean zstd = record->core.file && g_str_has_suffix(record->core.file, CORONER_CORE_SUFFIX_ZSTD);
        if (!add_core(a, &w, core_fd, zstd ? "core.zst" : "core", mtime, error))
            goto out;
    }
    if (archive_write_close(a) != ARCHIVE_OK) {
        archive_failed(a, &w, "bundle", error);
        goto out;
    }
    ok = TRUE;
    if (ret_bytes)
        *ret_bytes = w.bytes;
out:
    archive_write_free(a);
    g_clear_error(&w.error);
    if (own_core_fd >= 0)
        close(own_core_fd);
    return ok;
}

static gboolean file_sink(const void *data, gsize length, gpointer user_data, GError **error)
{
    int e = coroner_write_all(GPOINTER_TO_INT(user_data), data, length);
    if (e < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-e), "%s", g_strerror(-e));
        return FALSE;
    }
    return TRUE;
}

gboolean coroner_bundle_write_file(int store_dir_fd, const CoronerCrashRecord *record,
                                   const CoronerBundleOptions *options, const char *dir,
                                   const char *name, GError **error)
{
    int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "cannot open %s", dir);
        return FALSE;
    }
    CoronerTmpfile tmp;
    gboolean ok = coroner_tmpfile_open(dir_fd, 0600, &tmp, error);
    if (ok) {
        ok = coroner_bundle_write(store_dir_fd, record, -1, options, file_sink,
                                  GINT_TO_POINTER(tmp.fd), NULL, error);
        /* A bundle of the same crash is the same bundle: replace an older one. */
        if (ok && faccessat(dir_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
            (void)unlinkat(dir_fd, name, 0);
        ok = ok && coroner_tmpfile_link(&tmp, name, error);
        coroner_tmpfile_discard(&tmp);
    }
    close(dir_fd);
    return ok;
}
