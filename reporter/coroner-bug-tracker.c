/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-bug-tracker.h"

#include <gio/gdesktopappinfo.h>
#include <string.h>

char *coroner_bug_tracker_check(const char *address)
{
    g_autofree char *trimmed = address ? g_strstrip(g_strdup(address)) : NULL;
    g_autofree char *scheme = NULL;

    if (!trimmed || !*trimmed || strpbrk(trimmed, " \t\r\n"))
        return NULL;
    if (!strchr(trimmed, ':') && strchr(trimmed, '@'))
        return g_strconcat("mailto:", trimmed, NULL);
    if (!g_uri_is_valid(trimmed, G_URI_FLAGS_NONE, NULL))
        return NULL;
    scheme = g_uri_parse_scheme(trimmed);
    if (g_strcmp0(scheme, "https") == 0 || g_strcmp0(scheme, "http") == 0 || g_strcmp0(scheme, "mailto") == 0)
        return g_steal_pointer(&trimmed);
    return NULL;
}

typedef struct {
    gboolean in_bugtracker;
    GString *text;
} MetainfoParse;

static void metainfo_start(GMarkupParseContext *context, const char *element, const char **names,
                           const char **values, gpointer data, GError **error)
{
    MetainfoParse *parse = data;

    if (g_str_equal(element, "url"))
        for (guint i = 0; names[i]; i++)
            if (g_str_equal(names[i], "type") && g_str_equal(values[i], "bugtracker") && parse->text->len == 0)
                parse->in_bugtracker = TRUE;
}

static void metainfo_end(GMarkupParseContext *context, const char *element, gpointer data, GError **error)
{
    ((MetainfoParse *)data)->in_bugtracker = FALSE;
}

static void metainfo_text(GMarkupParseContext *context, const char *text, gsize length, gpointer data,
                          GError **error)
{
    MetainfoParse *parse = data;

    if (parse->in_bugtracker)
        g_string_append_len(parse->text, text, (gssize)length);
}

/* <url type="bugtracker"> of the first metainfo file named after the app id. */
static char *from_metainfo(const char *app_id)
{
    static const GMarkupParser parser = {metainfo_start, metainfo_end, metainfo_text, NULL, NULL};
    const char *const *dirs = g_get_system_data_dirs();
    g_autoptr(GPtrArray) bases = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(bases, g_strdup(g_get_user_data_dir()));
    for (guint i = 0; dirs[i]; i++)
        g_ptr_array_add(bases, g_strdup(dirs[i]));
    for (guint i = 0; i < bases->len; i++) {
        static const char *const layouts[][2] = {{"metainfo", ".metainfo.xml"}, {"appdata", ".appdata.xml"}};
        for (guint j = 0; j < G_N_ELEMENTS(layouts); j++) {
            g_autofree char *name = g_strconcat(app_id, layouts[j][1], NULL);
            g_autofree char *path = g_build_filename(bases->pdata[i], layouts[j][0], name, NULL);
            g_autofree char *contents = NULL;
            gsize length;
            MetainfoParse parse = {FALSE, g_string_new(NULL)};
            g_autofree char *found = NULL;

            /* Metainfo files are a few KiB; a huge one is not read. */
            if (!g_file_get_contents(path, &contents, &length, NULL) || length > 1024 * 1024) {
                g_string_free(parse.text, TRUE);
                continue;
            }
            g_autoptr(GMarkupParseContext) context = g_markup_parse_context_new(&parser, 0, &parse, NULL);
            g_markup_parse_context_parse(context, contents, (gssize)length, NULL);
            found = coroner_bug_tracker_check(parse.text->str);
            g_string_free(parse.text, TRUE);
            if (found)
                return g_steal_pointer(&found);
        }
    }
    return NULL;
}

char *coroner_bug_tracker_lookup(const char *desktop_id, const char *hook_address)
{
    g_autofree char *app_id = NULL;
    g_autofree char *full_id = NULL;
    char *found = NULL;

    if (desktop_id && *desktop_id) {
        app_id = g_str_has_suffix(desktop_id, ".desktop")
                     ? g_strndup(desktop_id, strlen(desktop_id) - strlen(".desktop"))
                     : g_strdup(desktop_id);
        full_id = g_strconcat(app_id, ".desktop", NULL);
        if ((found = from_metainfo(app_id)))
            return found;
        g_autoptr(GDesktopAppInfo) info = g_desktop_app_info_new(full_id);
        g_autofree char *value = info ? g_desktop_app_info_get_string(info, CORONER_BUG_TRACKER_DESKTOP_KEY) : NULL;
        if ((found = coroner_bug_tracker_check(value)))
            return found;
    }
    return coroner_bug_tracker_check(hook_address);
}
