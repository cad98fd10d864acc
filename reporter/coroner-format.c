/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-format.h"

#include <glib/gi18n.h>
#include <signal.h>
#include <string.h>

char *coroner_format_when(gint64 usec, gint64 now_usec)
{
    g_autoptr(GDateTime) when = g_date_time_new_from_unix_local(usec / G_USEC_PER_SEC);
    g_autoptr(GDateTime) now = g_date_time_new_from_unix_local(now_usec / G_USEC_PER_SEC);
    g_autofree char *clock = NULL;
    int days;

    if (!when || !now)
        return g_strdup(_("at an unknown time"));
    clock = g_date_time_format(when, "%H:%M");
    {
        g_autoptr(GDate) a = g_date_new_dmy((GDateDay)g_date_time_get_day_of_month(when),
                                            (GDateMonth)g_date_time_get_month(when),
                                            (GDateYear)g_date_time_get_year(when));
        g_autoptr(GDate) b = g_date_new_dmy((GDateDay)g_date_time_get_day_of_month(now),
                                            (GDateMonth)g_date_time_get_month(now),
                                            (GDateYear)g_date_time_get_year(now));
        days = g_date_days_between(a, b);
    }
    if (days == 0)
        /* Translators: %s is a time of day like 10:42 */
        return g_strdup_printf(_("today at %s"), clock);
    if (days == 1)
        /* Translators: %s is a time of day like 10:42 */
        return g_strdup_printf(_("yesterday at %s"), clock);
    if (days > 1 && days < 7) {
        g_autofree char *weekday = g_date_time_format(when, "%A");
        /* Translators: "on Monday at 10:42" */
        return g_strdup_printf(_("on %s at %s"), weekday, clock);
    }
    {
        /* Translators: a date format for g_date_time_format(): "3 November 2025" */
        g_autofree char *date = g_date_time_format(when, _("%-d %B %Y"));
        /* Translators: "on 3 November 2025 at 10:42" */
        return g_strdup_printf(_("on %s at %s"), date, clock);
    }
}

const char *coroner_format_label(const char *const *labels, gsize n_labels, gint value,
                                 const char *fallback)
{
    const char *label = value >= 0 && (gsize)value < n_labels ? labels[value] : NULL;
    return _(label ? label : fallback);
}

const char *coroner_format_signal_reason(int signal_number)
{
    static const char *const reasons[] = {
        [SIGSEGV] = N_("it tried to use memory it was not allowed to use"),
        [SIGBUS] = N_("it tried to use memory that was no longer there"),
        [SIGABRT] = N_("it found a problem it could not recover from and stopped itself"),
        [SIGFPE] = N_("it made an arithmetic error, such as a division by zero"),
        [SIGILL] = N_("it tried to run an instruction the processor does not know"),
        [SIGTRAP] = N_("it stopped at a debugging trap"),
        [SIGSYS] = N_("it made a system call it was not allowed to make"),
        [SIGQUIT] = N_("it was asked to quit with a core dump"),
    };
    return coroner_format_label(reasons, G_N_ELEMENTS(reasons), signal_number,
                                N_("it received a fatal signal"));
}

char *coroner_format_signal(int signal_number)
{
    const char *abbrev = signal_number > 0 ? sigabbrev_np(signal_number) : NULL;
    const char *description = signal_number > 0 ? sigdescr_np(signal_number) : NULL;

    if (abbrev && description)
        return g_strdup_printf("SIG%s (%s)", abbrev, description);
    if (abbrev)
        return g_strdup_printf("SIG%s", abbrev);
    /* Translators: %d is a signal number */
    return g_strdup_printf(_("signal %d"), signal_number);
}

char *coroner_format_size(guint64 bytes)
{
    return g_format_size(bytes);
}
