/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "schedule.h"

#include <gio/gio.h>
#include <stdint.h>
#include <string.h>

struct CronSchedule {
    uint64_t minutes;     /* bit n: minute n */
    uint32_t hours;
    uint32_t days;        /* bits 1-31 */
    uint16_t months;      /* bits 1-12 */
    uint8_t weekdays;     /* bits 0-6, Sunday 0 */
    gboolean days_any, weekdays_any;
};

static gboolean parse_number(const char *s, int lo, int hi, int *ret)
{
    if (!*s)
        return FALSE;
    for (const char *c = s; *c; c++)
        if (!g_ascii_isdigit(*c))
            return FALSE;
    gint64 v = g_ascii_strtoll(s, NULL, 10);
    if (v < lo || v > hi)
        return FALSE;
    *ret = (int)v;
    return TRUE;
}

/* One field into a bit set; *ret_any when it is a bare "*". */
static gboolean parse_field(const char *text, int lo, int hi, uint64_t *ret_bits, gboolean *ret_any)
{
    uint64_t bits = 0;
    *ret_any = strcmp(text, "*") == 0;
    g_auto(GStrv) items = g_strsplit(text, ",", -1);
    for (char **item = items; *item; item++) {
        if (!**item)
            return FALSE;
        g_auto(GStrv) step_split = g_strsplit(*item, "/", 2);
        int step = 1, from = lo, to = hi;
        if (step_split[1] && !parse_number(step_split[1], 1, hi, &step))
            return FALSE;
        const char *range = step_split[0];
        if (strcmp(range, "*") != 0) {
            g_auto(GStrv) ends = g_strsplit(range, "-", 2);
            if (!parse_number(ends[0], lo, hi, &from))
                return FALSE;
            to = from;
            if (ends[1] && !parse_number(ends[1], lo, hi, &to))
                return FALSE;
            if (to < from)
                return FALSE;
            /* "5/15" means from 5 to the end, every 15. */
            if (step_split[1] && !ends[1])
                to = hi;
        }
        for (int v = from; v <= to; v += step)
            bits |= UINT64_C(1) << v;
    }
    *ret_bits = bits;
    return bits != 0;
}

CronSchedule *cron_schedule_parse(const char *text, GError **error)
{
    g_autofree char *copy = g_strstrip(g_strdup(text ? text : ""));
    g_auto(GStrv) f = g_strsplit_set(copy, " \t", -1);
    g_autoptr(GPtrArray) fields = g_ptr_array_new();
    for (char **p = f; *p; p++)
        if (**p)
            g_ptr_array_add(fields, *p);
    /* minute hour day-of-month month day-of-week, as cron(8) reads them. */
    static const struct {
        int lo, hi;
        const char *what;
    } ranges[5] = {
        {0, 59, "bad minute field (0-59)"},
        {0, 23, "bad hour field (0-23)"},
        {1, 31, "bad day-of-month field (1-31)"},
        {1, 12, "bad month field (1-12)"},
        {0, 7, "bad day-of-week field (0-7, Sunday 0 or 7)"},
    };
    uint64_t bits[5];
    gboolean any[5];
    const char *what = NULL;
    if (fields->len != 5) {
        what = "five fields are needed: minute hour day-of-month month day-of-week";
        goto invalid;
    }
    for (guint i = 0; i < 5; i++)
        if (!parse_field(fields->pdata[i], ranges[i].lo, ranges[i].hi, &bits[i], &any[i])) {
            what = ranges[i].what;
            goto invalid;
        }
    CronSchedule *s = g_new0(CronSchedule, 1);
    s->minutes = bits[0];
    s->hours = (uint32_t)bits[1];
    s->days = (uint32_t)bits[2];
    s->days_any = any[2];
    s->months = (uint16_t)bits[3];
    s->weekdays = (uint8_t)((bits[4] | (bits[4] >> 7)) & 0x7f);
    s->weekdays_any = any[4];
    return s;

invalid:
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Schedule=%s: %s", copy, what);
    return NULL;
}

void cron_schedule_free(CronSchedule *s)
{
    g_free(s);
}

static gboolean day_matches(const CronSchedule *s, GDateTime *t)
{
    gboolean dom = (s->days >> g_date_time_get_day_of_month(t)) & 1;
    gboolean dow = (s->weekdays >> (g_date_time_get_day_of_week(t) % 7)) & 1;
    if (s->days_any || s->weekdays_any)
        return dom && dow;
    return dom || dow;
}

gint64 cron_schedule_next(const CronSchedule *s, gint64 after_usec)
{
    g_autoptr(GTimeZone) tz = g_time_zone_new_local();
    g_autoptr(GDateTime) start = g_date_time_new_from_unix_local(after_usec / G_USEC_PER_SEC);
    /* The next whole minute. */
    g_autoptr(GDateTime) t = g_date_time_new(tz, g_date_time_get_year(start),
                                             g_date_time_get_month(start),
                                             g_date_time_get_day_of_month(start),
                                             g_date_time_get_hour(start),
                                             g_date_time_get_minute(start), 0);
    GDateTime *cur = g_date_time_add_minutes(t, 1);
    /* Whole days and hours are skipped at once, so five years take a few thousand steps. */
    for (int steps = 0; steps < 200000; steps++) {
        if (g_date_time_get_year(cur) > g_date_time_get_year(start) + 5)
            break;
        GDateTime *next = NULL;
        if (!((s->months >> g_date_time_get_month(cur)) & 1) || !day_matches(s, cur)) {
            g_autoptr(GDateTime) day = g_date_time_new(tz, g_date_time_get_year(cur),
                                                       g_date_time_get_month(cur),
                                                       g_date_time_get_day_of_month(cur), 0, 0, 0);
            next = g_date_time_add_days(day, 1);
        } else if (!((s->hours >> g_date_time_get_hour(cur)) & 1)) {
            g_autoptr(GDateTime) hour = g_date_time_new(tz, g_date_time_get_year(cur),
                                                        g_date_time_get_month(cur),
                                                        g_date_time_get_day_of_month(cur),
                                                        g_date_time_get_hour(cur), 0, 0);
            next = g_date_time_add_hours(hour, 1);
        } else if (!((s->minutes >> g_date_time_get_minute(cur)) & 1)) {
            next = g_date_time_add_minutes(cur, 1);
        } else {
            gint64 result = g_date_time_to_unix(cur) * G_USEC_PER_SEC;
            g_date_time_unref(cur);
            return result;
        }
        g_date_time_unref(cur);
        cur = next;
    }
    g_date_time_unref(cur);
    return -1;
}
