/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "bundle-name.h"

#define GiB (UINT64_C(1) << 30)

CoronerConfig *coroner_config_new_default(void)
{
    CoronerConfig *c = g_new0(CoronerConfig, 1);
    c->store_path = g_strdup(CORONER_DEFAULT_STORE);
    c->compress = TRUE;
    c->process_size_max = 32 * GiB;
    c->external_size_max = 32 * GiB;
    c->max_use = (CoronerSize){.bytes = CORONER_SIZE_UNSET, .percent = 10};
    c->keep_free = (CoronerSize){.bytes = CORONER_SIZE_UNSET, .percent = 15};
    c->journal_enabled = TRUE;
    c->journal_timeout_ms = 2000;
    c->service_user = g_strdup("coroner");
    c->upload.region = g_strdup("us-east-1");
    c->upload.filename_template = g_strdup(CORONER_BUNDLE_DEFAULT_TEMPLATE);
    c->upload.part_size = 16u << 20;
    c->max_concurrent = 2;
    c->queue_max = 16;
    c->dump_timeout_sec = 120;
    c->work_timeout_sec = 30;
    c->rate_burst = 5;
    c->rate_interval_sec = 60;
    c->rate_global_burst = 20;
    c->app_recepts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return c;
}

void coroner_config_free(CoronerConfig *c)
{
    if (!c)
        return;
    g_free(c->store_path);
    g_free(c->service_user);
    g_free(c->upload.endpoint);
    g_free(c->upload.bucket);
    g_free(c->upload.region);
    g_free(c->upload.access_key_id);
    g_free(c->upload.secret_access_key_file);
    g_free(c->upload.filename_template);
    g_free(c->upload.schedule);
    g_free(c->recept);
    g_free(c->recept_directory);
    g_clear_pointer(&c->app_recepts, g_hash_table_unref);
    g_free(c);
}

/* A coroner.conf value that is not what its key takes; FALSE for the caller to return. */
static gboolean G_GNUC_PRINTF(2, 3) invalid_value(GError **error, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    g_propagate_error(error, g_error_new_valist(G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                                                format, args));
    va_end(args);
    return FALSE;
}

gboolean coroner_parse_size(const char *text, CoronerSize *ret, GError **error)
{
    g_autofree char *s = g_strstrip(g_strdup(text ? text : ""));
    if (g_ascii_strcasecmp(s, "infinity") == 0) {
        *ret = (CoronerSize){.bytes = UINT64_MAX};
        return TRUE;
    }
    char *end = NULL;
    errno = 0;
    if (*s == '\0' || *s == '-' || !g_ascii_isdigit(*s))
        goto invalid;
    double value = g_ascii_strtod(s, &end);
    if (errno != 0 || end == s || !isfinite(value) || value < 0)
        goto invalid;
    while (*end == ' ')
        end++;
    if (strcmp(end, "%") == 0) {
        if (value > 100)
            goto invalid;
        *ret = (CoronerSize){.bytes = value > 0 ? CORONER_SIZE_UNSET : 0, .percent = value};
        return TRUE;
    }
    /* No suffix or B is bytes; K, M, G, T are powers of 1024. */
    static const char units[] = "BKMGT";
    const char *unit = *end ? strchr(units, g_ascii_toupper(*end)) : units;
    if (!unit)
        goto invalid;
    uint64_t factor = UINT64_C(1) << (10 * (unit - units));
    if (*end && end[1] != '\0' && g_ascii_strcasecmp(end + 1, "iB") != 0 &&
        g_ascii_strcasecmp(end + 1, "B") != 0)
        goto invalid;
    if (value * (double)factor >= 18446744073709551615.0)
        goto invalid;
    *ret = (CoronerSize){.bytes = (uint64_t)(value * (double)factor)};
    return TRUE;

invalid:
    return invalid_value(error, "“%s” is not a size (use e.g. 512M, 2G, 10%% or infinity)",
                         text ? text : "");
}

uint64_t coroner_size_resolve(const CoronerSize *size, uint64_t fs_bytes, uint64_t cap)
{
    /* A percentage, when given, decides; else bytes, where UINT64_MAX is "infinity". */
    if (size->percent <= 0)
        return size->bytes == CORONER_SIZE_UNSET ? UINT64_MAX : size->bytes;
    uint64_t v = (uint64_t)((double)fs_bytes * size->percent / 100.0);
    return MIN(v, cap);
}

/* systemd's spelling of booleans, which admins of coredump.conf already know. */
gboolean coroner_parse_bool(const char *text, gboolean *ret)
{
    static const char *const yes[] = {"1", "yes", "y", "true", "t", "on"};
    static const char *const no[] = {"0", "no", "n", "false", "f", "off"};
    for (unsigned i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (g_ascii_strcasecmp(text, yes[i]) == 0) {
            *ret = TRUE;
            return TRUE;
        }
        if (g_ascii_strcasecmp(text, no[i]) == 0) {
            *ret = FALSE;
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean load_bool(GKeyFile *kf, const char *group, const char *key, gboolean *out,
                          GError **error)
{
    g_autofree char *text = g_key_file_get_value(kf, group, key, NULL);
    if (!text)
        return TRUE;
    if (!coroner_parse_bool(g_strstrip(text), out)) {
        return invalid_value(error, "[%s] %s: “%s” is not a boolean (use yes or no)", group,
                             key, text);
    }
    return TRUE;
}

static gboolean load_size(GKeyFile *kf, const char *group, const char *key, CoronerSize *out,
                          gboolean allow_percent, GError **error)
{
    g_autofree char *text = g_key_file_get_value(kf, group, key, NULL);
    if (!text)
        return TRUE;
    g_autoptr(GError) local = NULL;
    CoronerSize v;
    if (!coroner_parse_size(text, &v, &local) || (!allow_percent && v.percent > 0)) {
        return invalid_value(error, "[%s] %s: %s", group, key,
                             local ? local->message : "a percentage is not allowed here");
    }
    *out = v;
    return TRUE;
}

static gboolean load_string(GKeyFile *kf, const char *group, const char *key, char **out,
                            GError **error)
{
    g_autofree char *text = g_key_file_get_string(kf, group, key, NULL);
    if (!text)
        return TRUE;
    g_strstrip(text);
    if (*text == '\0') {
        return invalid_value(error, "[%s] %s: must not be empty", group, key);
    }
    g_free(*out);
    *out = g_steal_pointer(&text);
    return TRUE;
}

/* systemd's time span units. */
static const struct {
    const char *name;
    uint64_t usec;
} span_units[] = {
    {"us", 1},
    {"usec", 1},
    {"ms", 1000},
    {"msec", 1000},
    {"s", G_USEC_PER_SEC},
    {"sec", G_USEC_PER_SEC},
    {"second", G_USEC_PER_SEC},
    {"seconds", G_USEC_PER_SEC},
    {"m", UINT64_C(60) * G_USEC_PER_SEC},
    {"min", UINT64_C(60) * G_USEC_PER_SEC},
    {"minute", UINT64_C(60) * G_USEC_PER_SEC},
    {"minutes", UINT64_C(60) * G_USEC_PER_SEC},
    {"h", UINT64_C(3600) * G_USEC_PER_SEC},
    {"hr", UINT64_C(3600) * G_USEC_PER_SEC},
    {"hour", UINT64_C(3600) * G_USEC_PER_SEC},
    {"hours", UINT64_C(3600) * G_USEC_PER_SEC},
    {"d", UINT64_C(86400) * G_USEC_PER_SEC},
    {"day", UINT64_C(86400) * G_USEC_PER_SEC},
    {"days", UINT64_C(86400) * G_USEC_PER_SEC},
    {"w", UINT64_C(604800) * G_USEC_PER_SEC},
    {"week", UINT64_C(604800) * G_USEC_PER_SEC},
    {"weeks", UINT64_C(604800) * G_USEC_PER_SEC},
};

static gboolean unit_span(const char *name, uint64_t *ret)
{
    for (guint i = 0; i < G_N_ELEMENTS(span_units); i++)
        if (g_str_equal(name, span_units[i].name)) {
            *ret = span_units[i].usec;
            return TRUE;
        }
    return FALSE;
}

gboolean coroner_parse_timespan(const char *text, uint64_t *ret_usec, GError **error)
{
    uint64_t total = 0;
    const char *p = text ? text : "";
    gboolean any = FALSE;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        if (!g_ascii_isdigit(*p))
            goto invalid;
        char *end;
        guint64 n = g_ascii_strtoull(p, &end, 10);
        p = end;
        while (*p == ' ')
            p++;
        const char *unit_start = p;
        while (g_ascii_isalpha(*p))
            p++;
        g_autofree char *unit = g_strndup(unit_start, (gsize)(p - unit_start));
        uint64_t span = G_USEC_PER_SEC;
        if (*unit && !unit_span(unit, &span))
            goto invalid;
        if (n > (uint64_t)G_MAXINT64 / span || total > (uint64_t)G_MAXINT64 - n * span)
            goto invalid;
        total += n * span;
        any = TRUE;
    }
    if (!any)
        goto invalid;
    *ret_usec = total;
    return TRUE;

invalid:
    return invalid_value(error, "“%s” is not a time span (use e.g. 30s, 10min, 1h)",
                         text ? text : "");
}

static gboolean load_uint(GKeyFile *kf, const char *group, const char *key, unsigned min,
                          unsigned max, unsigned *out, GError **error)
{
    g_autofree char *text = g_key_file_get_value(kf, group, key, NULL);
    if (!text)
        return TRUE;
    guint64 v;
    if (!g_ascii_string_to_unsigned(g_strstrip(text), 10, min, max, &v, NULL)) {
        return invalid_value(error, "[%s] %s: “%s” is not a whole number from %u to %u", group,
                             key, text, min, max);
    }
    *out = (unsigned)v;
    return TRUE;
}

/* An absolute path (a file the handler reads as root must not depend on its cwd). */
static gboolean load_path(GKeyFile *kf, const char *group, const char *key, char **out,
                          GError **error)
{
    g_autofree char *path = NULL;
    if (!load_string(kf, group, key, &path, error))
        return FALSE;
    if (path && !g_path_is_absolute(path)) {
        return invalid_value(error, "[%s] %s: “%s” is not an absolute path", group, key, path);
    }
    if (path) {
        g_free(*out);
        *out = g_steal_pointer(&path);
    }
    return TRUE;
}

static void note(GPtrArray *problems, const char *path, GError *error)
{
    if (problems)
        g_ptr_array_add(problems, g_strdup_printf("%s: %s", path, error->message));
}

/*
 * Each key on its own: one bad value must not discard the good ones.  Used
 * where `error`, `problems` and `path` are in scope.
 */
#define TRY(call)                                                                                  \
    do {                                                                                           \
        if (!(call)) {                                                                             \
            note(problems, path, error);                                                           \
            g_clear_error(&error);                                                                 \
        }                                                                                          \
    } while (0)

/* [Upload] (coroner-upload); problems are noted, not fatal. */
static gboolean load_upload(GKeyFile *kf, CoronerUploadConfig *u, const char *path,
                            GPtrArray *problems)
{
    g_autoptr(GError) error = NULL;
    TRY(load_string(kf, "Upload", "Endpoint", &u->endpoint, &error));
    TRY(load_string(kf, "Upload", "Bucket", &u->bucket, &error));
    TRY(load_string(kf, "Upload", "Region", &u->region, &error));
    TRY(load_string(kf, "Upload", "AccessKeyId", &u->access_key_id, &error));
    TRY(load_string(kf, "Upload", "SecretAccessKeyFile", &u->secret_access_key_file, &error));
    TRY(load_bool(kf, "Upload", "PathStyle", &u->path_style, &error));
    TRY(load_bool(kf, "Upload", "DeleteAfterUpload", &u->delete_after_upload, &error));
    TRY(load_bool(kf, "Upload", "Watch", &u->watch, &error));

    g_autofree char *template_ = NULL;
    TRY(load_string(kf, "Upload", "FilenameTemplate", &template_, &error));
    if (template_) {
        g_autoptr(GError) local = NULL;
        if (coroner_bundle_template_check(template_, &local)) {
            g_free(u->filename_template);
            u->filename_template = g_steal_pointer(&template_);
        } else {
            invalid_value(&error, "[Upload] FilenameTemplate: %s", local->message);
            TRY(FALSE);
        }
    }

    g_autofree char *interval = g_key_file_get_value(kf, "Upload", "Interval", NULL);
    if (interval && *g_strstrip(interval)) {
        g_autoptr(GError) local = NULL;
        if (!coroner_parse_timespan(interval, &u->interval_usec, &local)) {
            invalid_value(&error, "[Upload] Interval: %s", local->message);
            TRY(FALSE);
        }
    }
    g_autofree char *schedule = g_key_file_get_value(kf, "Upload", "Schedule", NULL);
    if (schedule && *g_strstrip(schedule)) {
        g_free(u->schedule);
        u->schedule = g_steal_pointer(&schedule);
    }

    CoronerSize part = {.bytes = u->part_size};
    TRY(load_size(kf, "Upload", "PartSize", &part, FALSE, &error));
    if (part.bytes < (5u << 20) || part.bytes > (UINT64_C(5) << 30)) {
        invalid_value(&error, "[Upload] PartSize: S3 parts are 5M to 5G");
        TRY(FALSE);
    } else {
        u->part_size = part.bytes;
    }
    return TRUE;
}

CoronerConfig *coroner_config_load(const char *path, GPtrArray *problems)
{
    CoronerConfig *c = coroner_config_new_default();
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) error = NULL;

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error)) {
        if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            note(problems, path, error);
        return c;
    }

    g_autofree char *store_path = NULL;
    TRY(load_string(kf, "Store", "Path", &store_path, &error));
    if (store_path && !g_path_is_absolute(store_path)) {
        invalid_value(&error, "[Store] Path: “%s” is not an absolute path", store_path);
        TRY(FALSE);
    } else if (store_path) {
        g_free(c->store_path);
        c->store_path = g_steal_pointer(&store_path);
    }

    CoronerSize process_max = {.bytes = c->process_size_max};
    CoronerSize external_max = {.bytes = c->external_size_max};
    TRY(load_bool(kf, "Store", "Compress", &c->compress, &error));
    TRY(load_size(kf, "Store", "ProcessSizeMax", &process_max, FALSE, &error));
    TRY(load_size(kf, "Store", "ExternalSizeMax", &external_max, FALSE, &error));
    TRY(load_size(kf, "Store", "MaxUse", &c->max_use, TRUE, &error));
    TRY(load_size(kf, "Store", "KeepFree", &c->keep_free, TRUE, &error));
    TRY(load_bool(kf, "Journal", "Enabled", &c->journal_enabled, &error));
    TRY(load_string(kf, "Handler", "ServiceUser", &c->service_user, &error));
    TRY(load_bool(kf, "Backtrace", "Debuginfod", &c->debuginfod, &error));
    TRY(load_upload(kf, &c->upload, path, problems));
    TRY(load_uint(kf, "Service", "MaxConcurrent", 1, 64, &c->max_concurrent, &error));
    TRY(load_uint(kf, "Service", "QueueMax", 0, 1024, &c->queue_max, &error));
    TRY(load_uint(kf, "Service", "DumpTimeoutSec", 1, 86400, &c->dump_timeout_sec, &error));
    TRY(load_uint(kf, "Service", "WorkTimeoutSec", 1, 3600, &c->work_timeout_sec, &error));
    TRY(load_uint(kf, "RateLimit", "Burst", 0, 100000, &c->rate_burst, &error));
    TRY(load_uint(kf, "RateLimit", "IntervalSec", 1, 86400, &c->rate_interval_sec, &error));
    TRY(load_uint(kf, "RateLimit", "GlobalBurst", 0, 1000000, &c->rate_global_burst, &error));
    TRY(load_path(kf, "Store", "Recept", &c->recept, &error));
    TRY(load_path(kf, "Store", "ReceptDirectory", &c->recept_directory, &error));
    g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
    for (char **g = groups; *g; g++) {
        char *recept = NULL;
        if (!g_str_has_prefix(*g, "App:") || !(*g)[4])
            continue;
        TRY(load_path(kf, *g, "Recept", &recept, &error));
        if (recept)
            g_hash_table_replace(c->app_recepts, g_strdup(*g + 4), recept);
    }
    c->process_size_max = process_max.bytes;
    c->external_size_max = external_max.bytes;

    g_autofree char *timeout = g_key_file_get_value(kf, "Journal", "Timeout", NULL);
    if (timeout) {
        char *end = NULL;
        g_strstrip(timeout);
        double seconds = g_ascii_strtod(timeout, &end);
        if (end == timeout || *end != '\0' || !(seconds >= 0 && seconds <= 60)) {
            invalid_value(&error, "[Journal] Timeout: “%s” is not a number of seconds from 0 to 60",
                          timeout);
            TRY(FALSE);
        } else {
            c->journal_timeout_ms = (unsigned)(seconds * 1000);
        }
    }
    return c;
}
