/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-ratelimit.h"

#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#define ALL_CATEGORIES "all"
#define GROUP "RateLimits"
/* More distinct categories than Sentry has; a server naming more is not believed. */
#define MAX_CATEGORIES 64

struct CoronerSentryRateLimits {
    GHashTable *until; /* category (or "all") → gint64* usec */
};

gboolean coroner_sentry_parse_retry_after(const char *value, gint64 now_usec,
                                          gint64 *ret_until_usec)
{
    if (!value)
        return FALSE;
    g_autofree char *v = g_strstrip(g_strdup(value));
    if (!*v)
        return FALSE;
    if (g_ascii_isdigit(*v)) {
        char *end = NULL;
        guint64 seconds = g_ascii_strtoull(v, &end, 10);
        /* Some servers send fractional seconds; round up to never come back early. */
        if (end && *end == '.') {
            char *frac_end = NULL;
            double d = g_ascii_strtod(v, &frac_end);
            if (!frac_end || *frac_end || !(d >= 0))
                return FALSE;
            /* Clamped before the conversion: a double past 2^64 does not fit (fuzzing found it). */
            d = MIN(d, 365.0 * 24 * 3600);
            seconds = (guint64)d + ((double)(guint64)d < d ? 1 : 0);
        } else if (!end || *end) {
            return FALSE;
        }
        seconds = MIN(seconds, (guint64)(365 * 24 * 3600));
        *ret_until_usec = now_usec + (gint64)seconds * G_USEC_PER_SEC;
        return TRUE;
    }
    g_autoptr(GDateTime) date = soup_date_time_new_from_http_string(v);
    if (!date)
        return FALSE;
    gint64 at = g_date_time_to_unix(date) * G_USEC_PER_SEC;
    *ret_until_usec = MAX(at, now_usec);
    return TRUE;
}

CoronerSentryRateLimits *coroner_sentry_rate_limits_new(void)
{
    CoronerSentryRateLimits *l = g_new0(CoronerSentryRateLimits, 1);
    l->until = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return l;
}

void coroner_sentry_rate_limits_free(CoronerSentryRateLimits *limits)
{
    if (!limits)
        return;
    g_hash_table_unref(limits->until);
    g_free(limits);
}

/*
 * Sentry's data categories ("error", "attachment", "log_item", …): lower-case
 * letters, digits and underscores.  Anything else from a server is not kept:
 * the limits are saved as key file keys, which could not hold it.
 */
static gboolean is_category_name(const char *name)
{
    for (const char *p = name; *p; p++)
        if (!(g_ascii_islower(*p) || g_ascii_isdigit(*p) || *p == '_'))
            return FALSE;
    return TRUE;
}

/* Limits category until then (or later, if it already is); FALSE when the category is not kept. */
static gboolean extend(CoronerSentryRateLimits *l, const char *category, gint64 until)
{
    gint64 *current = g_hash_table_lookup(l->until, category);
    if (current) {
        *current = MAX(*current, until);
        return TRUE;
    }
    if (!is_category_name(category) ||
        (g_hash_table_size(l->until) >= MAX_CATEGORIES && strcmp(category, ALL_CATEGORIES) != 0))
        return FALSE;
    gint64 *v = g_new(gint64, 1);
    *v = until;
    g_hash_table_insert(l->until, g_strdup(category), v);
    return TRUE;
}

gboolean coroner_sentry_rate_limits_add_header(CoronerSentryRateLimits *limits, const char *header,
                                               gint64 now_usec, guint *ret_applied)
{
    guint applied = 0;
    if (ret_applied)
        *ret_applied = 0;
    if (!header)
        return FALSE;
    gboolean ok = TRUE;
    g_auto(GStrv) quotas = g_strsplit(header, ",", -1);
    for (char **q = quotas; *q; q++) {
        char *quota = g_strstrip(*q);
        if (!*quota)
            continue;
        g_auto(GStrv) parts = g_strsplit(quota, ":", -1);
        char *end = NULL;
        const char *seconds_text = parts[0] ? g_strstrip(parts[0]) : "";
        double seconds = g_ascii_strtod(seconds_text, &end);
        if (!*seconds_text || !end || *end || seconds < 0) {
            ok = FALSE;
            continue;
        }
        seconds = MIN(seconds, 365.0 * 24 * 3600);
        gint64 until = now_usec + (gint64)(seconds * G_USEC_PER_SEC + 0.999999);
        const char *categories = parts[0] && parts[1] ? g_strstrip(parts[1]) : "";
        if (!*categories) {
            extend(limits, ALL_CATEGORIES, until);
            applied++;
            continue;
        }
        g_auto(GStrv) cats = g_strsplit(categories, ";", -1);
        for (char **c = cats; *c; c++) {
            char *cat = g_strstrip(*c);
            if (!*cat)
                continue;
            if (extend(limits, cat, until))
                applied++;
            else
                ok = FALSE;
        }
    }
    if (ret_applied)
        *ret_applied = applied;
    return ok;
}

void coroner_sentry_rate_limits_update(CoronerSentryRateLimits *limits, guint status,
                                       const char *retry_after, const char *rate_limits,
                                       gint64 now_usec)
{
    guint applied = 0;
    if (rate_limits && *rate_limits)
        coroner_sentry_rate_limits_add_header(limits, rate_limits, now_usec, &applied);
    /* A header that limited nothing (no category we keep) does not stand in for a 429's own. */
    if (applied > 0 || status != 429)
        return;
    gint64 until = 0;
    if (!coroner_sentry_parse_retry_after(retry_after, now_usec, &until))
        until = now_usec + CORONER_SENTRY_DEFAULT_RETRY_AFTER_SEC * G_USEC_PER_SEC;
    extend(limits, ALL_CATEGORIES, until);
}

gint64 coroner_sentry_rate_limits_until(const CoronerSentryRateLimits *limits, const char *category)
{
    gint64 until = 0;
    gint64 *all = g_hash_table_lookup(limits->until, ALL_CATEGORIES);
    if (all)
        until = *all;
    if (category && *category) {
        gint64 *c = g_hash_table_lookup(limits->until, category);
        if (c)
            until = MAX(until, *c);
    }
    return until;
}

gint64 coroner_sentry_rate_limits_until_any(const CoronerSentryRateLimits *limits,
                                            const char *const *categories)
{
    gint64 until = coroner_sentry_rate_limits_until(limits, NULL);
    for (; categories && *categories; categories++)
        until = MAX(until, coroner_sentry_rate_limits_until(limits, *categories));
    return until;
}

void coroner_sentry_rate_limits_to_key_file(const CoronerSentryRateLimits *limits, GKeyFile *kf,
                                            gint64 now_usec)
{
    g_key_file_remove_group(kf, GROUP, NULL);
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, limits->until);
    while (g_hash_table_iter_next(&iter, &key, &value))
        if (*(gint64 *)value > now_usec)
            g_key_file_set_int64(kf, GROUP, key, *(gint64 *)value);
}

void coroner_sentry_rate_limits_from_key_file(CoronerSentryRateLimits *limits, GKeyFile *kf)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, GROUP, NULL, NULL);
    for (char **k = keys; k && *k; k++) {
        g_autoptr(GError) error = NULL;
        gint64 until = g_key_file_get_int64(kf, GROUP, *k, &error);
        if (!error)
            extend(limits, *k, until);
    }
}
