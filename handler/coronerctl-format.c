/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coronerctl-format.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

static GDateTime *local_time(int64_t usec)
{
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(usec / G_USEC_PER_SEC);
    return utc ? g_date_time_to_local(utc) : NULL;
}

char *ctl_format_time(int64_t usec)
{
    g_autoptr(GDateTime) t = local_time(usec);
    return t ? g_date_time_format(t, "%a %Y-%m-%d %H:%M:%S %Z") : g_strdup("-");
}

char *ctl_format_iso8601(int64_t usec)
{
    g_autoptr(GDateTime) t = local_time(usec);
    return t ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%S%:z") : NULL;
}

char *ctl_format_relative(int64_t usec, int64_t now_usec)
{
    int64_t d = (now_usec - usec) / G_USEC_PER_SEC;
    const char *suffix = d >= 0 ? "ago" : "left";
    if (d < 0)
        d = -d;
    if (d < 60)
        return g_strdup_printf("%" G_GINT64_FORMAT "s %s", d, suffix);
    if (d < 3600)
        return g_strdup_printf("%" G_GINT64_FORMAT "min %s", d / 60, suffix);
    if (d < 86400)
        return g_strdup_printf("%" G_GINT64_FORMAT "h %" G_GINT64_FORMAT "min %s", d / 3600,
                               d % 3600 / 60, suffix);
    int64_t days = d / 86400;
    return g_strdup_printf("%" G_GINT64_FORMAT " day%s %s", days, days == 1 ? "" : "s", suffix);
}

char *ctl_format_bytes(uint64_t bytes)
{
    static const char units[] = "BKMGTPE";
    if (bytes < 1024)
        return g_strdup_printf("%" G_GUINT64_FORMAT "B", bytes);
    double v = (double)bytes;
    unsigned u = 0;
    while (v >= 1024 && u + 1 < sizeof units - 1) {
        v /= 1024;
        u++;
    }
    return g_strdup_printf("%.1f%c", v, units[u]);
}

/*
 * id with the name the system gives it as a user (or, with group, as a
 * group): "1000 (alice)", or the number alone when it names nobody; "-" when
 * unknown.
 */
static char *format_id(int64_t id, gboolean group)
{
    if (id < 0)
        return g_strdup("-");
    char buf[4096];
    struct passwd pw, *user = NULL;
    struct group gr, *grp = NULL;
    const char *name = NULL;
    if (group && getgrgid_r((gid_t)id, &gr, buf, sizeof buf, &grp) == 0 && grp)
        name = grp->gr_name;
    else if (!group && getpwuid_r((uid_t)id, &pw, buf, sizeof buf, &user) == 0 && user)
        name = user->pw_name;
    if (name)
        return g_strdup_printf("%" G_GINT64_FORMAT " (%s)", id, name);
    return g_strdup_printf("%" G_GINT64_FORMAT, id);
}

char *ctl_format_uid(int64_t uid)
{
    return format_id(uid, FALSE);
}

char *ctl_format_gid(int64_t gid)
{
    return format_id(gid, TRUE);
}
