/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-report-text.h"

#include <glib/gi18n.h>

#include "coroner-backtrace-text.h"
#include "coroner-format.h"

static void add_line(GString *out, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    /* Translators: a line of the plain-text report: "Version: 1.2" */
    g_string_append_printf(out, _("%s: %s"), label, value);
    g_string_append_c(out, '\n');
}

char *coroner_report_text(CoronerCrash *crash)
{
    const CoronerCrashRecord *record = coroner_crash_load(crash, NULL);
    const CoronerAppInfo *app = record ? record->app : NULL;
    g_autofree char *title = coroner_crash_dup_title(crash);
    g_autofree char *summary = coroner_crash_dup_summary(crash);
    g_autoptr(GDateTime) when = g_date_time_new_from_unix_local(coroner_crash_get_time(crash) / G_USEC_PER_SEC);
    g_autofree char *when_text = when ? g_date_time_format(when, "%Y-%m-%d %H:%M:%S %Z") : NULL;
    GString *out = g_string_new(NULL);

    g_string_append_printf(out, "%s\n%s\n\n", title, summary);
    add_line(out, _("Version"), app ? app->version : NULL);
    add_line(out, _("Program"), record ? record->process.exe : coroner_crash_get_comm(crash));
    add_line(out, _("Time"), when_text);
    if (record && record->signal.number > 0) {
        g_autofree char *signal = coroner_format_signal(record->signal.number);
        add_line(out, _("Signal"), signal);
    }
    if (app && app->exception_type) {
        g_autofree char *exception =
            app->exception_what ? g_strdup_printf("%s: %s", app->exception_type, app->exception_what)
                                : g_strdup(app->exception_type);
        add_line(out, _("Exception"), exception);
    }
    add_line(out, _("Crash id"), coroner_crash_get_id(crash));
    g_string_append_c(out, '\n');
    if (record && record->threads && record->threads->len > 0) {
        g_autofree char *backtrace = coroner_backtrace_text_all(record);
        g_string_append_printf(out, "%s\n%s", _("Backtrace:"), backtrace);
        if (out->len && out->str[out->len - 1] != '\n')
            g_string_append_c(out, '\n');
    } else {
        g_string_append_printf(out, "%s\n", record && record->backtrace_error ? record->backtrace_error
                                                                             : _("No backtrace is available."));
    }
    return g_string_free(out, FALSE);
}

char *coroner_report_text_file_name(CoronerCrash *crash)
{
    g_autoptr(GDateTime) when = g_date_time_new_from_unix_local(coroner_crash_get_time(crash) / G_USEC_PER_SEC);
    g_autofree char *stamp = when ? g_date_time_format(when, "%Y-%m-%d-%H%M") : g_strdup("crash");
    g_autofree char *comm = g_strdup(coroner_crash_get_comm(crash));

    /* The program name as a file name: no slashes, no dots at the start. */
    g_strdelimit(comm, "/\\ \t\n", '-');
    while (*comm == '.')
        *comm = '-';
    return g_strdup_printf("%s-crash-%s.txt", *comm ? comm : "program", stamp);
}
