/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coronerctl-symbolize.h"

#include <gio/gio.h>
#include <pwd.h>
#include <unistd.h>

#ifdef HAVE_SYMBOLIZER
#include "core-access.h"
#include "symbolize.h"
#endif

static gboolean has_backtrace(const CoronerCrashRecord *r)
{
    for (guint i = 0; i < r->threads->len; i++)
        if (((CoronerThread *)r->threads->pdata[i])->frames->len > 0)
            return TRUE;
    return FALSE;
}

static void no_backtrace(const CoronerCrashRecord *r, const char *why, GError **error)
{
    if (r->backtrace_error)
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no backtrace: %s", r->backtrace_error);
    else
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no backtrace: %s", why);
}

#ifdef HAVE_SYMBOLIZER
/* Root symbolizes as nobody: the core is the crashed program's memory, untrusted bytes. */
static void parser_identity(uid_t *ret_uid, gid_t *ret_gid)
{
    *ret_uid = getuid();
    *ret_gid = getgid();
    if (geteuid() != 0)
        return;
    struct passwd pw, *found = NULL;
    char buf[1024];
    if (getpwnam_r("nobody", &pw, buf, sizeof buf, &found) == 0 && found) {
        *ret_uid = found->pw_uid;
        *ret_gid = found->pw_gid;
    } else {
        *ret_uid = 65534;
        *ret_gid = 65534;
    }
}

gboolean ctl_ensure_backtrace(const CoronerCrashIndex *index, CoronerCrashEntry *e, GError **error)
{
    CoronerCrashRecord *r = e->record;
    if (has_backtrace(r))
        return TRUE;
    g_autoptr(GError) local = NULL;
    int fd = -1;
    if (e->store_entry && e->store_entry->core_name && index->store) {
        fd = coroner_core_open_for_backtrace(index->store->dir_fd, r, &local);
    } else {
        g_autofree char *path = coroner_crash_entry_core_path(index, e);
        if (path)
            fd = coroner_core_open_path_for_backtrace(path, &local);
        else
            g_set_error(&local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no core was kept");
    }
    if (fd < 0) {
        no_backtrace(r, local->message, error);
        return FALSE;
    }
    CoronerSymbolizeOptions options;
    coroner_symbolize_options_init(&options);
    uid_t uid;
    gid_t gid;
    parser_identity(&uid, &gid);
    gboolean ok = coroner_symbolize_sandboxed(fd, r->process.exe, &options, uid, gid, r, &local);
    close(fd);
    if (!ok) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "no backtrace: %s", local->message);
        return FALSE;
    }
    if (!has_backtrace(r)) {
        no_backtrace(r, "the symbolizer found no frames", error);
        return FALSE;
    }
    return TRUE;
}
#else
gboolean ctl_ensure_backtrace(const CoronerCrashIndex *index, CoronerCrashEntry *e, GError **error)
{
    if (has_backtrace(e->record))
        return TRUE;
    no_backtrace(e->record,
                 "the crash record holds none, and this coronerctl was built without the "
                 "symbolizer",
                 error);
    return FALSE;
}
#endif
