/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Linked into every fuzz target: a GLib warning or critical (a failed
 * g_return_if_fail, say) is a finding.  GLib's own fatal path ends in
 * SIGTRAP, whose input libFuzzer does not keep; abort() it is.  A log
 * writer sees both structured logging and the old g_log() (which reaches
 * the writer through the default handler).
 */
#include <glib.h>
#include <stdlib.h>

static GLogWriterOutput abort_on_warning(GLogLevelFlags level, const GLogField *fields,
                                         gsize n_fields, gpointer user_data)
{
    GLogWriterOutput out = g_log_writer_default(level, fields, n_fields, user_data);
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
        abort();
    return out;
}

__attribute__((constructor)) static void make_glib_warnings_fatal(void)
{
    g_log_set_writer_func(abort_on_warning, NULL, NULL);
}
