/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-app-match.h"

#include <gio/gdesktopappinfo.h>
#include <glib/gi18n.h>
#include <string.h>

/* Executable path and basename → desktop id, built once from every installed .desktop file. */
static GHashTable *exe_index;

void coroner_app_match_free(CoronerAppMatch *match)
{
    if (!match)
        return;
    g_free(match->key);
    g_free(match->name);
    g_free(match->icon_name);
    g_free(match->desktop_id);
    g_free(match);
}

CoronerAppMatch *coroner_app_match_copy(const CoronerAppMatch *match)
{
    CoronerAppMatch *copy = g_new0(CoronerAppMatch, 1);

    copy->key = g_strdup(match->key);
    copy->name = g_strdup(match->name);
    copy->icon_name = g_strdup(match->icon_name);
    copy->desktop_id = g_strdup(match->desktop_id);
    return copy;
}

void coroner_app_match_reset(void)
{
    g_clear_pointer(&exe_index, g_hash_table_unref);
}

static void index_exec(const char *desktop_id, const char *exec_line)
{
    g_auto(GStrv) argv = NULL;
    g_autofree char *path = NULL;

    if (!exec_line || !g_shell_parse_argv(exec_line, NULL, &argv, NULL) || !argv[0])
        return;
    /* "env FOO=1 prog" and "flatpak run" wrappers: take the first real program. */
    guint i = 0;
    if (g_str_equal(argv[0], "env") || g_str_has_suffix(argv[0], "/env")) {
        for (i = 1; argv[i] && strchr(argv[i], '='); i++)
            ;
    }
    if (!argv[i])
        return;
    path = g_path_is_absolute(argv[i]) ? g_strdup(argv[i]) : g_find_program_in_path(argv[i]);
    if (path) {
        g_autofree char *real = g_canonicalize_filename(path, NULL);
        char resolved[4096];
        if (realpath(path, resolved))
            g_hash_table_insert(exe_index, g_strdup(resolved), g_strdup(desktop_id));
        g_hash_table_insert(exe_index, g_steal_pointer(&real), g_strdup(desktop_id));
    }
    g_autofree char *base = g_path_get_basename(argv[i]);
    if (!g_hash_table_contains(exe_index, base))
        g_hash_table_insert(exe_index, g_steal_pointer(&base), g_strdup(desktop_id));
}

static void on_apps_changed(GAppInfoMonitor *monitor, gpointer data)
{
    coroner_app_match_reset();
}

static void build_index(void)
{
    static GAppInfoMonitor *monitor;
    GList *all;

    if (exe_index)
        return;
    /* Applications installed while the session runs are named too (inotify, no polling). */
    if (!monitor) {
        monitor = g_app_info_monitor_get();
        g_signal_connect(monitor, "changed", G_CALLBACK(on_apps_changed), NULL);
    }
    exe_index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    all = g_app_info_get_all();
    for (GList *l = all; l; l = l->next) {
        GAppInfo *info = l->data;
        const char *id = g_app_info_get_id(info);
        if (!id || !G_IS_DESKTOP_APP_INFO(info))
            continue;
        index_exec(id, g_app_info_get_commandline(info));
        const char *try_exec = g_desktop_app_info_get_string(G_DESKTOP_APP_INFO(info), "TryExec");
        if (try_exec)
            index_exec(id, try_exec);
        g_free((char *)try_exec);
    }
    g_list_free_full(all, g_object_unref);
}

static GDesktopAppInfo *lookup_desktop(const char *app_id)
{
    g_autofree char *desktop_id = NULL;

    if (!app_id || !*app_id)
        return NULL;
    desktop_id = g_str_has_suffix(app_id, ".desktop") ? g_strdup(app_id) : g_strconcat(app_id, ".desktop", NULL);
    return g_desktop_app_info_new(desktop_id);
}

static char *icon_name_of(GAppInfo *info)
{
    GIcon *icon = g_app_info_get_icon(info);

    if (G_IS_THEMED_ICON(icon)) {
        const char *const *names = g_themed_icon_get_names(G_THEMED_ICON(icon));
        if (names && names[0])
            return g_strdup(names[0]);
    } else if (G_IS_FILE_ICON(icon)) {
        return g_file_get_path(g_file_icon_get_file(G_FILE_ICON(icon)));
    }
    return NULL;
}

CoronerAppMatch *coroner_app_match(const char *app_id, const char *app_name, const char *exe,
                                   const char *comm)
{
    g_autoptr(GDesktopAppInfo) info = lookup_desktop(app_id);
    CoronerAppMatch *match = g_new0(CoronerAppMatch, 1);

    if (!info && exe && *exe) {
        const char *desktop_id;
        g_autofree char *base = g_path_get_basename(exe);

        build_index();
        desktop_id = g_hash_table_lookup(exe_index, exe);
        if (!desktop_id)
            desktop_id = g_hash_table_lookup(exe_index, base);
        if (desktop_id)
            info = g_desktop_app_info_new(desktop_id);
    }

    if (info) {
        match->desktop_id = g_strdup(g_app_info_get_id(G_APP_INFO(info)));
        match->key = g_strdup(match->desktop_id);
        if (g_str_has_suffix(match->key, ".desktop"))
            match->key[strlen(match->key) - strlen(".desktop")] = '\0';
        match->name = g_strdup(g_app_info_get_display_name(G_APP_INFO(info)));
        match->icon_name = icon_name_of(G_APP_INFO(info));
    } else {
        match->key = g_strdup(app_id && *app_id ? app_id : exe && *exe ? exe : comm ? comm : "unknown");
        if (app_name && *app_name)
            match->name = g_strdup(app_name);
        else if (exe && *exe)
            match->name = g_path_get_basename(exe);
        else if (comm && *comm)
            match->name = g_strdup(comm);
        else
            match->name = g_strdup(_("An application"));
    }
    if (!match->icon_name)
        match->icon_name = g_strdup("application-x-executable");
    return match;
}
