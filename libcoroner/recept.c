/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "recept.h"

#include <fnmatch.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

/* A recept is a few hundred bytes; anything much bigger is not one. */
#define RECEPT_MAX_BYTES (1u << 20)

const char *const coroner_recept_proc_files[] = {
    "status", "maps", "limits", "cgroup", "mountinfo", "auxv", "open_fds", "environ", NULL,
};

void coroner_recept_free(CoronerRecept *r)
{
    if (!r)
        return;
    g_free(r->name);
    g_free(r->path);
    g_ptr_array_unref(r->match);
    g_ptr_array_unref(r->mappings);
    g_ptr_array_unref(r->proc);
    g_free(r);
}

static CoronerRecept *recept_new_default(void)
{
    CoronerRecept *r = g_new0(CoronerRecept, 1);
    r->match = g_ptr_array_new_with_free_func(g_free);
    r->mappings = g_ptr_array_new_with_free_func(g_free);
    r->proc = g_ptr_array_new_with_free_func(g_free);
    r->all_threads = TRUE;
    r->max_stack = 1u << 20;
    r->red_zone = 128;
    r->module_headers = TRUE;
    r->module_data = TRUE;
    r->module_data_max = 64u * 1024u;
    r->buffers = TRUE;
    return r;
}

static gboolean bad(GError **error, const char *path, const char *member, const char *want)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: “%s” must be %s", path, member,
                want);
    return FALSE;
}

/* Every member must be one we know: a typo must not silently keep the default. */
static gboolean only_members(JsonObject *o, const char *const *known, const char *path,
                             const char *where, GError **error)
{
    g_autoptr(GList) names = json_object_get_members(o);
    for (GList *l = names; l; l = l->next) {
        if (!g_strv_contains(known, l->data)) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: unknown member “%s%s”",
                        path, where, (char *)l->data);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean read_bool(JsonObject *o, const char *name, gboolean *out, const char *path,
                          GError **error)
{
    if (!json_object_has_member(o, name))
        return TRUE;
    JsonNode *n = json_object_get_member(o, name);
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
        return bad(error, path, name, "true or false");
    *out = json_node_get_boolean(n);
    return TRUE;
}

/* A size: a number of bytes, or a string with coroner.conf's suffixes ("64K", "1M"). */
static gboolean read_size(JsonObject *o, const char *name, uint64_t *out, const char *path,
                          GError **error)
{
    if (!json_object_has_member(o, name))
        return TRUE;
    JsonNode *n = json_object_get_member(o, name);
    if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64 &&
        json_node_get_int(n) >= 0) {
        *out = (uint64_t)json_node_get_int(n);
        return TRUE;
    }
    CoronerSize size;
    if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING &&
        coroner_parse_size(json_node_get_string(n), &size, NULL) && size.percent <= 0) {
        *out = size.bytes == UINT64_MAX ? 0 : size.bytes;
        return TRUE;
    }
    return bad(error, path, name, "a size (bytes, or a string like \"64K\")");
}

static gboolean read_strings(JsonObject *o, const char *name, GPtrArray *out, const char *path,
                             GError **error)
{
    if (!json_object_has_member(o, name))
        return TRUE;
    JsonNode *n = json_object_get_member(o, name);
    if (!JSON_NODE_HOLDS_ARRAY(n))
        return bad(error, path, name, "an array of strings");
    JsonArray *a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *e = json_array_get_element(a, i);
        if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING)
            return bad(error, path, name, "an array of strings");
        g_ptr_array_add(out, g_strdup(json_node_get_string(e)));
    }
    return TRUE;
}

static JsonObject *read_object(JsonObject *o, const char *name, const char *path, GError **error,
                               gboolean *ok)
{
    *ok = TRUE;
    if (!json_object_has_member(o, name))
        return NULL;
    JsonNode *n = json_object_get_member(o, name);
    if (!JSON_NODE_HOLDS_OBJECT(n)) {
        *ok = bad(error, path, name, "an object");
        return NULL;
    }
    return json_node_get_object(n);
}

static gboolean read_choice(JsonObject *o, const char *name, const char *yes, const char *no,
                            gboolean *out, const char *path, GError **error)
{
    if (!json_object_has_member(o, name))
        return TRUE;
    JsonNode *n = json_object_get_member(o, name);
    const char *s = JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
                        ? json_node_get_string(n)
                        : NULL;
    if (g_strcmp0(s, yes) == 0 || g_strcmp0(s, no) == 0) {
        *out = g_strcmp0(s, yes) == 0;
        return TRUE;
    }
    g_autofree char *want = g_strdup_printf("\"%s\" or \"%s\"", yes, no);
    return bad(error, path, name, want);
}

static gboolean read_recept(JsonObject *root, CoronerRecept *r, const char *path, GError **error)
{
    static const char *const top[] = {"name", "match", "stacks",  "notes", "modules",
                                      "mappings", "buffers", "proc", "max_size", "description",
                                      NULL};
    static const char *const stacks_members[] = {"threads", "max_size", "red_zone", NULL};
    static const char *const notes_members[] = {"extended_registers", NULL};
    static const char *const modules_members[] = {"headers", "data", "data_max", NULL};
    gboolean ok;
    if (!only_members(root, top, path, "", error))
        return FALSE;
    if (json_object_has_member(root, "name")) {
        JsonNode *n = json_object_get_member(root, "name");
        if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING ||
            !*json_node_get_string(n))
            return bad(error, path, "name", "a non-empty string");
        g_free(r->name);
        r->name = g_strdup(json_node_get_string(n));
    }
    if (!read_strings(root, "match", r->match, path, error) ||
        !read_strings(root, "mappings", r->mappings, path, error) ||
        !read_strings(root, "proc", r->proc, path, error) ||
        !read_bool(root, "buffers", &r->buffers, path, error) ||
        !read_size(root, "max_size", &r->max_size, path, error))
        return FALSE;
    for (guint i = 0; i < r->proc->len; i++)
        if (!g_strv_contains(coroner_recept_proc_files, r->proc->pdata[i]))
            return bad(error, path, "proc",
                       "a list of: status, maps, limits, cgroup, mountinfo, auxv, open_fds, environ");

    JsonObject *stacks = read_object(root, "stacks", path, error, &ok);
    if (!ok || (stacks && (!only_members(stacks, stacks_members, path, "stacks.", error) ||
                           !read_choice(stacks, "threads", "all", "crashing", &r->all_threads,
                                        path, error) ||
                           !read_size(stacks, "max_size", &r->max_stack, path, error) ||
                           !read_size(stacks, "red_zone", &r->red_zone, path, error))))
        return FALSE;
    JsonObject *notes = read_object(root, "notes", path, error, &ok);
    gboolean all_registers = TRUE;
    if (!ok || (notes && (!only_members(notes, notes_members, path, "notes.", error) ||
                          !read_choice(notes, "extended_registers", "all", "crashing-thread",
                                       &all_registers, path, error))))
        return FALSE;
    r->drop_other_xstate = !all_registers;
    JsonObject *modules = read_object(root, "modules", path, error, &ok);
    if (!ok || (modules && (!only_members(modules, modules_members, path, "modules.", error) ||
                            !read_bool(modules, "headers", &r->module_headers, path, error) ||
                            !read_bool(modules, "data", &r->module_data, path, error) ||
                            !read_size(modules, "data_max", &r->module_data_max, path, error))))
        return FALSE;
    return TRUE;
}

CoronerRecept *coroner_recept_parse(const char *json, gssize length, const char *path,
                                    GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) local = NULL;
    if (!json_parser_load_from_data(parser, json, length, &local)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: not JSON: %s", path,
                    local->message);
        return NULL;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: a recept is a JSON object",
                    path);
        return NULL;
    }
    g_autoptr(CoronerRecept) r = recept_new_default();
    r->path = g_strdup(path);
    g_autofree char *base = g_path_get_basename(path);
    if (g_str_has_suffix(base, ".json"))
        base[strlen(base) - 5] = '\0';
    r->name = g_strdup(base);
    if (!read_recept(json_node_get_object(root), r, path, error))
        return NULL;
    return g_steal_pointer(&r);
}

CoronerRecept *coroner_recept_load(const char *path, GError **error)
{
    g_autofree char *data = NULL;
    gsize length = 0;
    if (!g_file_get_contents(path, &data, &length, error))
        return NULL;
    if (length > RECEPT_MAX_BYTES) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: too big for a recept", path);
        return NULL;
    }
    return coroner_recept_parse(data, (gssize)length, path, error);
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The first recept of dir (in file name order) with a "match" glob naming exe. */
static CoronerRecept *choose_in_directory(const char *dir, const char *exe, GError **error)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    if (!d)
        return NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d)))
        if (g_str_has_suffix(name, ".json") && name[0] != '.')
            g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, compare_names);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_build_filename(dir, names->pdata[i], NULL);
        g_autoptr(CoronerRecept) r = coroner_recept_load(path, error);
        if (!r)
            return NULL;
        for (guint j = 0; j < r->match->len; j++)
            if (fnmatch(r->match->pdata[j], exe, 0) == 0)
                return g_steal_pointer(&r);
    }
    return NULL;
}

CoronerRecept *coroner_recept_choose(const CoronerConfig *config, const char *app_id,
                                     const char *exe, GError **error)
{
    const char *path = app_id && config->app_recepts
                           ? g_hash_table_lookup(config->app_recepts, app_id)
                           : NULL;
    if (path)
        return coroner_recept_load(path, error);
    if (config->recept_directory && exe) {
        GError *local = NULL;
        CoronerRecept *r = choose_in_directory(config->recept_directory, exe, &local);
        if (r || local) {
            if (local)
                g_propagate_error(error, local);
            return r;
        }
    }
    if (config->recept)
        return coroner_recept_load(config->recept, error);
    return NULL;
}

void coroner_recept_to_options(const CoronerRecept *r, CoronerMinimalOptions *o)
{
    memset(o, 0, sizeof *o);
    o->recept = r->name;
    o->all_threads = r->all_threads;
    o->max_stack = r->max_stack;
    o->red_zone = r->red_zone;
    o->drop_other_xstate = r->drop_other_xstate;
    o->module_headers = r->module_headers;
    o->module_data = r->module_data;
    o->module_data_max = r->module_data_max;
    o->globs = (const char *const *)r->mappings->pdata;
    o->n_globs = r->mappings->len;
    o->max_bytes = r->max_size;
}
