/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-minidump.h"

#include "minidump-writer.h"
#include "privileges.h"
#include "sentry-report.h"

gboolean coroner_sentry_minidump_mode_parse(const char *text, CoronerSentryMinidumpMode *ret_mode)
{
    g_autofree char *t = g_ascii_strdown(text ? text : "", -1);
    g_strstrip(t);
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

GBytes *coroner_sentry_minidump_build(const CoronerCrashRecord *record, int core_fd,
                                      const CoronerSentryScrubber *scrubber,
                                      gboolean environ_consent, GError **error)
{
    CoronerMinidumpOptions o;
    coroner_minidump_options_init(&o);
    o.include_environ = environ_consent;
    o.max_bytes = CORONER_SENTRY_MAX_ATTACHMENT_BYTES;
    o.scrub = scrub;
    o.scrub_data = (gpointer)scrubber;
    uid_t uid;
    gid_t gid;
    coroner_caller_parser_identity(&uid, &gid);
    return coroner_minidump_sandboxed(core_fd, record, &o, uid, gid, NULL, error);
}
