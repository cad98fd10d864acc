/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-minidump.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <unistd.h>

#include "core-access.h"
#include "fs-util.h"
#include "minidump-writer.h"
#include "privileges.h"
#include "sentry-report.h"

gboolean coroner_sentry_minidump_mode_parse(const char *text, CoronerSentryMinidumpMode *ret_mode)
{
    g_autofree char *t = g_ascii_strdown(g_strstrip(g_strdup(text ? text : "")), -1);
    if (g_str_equal(t, "no") || g_str_equal(t, "false"))
        *ret_mode = CORONER_SENTRY_MINIDUMP_OFF;
    else if (g_str_equal(t, "attach") || g_str_equal(t, "yes") || g_str_equal(t, "true"))
        *ret_mode = CORONER_SENTRY_MINIDUMP_ATTACH;
    else if (g_str_equal(t, "only"))
        *ret_mode = CORONER_SENTRY_MINIDUMP_ONLY;
    else
        return FALSE;
    return TRUE;
}

static char *scrub(const char *text, gpointer data)
{
    return coroner_sentry_scrub_string(data, text);
}

/* Our store's stack core beside the core (small, uncompressed), else the core itself. */
static int open_core(const CoronerCrashRecord *record, const char *core_path, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(core_path);
    g_autofree char *base = g_path_get_basename(core_path);
    if (record->core.file && g_str_equal(base, record->core.file)) {
        g_autoptr(GError) local = NULL;
        int dir_fd = coroner_open_dir_nofollow(dir, &local);
        if (dir_fd >= 0) {
            int fd = coroner_core_open_for_backtrace(dir_fd, record, error);
            close(dir_fd);
            return fd;
        }
    }
    return coroner_core_open_path_for_backtrace(core_path, error);
}

GBytes *coroner_sentry_minidump_build(const CoronerCrashRecord *record, const char *core_path,
                                      const CoronerSentryScrubber *scrubber,
                                      gboolean environ_consent, GError **error)
{
    if (!core_path) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no stored core");
        return NULL;
    }
    int fd = open_core(record, core_path, error);
    if (fd < 0)
        return NULL;
    CoronerMinidumpOptions o;
    coroner_minidump_options_init(&o);
    o.include_environ = environ_consent;
    o.max_bytes = CORONER_SENTRY_MAX_ATTACHMENT_BYTES;
    o.scrub = scrub;
    o.scrub_data = (gpointer)scrubber;
    uid_t uid;
    gid_t gid;
    coroner_caller_parser_identity(&uid, &gid);
    GBytes *dump = coroner_minidump_sandboxed(fd, record, &o, uid, gid, NULL, error);
    close(fd);
    return dump;
}
