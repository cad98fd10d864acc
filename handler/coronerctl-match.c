/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coronerctl-match.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "journal-writer.h"
#include "json-parse.h"
#include "str-util.h"

typedef struct {
    char *field;  /* "COREDUMP_PID" or "process.unit" */
    GPtrArray *values;
} FieldMatch;

struct CtlMatches {
    GPtrArray *fields;        /* FieldMatch*, one per distinct field */
    GHashTable *entry_fields; /* entry → GHashTable field → value, built on demand */
    GHashTable *entry_json;   /* entry → JsonNode of its record */
};

static void field_match_free(gpointer p)
{
    FieldMatch *m = p;
    g_free(m->field);
    g_ptr_array_unref(m->values);
    g_free(m);
}

void ctl_matches_free(CtlMatches *m)
{
    if (!m)
        return;
    g_ptr_array_unref(m->fields);
    g_hash_table_unref(m->entry_fields);
    g_hash_table_unref(m->entry_json);
    g_free(m);
}

gboolean ctl_matches_empty(const CtlMatches *m)
{
    return m->fields->len == 0;
}

static void add_match(CtlMatches *m, const char *field, const char *value)
{
    FieldMatch *fm = NULL;
    for (guint i = 0; i < m->fields->len && !fm; i++) {
        FieldMatch *x = m->fields->pdata[i];
        if (g_str_equal(x->field, field))
            fm = x;
    }
    if (!fm) {
        fm = g_new0(FieldMatch, 1);
        fm->field = g_strdup(field);
        fm->values = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(m->fields, fm);
    }
    g_ptr_array_add(fm->values, g_strdup(value));
}

CtlMatches *ctl_matches_new(const char *const *args, GError **error)
{
    g_autoptr(CtlMatches) m = g_new0(CtlMatches, 1);
    m->fields = g_ptr_array_new_with_free_func(field_match_free);
    m->entry_fields = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)g_hash_table_unref);
    m->entry_json = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)json_node_unref);
    for (const char *const *a = args; a && *a; a++) {
        const char *eq = strchr(*a, '=');
        if (coroner_str_is_digits(*a)) {
            add_match(m, "COREDUMP_PID", *a);
        } else if ((*a)[0] == '/') {
            add_match(m, "COREDUMP_EXE", *a);
        } else if (eq) {
            if (eq == *a) {
                g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "bad match \"%s\": FIELD=VALUE needs a field name", *a);
                return NULL;
            }
            g_autofree char *field = g_strndup(*a, (gsize)(eq - *a));
            add_match(m, field, eq + 1);
        } else if (**a) {
            add_match(m, "COREDUMP_COMM", *a);
        }
    }
    return g_steal_pointer(&m);
}

/* A journal field name: upper case letters, digits and underscores. */
static gboolean is_journal_field(const char *field)
{
    for (const char *p = field; *p; p++)
        if (!g_ascii_isupper(*p) && !g_ascii_isdigit(*p) && *p != '_')
            return FALSE;
    return TRUE;
}

static GHashTable *fields_of(CtlMatches *m, const CoronerCrashIndex *index,
                             const CoronerCrashEntry *e)
{
    GHashTable *fields = g_hash_table_lookup(m->entry_fields, e);
    if (fields)
        return fields;
    fields = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    /* What the handler would have sent for this record… */
    g_autofree char *core_path = coroner_crash_entry_core_path(index, e);
    g_autoptr(GPtrArray) derived = coroner_journal_fields(e->record, NULL, core_path, NULL);
    for (guint i = 0; i < derived->len; i++) {
        gsize n;
        const char *data = g_bytes_get_data(derived->pdata[i], &n);
        const char *eq = memchr(data, '=', n);
        if (eq)
            g_hash_table_insert(fields, g_strndup(data, (gsize)(eq - data)),
                                g_strndup(eq + 1, n - (gsize)(eq + 1 - data)));
    }
    /* …and what the journal really has, which wins. */
    if (e->journal) {
        GHashTableIter it;
        gpointer key, value;
        g_hash_table_iter_init(&it, e->journal->fields);
        while (g_hash_table_iter_next(&it, &key, &value)) {
            gsize n;
            const char *data = g_bytes_get_data(value, &n);
            g_hash_table_insert(fields, g_strdup(key), g_strndup(data, n));
        }
    }
    g_hash_table_insert(m->entry_fields, (gpointer)e, fields);
    return fields;
}

static JsonNode *json_of(CtlMatches *m, const CoronerCrashEntry *e)
{
    JsonNode *node = g_hash_table_lookup(m->entry_json, e);
    if (node)
        return node;
    gsize length;
    g_autofree char *text = coroner_crash_record_to_json(e->record, &length);
    node = coroner_json_parse(text, (gssize)length, CORONER_JSON_MAX_BYTES, NULL);
    if (!node)
        node = json_node_new(JSON_NODE_NULL);
    g_hash_table_insert(m->entry_json, (gpointer)e, node);
    return node;
}

/* The value at a dotted member path, as text ("" for null, NULL when absent). */
static char *json_path_value(JsonNode *node, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, ".", -1);
    for (char **p = parts; *p; p++) {
        if (!node || !JSON_NODE_HOLDS_OBJECT(node))
            return NULL;
        JsonObject *o = json_node_get_object(node);
        if (!json_object_has_member(o, *p))
            return NULL;
        node = json_object_get_member(o, *p);
    }
    if (JSON_NODE_HOLDS_NULL(node))
        return g_strdup("");
    if (!JSON_NODE_HOLDS_VALUE(node))
        return NULL;
    switch (json_node_get_value_type(node)) {
    case G_TYPE_STRING:
        return g_strdup(json_node_get_string(node));
    case G_TYPE_BOOLEAN:
        return g_strdup(json_node_get_boolean(node) ? "true" : "false");
    case G_TYPE_INT64:
        return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(node));
    default: {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup(g_ascii_dtostr(buf, sizeof buf, json_node_get_double(node)));
    }
    }
}

gboolean ctl_matches_test(CtlMatches *m, const CoronerCrashIndex *index,
                          const CoronerCrashEntry *e)
{
    for (guint i = 0; i < m->fields->len; i++) {
        FieldMatch *fm = m->fields->pdata[i];
        g_autofree char *owned = NULL;
        const char *value;
        if (is_journal_field(fm->field)) {
            value = g_hash_table_lookup(fields_of(m, index, e), fm->field);
        } else {
            owned = json_path_value(json_of(m, e), fm->field);
            value = owned;
        }
        gboolean any = FALSE;
        for (guint j = 0; j < fm->values->len && !any; j++)
            any = value && g_str_equal(value, fm->values->pdata[j]);
        if (!any)
            return FALSE;
    }
    return TRUE;
}
