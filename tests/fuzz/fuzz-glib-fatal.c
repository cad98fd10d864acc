/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Linked into every fuzz target: a GLib warning or critical (a failed
 * g_return_if_fail, say) is a finding.  GLib's own fatal path ends in
 * SIGTRAP, whose input libFuzzer does not keep; abort() it is.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

static void abort_on_warning(const char *domain, GLogLevelFlags level, const char *message,
                             gpointer user_data)
{
    (void)user_data;
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) {
        fprintf(stderr, "%s: %s\n", domain ? domain : "(no domain)", message);
        abort();
    }
}

__attribute__((constructor)) static void make_glib_warnings_fatal(void)
{
    g_log_set_default_handler(abort_on_warning, NULL);
}
