/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coronerctl-time.h"

#include <string.h>

#include "config.h"

/* "1h 30min", "2d", "90" (seconds): the span in µs (the config reader's parser). */
static gboolean parse_span(const char *text, GTimeSpan *ret)
{
    uint64_t usec;
    if (!coroner_parse_timespan(text, &usec, NULL) || usec > (uint64_t)G_MAXINT64)
        return FALSE;
    *ret = (GTimeSpan)usec;
    return TRUE;
}

static GDateTime *start_of_day(GDateTime *t, int days)
{
    g_autoptr(GDateTime) midnight =
        g_date_time_new(g_date_time_get_timezone(t), g_date_time_get_year(t),
                        g_date_time_get_month(t), g_date_time_get_day_of_month(t), 0, 0, 0);
    return midnight ? g_date_time_add_days(midnight, days) : NULL;
}

/* "2026-11-22 10:00", "2026-11-22", "10:00:05", or full ISO 8601. */
static GDateTime *parse_absolute(const char *text, GDateTime *now)
{
    g_autoptr(GTimeZone) local = g_time_zone_new_local();
    g_autofree char *iso = NULL;
    g_auto(GStrv) parts = g_strsplit(text, " ", -1);
    guint n = g_strv_length(parts);
    const char *date = NULL, *time = NULL;

    if (n == 1 && strchr(text, 'T')) {
        iso = g_strdup(text);
    } else if (n == 1 && strchr(text, ':')) {
        time = parts[0];
    } else if (n == 1) {
        date = parts[0];
    } else if (n == 2) {
        date = parts[0];
        time = parts[1];
    } else {
        return NULL;
    }
    if (!iso) {
        g_autofree char *today = g_date_time_format(now, "%Y-%m-%d");
        /* GDateTime wants seconds; systemd lets them out. */
        int colons = 0;
        for (const char *p = time ? time : ""; *p; p++)
            colons += *p == ':';
        iso = g_strdup_printf("%sT%s%s", date ? date : today, time ? time : "00:00:00",
                              colons == 1 ? ":00" : "");
    }
    return g_date_time_new_from_iso8601(iso, local);
}

gboolean ctl_parse_time(const char *text, GDateTime *now, int64_t *ret_usec, GError **error)
{
    g_autofree char *t = g_strstrip(g_strdup(text));
    g_autoptr(GDateTime) result = NULL;
    GTimeSpan span;

    if (g_str_equal(t, "now")) {
        result = g_date_time_ref(now);
    } else if (g_str_equal(t, "today")) {
        result = start_of_day(now, 0);
    } else if (g_str_equal(t, "yesterday")) {
        result = start_of_day(now, -1);
    } else if (g_str_equal(t, "tomorrow")) {
        result = start_of_day(now, 1);
    } else if (t[0] == '@') {
        gint64 seconds;
        if (g_ascii_string_to_signed(t + 1, 10, 0, G_MAXINT64 / G_USEC_PER_SEC, &seconds, NULL)) {
            *ret_usec = seconds * G_USEC_PER_SEC;
            return TRUE;
        }
    } else if ((t[0] == '-' || t[0] == '+') && parse_span(t + 1, &span)) {
        result = g_date_time_add(now, t[0] == '-' ? -span : span);
    } else if (g_str_has_suffix(t, " ago")) {
        t[strlen(t) - 4] = '\0';
        if (parse_span(t, &span))
            result = g_date_time_add(now, -span);
    } else if (g_str_has_suffix(t, " left")) {
        t[strlen(t) - 5] = '\0';
        if (parse_span(t, &span))
            result = g_date_time_add(now, span);
    } else {
        result = parse_absolute(t, now);
    }
    if (!result) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "cannot parse the time \"%s\" (try \"2026-11-22 10:00\", \"-1h\", \"today\", "
                    "\"yesterday\" or \"@SECONDS\")",
                    text);
        return FALSE;
    }
    *ret_usec = g_date_time_to_unix(result) * G_USEC_PER_SEC + g_date_time_get_microsecond(result);
    return TRUE;
}
