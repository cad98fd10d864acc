/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-config.h"

#include <string.h>

#include "sentry-dsn.h"

#ifndef CORONER_SENTRY_SYSTEM_CONFIG
#define CORONER_SENTRY_SYSTEM_CONFIG "/etc/coroner/reporting.conf"
#endif

#define DESKTOP_KEY "X-Coroner-DSN"

struct CoronerSentryConfig {
    GKeyFile *system;
    GKeyFile *user;
    char *system_path;
    char *user_path;
};

char *coroner_sentry_config_default_system_path(void)
{
    return g_strdup(CORONER_SENTRY_SYSTEM_CONFIG);
}

char *coroner_sentry_config_default_user_path(void)
{
    return g_build_filename(g_get_user_config_dir(), "coroner", "reporting.conf", NULL);
}

static GKeyFile *load_one(const char *path, GError **error)
{
    GKeyFile *kf = g_key_file_new();
    g_autoptr(GError) local = NULL;
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local) &&
        !g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
        g_set_error(error, local->domain, local->code, "Cannot read %s: %s", path, local->message);
        g_key_file_unref(kf);
        return NULL;
    }
    return kf;
}

CoronerSentryConfig *coroner_sentry_config_load(const char *system_path, const char *user_path,
                                                GError **error)
{
    g_autoptr(CoronerSentryConfig) c = g_new0(CoronerSentryConfig, 1);
    c->system_path = system_path ? g_strdup(system_path) : coroner_sentry_config_default_system_path();
    c->user_path = user_path ? g_strdup(user_path) : coroner_sentry_config_default_user_path();
    if (!(c->system = load_one(c->system_path, error)) || !(c->user = load_one(c->user_path, error)))
        return NULL;
    return g_steal_pointer(&c);
}

void coroner_sentry_config_free(CoronerSentryConfig *c)
{
    if (!c)
        return;
    if (c->system)
        g_key_file_unref(c->system);
    if (c->user)
        g_key_file_unref(c->user);
    g_free(c->system_path);
    g_free(c->user_path);
    g_free(c);
}

/* A boolean key; absent or malformed is FALSE with *ret_set FALSE. */
static gboolean get_bool(GKeyFile *kf, const char *group, const char *key, gboolean *ret_set)
{
    g_autoptr(GError) error = NULL;
    gboolean v = g_key_file_get_boolean(kf, group, key, &error);
    *ret_set = error == NULL;
    return error ? FALSE : v;
}

gboolean coroner_sentry_config_is_disabled(const CoronerSentryConfig *c)
{
    gboolean set;
    return get_bool(c->system, "Sentry", "Disabled", &set);
}

gboolean coroner_sentry_config_allows_core(const CoronerSentryConfig *c)
{
    gboolean sys_set, user_set;
    gboolean sys = get_bool(c->system, "Sentry", "AllowCore", &sys_set);
    gboolean user = get_bool(c->user, "Sentry", "AllowCore", &user_set);
    /* The administrator's "no" wins; otherwise either may allow it. */
    if (sys_set && !sys)
        return FALSE;
    return sys || user;
}

/* Minidump= in group; FALSE when absent or malformed. */
static gboolean get_minidump(GKeyFile *kf, const char *group, CoronerSentryMinidumpMode *ret_mode)
{
    g_autofree char *v = group ? g_key_file_get_string(kf, group, "Minidump", NULL) : NULL;
    return v && coroner_sentry_minidump_mode_parse(v, ret_mode);
}

CoronerSentryMinidumpMode coroner_sentry_config_minidump_mode(const CoronerSentryConfig *c,
                                                              const CoronerCrashRecord *record,
                                                              const char *app_id)
{
    CoronerSentryMinidumpMode mode = CORONER_SENTRY_MINIDUMP_OFF;
    if (get_minidump(c->system, "Sentry", &mode) && mode == CORONER_SENTRY_MINIDUMP_OFF)
        return mode;
    if (!app_id && record && record->app)
        app_id = record->app->app_id;
    g_autofree char *group = app_id && *app_id ? g_strconcat("App:", app_id, NULL) : NULL;
    if (get_minidump(c->user, group, &mode) || get_minidump(c->system, group, &mode) ||
        get_minidump(c->user, "Sentry", &mode) || get_minidump(c->system, "Sentry", &mode))
        return mode;
    return CORONER_SENTRY_MINIDUMP_OFF;
}

static char *get_dsn(GKeyFile *kf, const char *group)
{
    g_autofree char *v = g_key_file_get_string(kf, group, "DSN", NULL);
    if (!v)
        return NULL;
    g_strstrip(v);
    return *v ? g_steal_pointer(&v) : NULL;
}

/*
 * The app's desktop file, found the way the desktop finds it: <app_id>.desktop
 * in applications/ under $XDG_DATA_HOME, then each of $XDG_DATA_DIRS.  The
 * first file found decides, as for every other desktop file key.
 */
static char *desktop_file_dsn(const char *app_id)
{
    if (!app_id || !*app_id || strchr(app_id, '/') || app_id[0] == '.')
        return NULL;
    g_autofree char *name = g_strconcat(app_id, ".desktop", NULL);
    g_autoptr(GPtrArray) dirs = g_ptr_array_new();
    g_ptr_array_add(dirs, (gpointer)g_get_user_data_dir());
    for (const char *const *d = g_get_system_data_dirs(); *d; d++)
        g_ptr_array_add(dirs, (gpointer)*d);
    for (guint i = 0; i < dirs->len; i++) {
        g_autofree char *path = g_build_filename(dirs->pdata[i], "applications", name, NULL);
        g_autoptr(GKeyFile) kf = g_key_file_new();
        if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
            continue;
        g_autofree char *v = g_key_file_get_string(kf, G_KEY_FILE_DESKTOP_GROUP, DESKTOP_KEY, NULL);
        if (!v)
            return NULL;
        g_strstrip(v);
        return *v ? g_steal_pointer(&v) : NULL;
    }
    return NULL;
}

char *coroner_sentry_config_resolve_dsn(const CoronerSentryConfig *c,
                                        const CoronerCrashRecord *record, const char *app_id,
                                        char **ret_source, GError **error)
{
    if (coroner_sentry_config_is_disabled(c)) {
        g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_DISABLED,
                    "Crash reporting is turned off by the administrator (%s: [Sentry] Disabled)",
                    c->system_path);
        return NULL;
    }
    if (!app_id && record && record->app)
        app_id = record->app->app_id;
    g_autofree char *group = app_id && *app_id ? g_strconcat("App:", app_id, NULL) : NULL;

    g_autofree char *dsn = NULL;
    g_autofree char *source = NULL;
    if (group && (dsn = get_dsn(c->user, group))) {
        source = g_strdup_printf("%s [%s]", c->user_path, group);
    } else if (group && (dsn = get_dsn(c->system, group))) {
        source = g_strdup_printf("%s [%s]", c->system_path, group);
    } else if ((dsn = desktop_file_dsn(app_id))) {
        source = g_strdup_printf("%s.desktop (" DESKTOP_KEY ")", app_id);
    } else if ((dsn = get_dsn(c->user, "Sentry"))) {
        source = g_strdup_printf("%s [Sentry]", c->user_path);
    } else if ((dsn = get_dsn(c->system, "Sentry"))) {
        source = g_strdup_printf("%s [Sentry]", c->system_path);
    }
    if (!dsn || !*dsn) {
        g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_DISABLED,
                    "No Sentry DSN is configured%s%s: crash reporting is off (set [Sentry] DSN= "
                    "in %s)",
                    app_id ? " for " : "", app_id ? app_id : "", c->user_path);
        return NULL;
    }
    g_autoptr(CoronerSentryDsn) parsed = coroner_sentry_dsn_parse(dsn, error);
    if (!parsed) {
        g_prefix_error(error, "From %s: ", source);
        return NULL;
    }
    if (ret_source)
        *ret_source = g_steal_pointer(&source);
    return g_steal_pointer(&dsn);
}
