/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coronerctl-symbolize.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <pwd.h>
#include <unistd.h>

#include "coronerctl-core.h"

#include "core-access.h"
#include "module-paths.h"
#include "privileges.h"
#include "symbolize.h"

static gboolean has_backtrace(const CoronerCrashRecord *r)
{
    for (guint i = 0; i < r->threads->len; i++)
        if (((CoronerThread *)r->threads->pdata[i])->frames->len > 0)
            return TRUE;
    return FALSE;
}

/*
 * The backtrace the record already has stands.  Records written before the
 * symbolizer named the mapped files, and systemd-coredump's (sonames from its
 * MESSAGE), get the files' full paths from the record's maps.
 */
static gboolean keep_backtrace(CoronerCrashRecord *r)
{
    coroner_crash_record_resolve_module_paths(r);
    return TRUE;
}

static void no_backtrace(const CoronerCrashRecord *r, const char *why, GError **error)
{
    if (r->backtrace_error)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no backtrace: %s", r->backtrace_error);
    else
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no backtrace: %s", why);
}

int ctl_open_core_for_parsing(const CoronerCrashIndex *index, const CoronerCrashEntry *e,
                              GError **error)
{
    if (e->store_entry && e->store_entry->core_name && index->store)
        return coroner_core_open_for_backtrace(index->store->dir_fd, e->record, error);
    const char *dir = g_getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/var/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        int err = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
                    "cannot create a temporary file in %s: %s", dir, g_strerror(err));
        return -1;
    }
    if (!ctl_core_extract(index, e, fd, NULL, error)) {
        close(fd);
        return -1;
    }
    return fd;
}

static void swap_backtrace(CoronerCrashRecord *a, CoronerCrashRecord *b)
{
    GPtrArray *threads = a->threads, *modules = a->modules;
    a->threads = b->threads;
    a->modules = b->modules;
    b->threads = threads;
    b->modules = modules;
}

gboolean ctl_ensure_backtrace(const CoronerCrashIndex *index, CoronerCrashEntry *e, GError **error)
{
    CoronerCrashRecord *r = e->record;
    gboolean had = has_backtrace(r);
    gboolean core_kept = !g_str_equal(e->core_status, "none") &&
                         !g_str_equal(e->core_status, "missing");
    /*
     * The handler's backtrace is the best there is.  systemd-coredump's (from
     * its MESSAGE) has no files, lines or inlined frames: with the core at
     * hand, ours is better.
     */
    if (had && (e->by_coroner || !core_kept))
        return keep_backtrace(r);
    if (!core_kept) {
        no_backtrace(r, r->core.reason ? r->core.reason : "no core was kept", error);
        return FALSE;
    }
    g_autoptr(GError) local = NULL;
    int fd = ctl_open_core_for_parsing(index, e, &local);
    if (fd < 0) {
        if (had)
            return keep_backtrace(r);
        no_backtrace(r, local->message, error);
        return FALSE;
    }
    CoronerSymbolizeOptions options;
    coroner_symbolize_options_init(&options);
    uid_t uid;
    gid_t gid;
    coroner_caller_parser_identity(&uid, &gid);
    /* A failure must leave the backtrace from the journal as it was: it waits in scratch. */
    g_autoptr(CoronerCrashRecord) scratch = coroner_crash_record_new();
    swap_backtrace(r, scratch);
    gboolean ok = coroner_symbolize_sandboxed(fd, r->process.exe, &options, uid, gid, r, &local);
    close(fd);
    if (ok && has_backtrace(r))
        return TRUE;
    swap_backtrace(r, scratch);
    if (had) {
        /* The journal's backtrace stands; the failed attempt is no error of it. */
        g_clear_pointer(&r->backtrace_error, g_free);
        return keep_backtrace(r);
    }
    if (!ok)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no backtrace: %s", local->message);
    else
        no_backtrace(r, "the symbolizer found no frames", error);
    return FALSE;
}

