/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading the crash record's JSON form (docs/crash-record.md).
 *
 * Reading is lenient about absent members and strict about present ones of
 * the wrong type, because a record that says "pid": "oops" was not written
 * by us.
 */
#include "crash-record.h"
#include "crash-record-fields.h"
#include "json-parse.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "fs-util.h"

static G_DEFINE_QUARK(coroner-crash-record-error-quark, coroner_record_error)
#define RECORD_ERROR coroner_record_error_quark()

/* Records are small; anything bigger is not one of ours. */
#define RECORD_MAX_BYTES (64u * 1024u * 1024u)

/*
 * Each getter returns FALSE (with error set) only for a member of the wrong
 * type; an absent or null member leaves the default in place.
 */
static JsonNode *member(JsonObject *o, const char *name)
{
    if (!o || !json_object_has_member(o, name))
        return NULL;
    JsonNode *n = json_object_get_member(o, name);
    return JSON_NODE_HOLDS_NULL(n) ? NULL : n;
}

static gboolean type_error(const char *name, const char *want, GError **error)
{
    g_set_error(error, RECORD_ERROR, 0, "member “%s” is not %s", name, want);
    return FALSE;
}

/*
 * The member name when it is a value of type (a string, an integer, a
 * boolean), stored at out (a char* is replaced); absent or null leaves out.
 */
static gboolean get_value(JsonObject *o, const char *name, GType type, void *out, GError **error)
{
    JsonNode *n = member(o, name);
    if (!n)
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != type)
        return type_error(name,
                          type == G_TYPE_STRING  ? "a string"
                          : type == G_TYPE_INT64 ? "an integer"
                                                 : "a boolean",
                          error);
    if (type == G_TYPE_STRING) {
        g_free(*(char **)out);
        *(char **)out = g_strdup(json_node_get_string(n));
    } else if (type == G_TYPE_INT64) {
        *(int64_t *)out = json_node_get_int(n);
    } else {
        *(gboolean *)out = json_node_get_boolean(n);
    }
    return TRUE;
}

static gboolean get_string(JsonObject *o, const char *name, char **out, GError **error)
{
    return get_value(o, name, G_TYPE_STRING, out, error);
}

static gboolean get_int(JsonObject *o, const char *name, int64_t *out, GError **error)
{
    return get_value(o, name, G_TYPE_INT64, out, error);
}

static gboolean get_bool(JsonObject *o, const char *name, gboolean *out, GError **error)
{
    return get_value(o, name, G_TYPE_BOOLEAN, out, error);
}

static gboolean get_int32(JsonObject *o, const char *name, int *out, GError **error)
{
    int64_t v = *out;
    if (!get_int(o, name, &v, error))
        return FALSE;
    if (v < INT32_MIN || v > INT32_MAX)
        return type_error(name, "a 32-bit integer", error);
    *out = (int)v;
    return TRUE;
}

static gboolean get_u64(JsonObject *o, const char *name, uint64_t *out, GError **error)
{
    JsonNode *n = member(o, name);
    if (!n) {
        /* null is how "unlimited" is written. */
        if (o && json_object_has_member(o, name))
            *out = UINT64_MAX;
        return TRUE;
    }
    int64_t v = 0;
    if (!get_int(o, name, &v, error))
        return FALSE;
    if (v < 0)
        return type_error(name, "a non-negative integer", error);
    *out = (uint64_t)v;
    return TRUE;
}

static gboolean get_hex(JsonObject *o, const char *name, uint64_t *out, gboolean *present,
                        GError **error)
{
    g_autofree char *s = NULL;
    if (!get_string(o, name, &s, error))
        return FALSE;
    if (!s)
        return TRUE;
    guint64 v = 0;
    if (!g_str_has_prefix(s, "0x") || !g_ascii_string_to_unsigned(s + 2, 16, 0, G_MAXUINT64, &v, NULL))
        return type_error(name, "a hex address string", error);
    *out = v;
    if (present)
        *present = TRUE;
    return TRUE;
}

/* The member name when it is of type (an object or an array); *ok is FALSE only for another type. */
static JsonNode *get_node(JsonObject *o, const char *name, JsonNodeType type, GError **error,
                          gboolean *ok)
{
    JsonNode *n = member(o, name);
    *ok = TRUE;
    if (n && JSON_NODE_TYPE(n) != type) {
        *ok = type_error(name, type == JSON_NODE_OBJECT ? "an object" : "an array", error);
        return NULL;
    }
    return n;
}

static JsonObject *get_object(JsonObject *o, const char *name, GError **error, gboolean *ok)
{
    JsonNode *n = get_node(o, name, JSON_NODE_OBJECT, error, ok);
    return n ? json_node_get_object(n) : NULL;
}

static JsonArray *get_array(JsonObject *o, const char *name, GError **error, gboolean *ok)
{
    JsonNode *n = get_node(o, name, JSON_NODE_ARRAY, error, ok);
    return n ? json_node_get_array(n) : NULL;
}

/* The i-th element of an array that must hold only objects. */
static JsonObject *element_object(JsonArray *array, guint i, const char *name, GError **error)
{
    JsonNode *n = json_array_get_element(array, i);
    if (!JSON_NODE_HOLDS_OBJECT(n)) {
        type_error(name, "an array of objects", error);
        return NULL;
    }
    return json_node_get_object(n);
}

static guint array_length(JsonArray *array)
{
    return array ? json_array_get_length(array) : 0;
}

/*
 * How many elements of an array member are read: at most max, so the record
 * built from 120,000 threads holds what 4096 do (the parsed JSON tree is still
 * the whole text's, bounded by RECORD_MAX_BYTES); the cut is recorded, never
 * silent.
 */
static guint capped_length(JsonArray *array, guint max, const char *what, CoronerCrashRecord *r)
{
    guint n = array_length(array);
    if (n <= max)
        return n;
    coroner_crash_record_add_error(r, "the record lists %u %s; only the first %u were read", n,
                                   what, max);
    return max;
}

/* The members the table describes; absent ones keep their defaults. */
static gboolean read_fields(JsonObject *o, void *object, const CoronerFieldTable *table,
                            GError **error)
{
    for (guint i = 0; i < table->n; i++) {
        const CoronerField *f = &table->fields[i];
        void *at = (char *)object + f->offset;
        gboolean ok = TRUE;
        switch (f->kind) {
        case CORONER_FIELD_STRING:
            ok = get_string(o, f->name, at, error);
            break;
        case CORONER_FIELD_INT:
        case CORONER_FIELD_ID:
            ok = get_int(o, f->name, at, error);
            break;
        case CORONER_FIELD_INT32:
            ok = get_int32(o, f->name, at, error);
            break;
        case CORONER_FIELD_U64:
            ok = get_u64(o, f->name, at, error);
            break;
        case CORONER_FIELD_BOOL:
            ok = get_bool(o, f->name, at, error);
            break;
        case CORONER_FIELD_HEX:
            ok = get_hex(o, f->name, at, NULL, error);
            break;
        }
        if (!ok)
            return FALSE;
    }
    return TRUE;
}

/* The members of the object member name, when there is one. */
static gboolean read_object(JsonObject *o, const char *name, void *object,
                            const CoronerFieldTable *table, GError **error)
{
    gboolean ok;
    JsonObject *member_object = get_object(o, name, error, &ok);
    return ok && (!member_object || read_fields(member_object, object, table, error));
}

/*
 * The array member name, each element an object of the table's members: a
 * new zeroed item of item_size bytes added to into for each, at most max of
 * them (the cut noted in r as what).
 */
static gboolean read_array(JsonObject *o, const char *name, GPtrArray *into, gsize item_size,
                           const CoronerFieldTable *table, guint max, const char *what,
                           CoronerCrashRecord *r, GError **error)
{
    gboolean ok;
    JsonArray *array = get_array(o, name, error, &ok);
    if (!ok)
        return FALSE;
    for (guint i = 0, n = capped_length(array, max, what, r); i < n; i++) {
        JsonObject *e = element_object(array, i, name, error);
        if (!e)
            return FALSE;
        gpointer item = g_malloc0(item_size);
        g_ptr_array_add(into, item);
        if (!read_fields(e, item, table, error))
            return FALSE;
    }
    return TRUE;
}

/*
 * The record's objects that have a shape of their own: each reader fills in
 * (or makes) its part of r from the object o.
 */
typedef gboolean (*ObjectReader)(JsonObject *o, CoronerCrashRecord *r, GError **error);

/* The object member name of o, read by read when it is there. */
static gboolean read_optional(JsonObject *o, const char *name, ObjectReader read,
                              CoronerCrashRecord *r, GError **error)
{
    gboolean ok;
    JsonObject *member_object = get_object(o, name, error, &ok);
    return ok && (!member_object || read(member_object, r, error));
}

static gboolean read_process(JsonObject *o, CoronerCrashRecord *r, GError **error)
{
    CoronerProcessInfo *p = &r->process;
    int64_t dumpable = p->dumpable;
    if (!read_fields(o, p, &coroner_fields_process, error) ||
        !get_int(o, "dumpable", &dumpable, error) ||
        !read_fields(o, p, &coroner_fields_process_tail, error))
        return FALSE;
    p->dumpable = (int)CLAMP(dumpable, -1, 2);
    return read_array(o, "threads", p->threads, sizeof(CoronerThreadName),
                      &coroner_fields_thread_name, CORONER_RECORD_MAX_THREADS, "process threads",
                      r, error) &&
           read_object(o, "proc", p, &coroner_fields_proc, error);
}

static gboolean read_minimal(JsonObject *o, CoronerCrashRecord *r, GError **error)
{
    r->core.minimal = coroner_minimal_info_new();
    return read_fields(o, r->core.minimal, &coroner_fields_minimal, error);
}

static gboolean read_app(JsonObject *o, CoronerCrashRecord *r, GError **error)
{
    CoronerAppInfo *app = r->app = coroner_app_info_new();
    gboolean ok;
    if (!read_fields(o, app, &coroner_fields_app, error) ||
        !read_object(o, "exception", app, &coroner_fields_exception, error) ||
        !read_array(o, "annotations", app->annotations, sizeof(CoronerAnnotation),
                    &coroner_fields_annotation, G_MAXUINT, NULL, r, error) ||
        !read_array(o, "breadcrumbs", app->breadcrumbs, sizeof(CoronerBreadcrumb),
                    &coroner_fields_breadcrumb, G_MAXUINT, NULL, r, error))
        return FALSE;

    JsonArray *buffers = get_array(o, "buffers", error, &ok);
    if (!ok)
        return FALSE;
    for (guint i = 0; i < array_length(buffers); i++) {
        JsonObject *e = element_object(buffers, i, "buffers", error);
        if (!e)
            return FALSE;
        CoronerBuffer *buf = g_new0(CoronerBuffer, 1);
        g_ptr_array_add(app->buffers, buf);
        g_autofree char *b64 = NULL;
        if (!get_string(e, "name", &buf->name, error) ||
            !get_bool(e, "is_text", &buf->is_text, error) ||
            !get_hex(e, "address", &buf->address, NULL, error) ||
            !get_u64(e, "length", &buf->length, error) ||
            !get_string(e, "data_base64", &b64, error))
            return FALSE;
        gsize len = 0;
        guchar *raw = b64 ? g_base64_decode(b64, &len) : NULL;
        buf->data = g_bytes_new_take(raw, len);
    }
    return read_object(o, "hook", app, &coroner_fields_hook, error);
}

static gboolean read_container(JsonObject *o, CoronerCrashRecord *r, GError **error)
{
    CoronerContainerInfo *c = r->container = coroner_container_info_new();
    return read_fields(o, c, &coroner_fields_container, error) &&
           read_array(o, "namespaces", c->namespaces, sizeof(CoronerNamespace),
                      &coroner_fields_namespace, G_MAXUINT, NULL, r, error);
}

static gboolean read_backtrace(JsonObject *o, CoronerCrashRecord *r, GError **error)
{
    gboolean ok;
    JsonNode *q = member(o, "quality");
    if (q) {
        if (!JSON_NODE_HOLDS_VALUE(q) || (json_node_get_value_type(q) != G_TYPE_DOUBLE &&
                                          json_node_get_value_type(q) != G_TYPE_INT64))
            return type_error("quality", "a number", error);
        double quality = json_node_get_double(q);
        /* json-glib reads 1e999 as infinity, which no JSON writer can write back. */
        if (!(quality >= 0 && quality <= 1))
            return type_error("quality", "a number from 0 to 1", error);
        r->backtrace_quality = quality;
    }
    if (!get_string(o, "error", &r->backtrace_error, error) ||
        !get_string(o, "signature", &r->signature, error))
        return FALSE;

    JsonArray *threads = get_array(o, "threads", error, &ok);
    if (!ok)
        return FALSE;
    for (guint i = 0, n = capped_length(threads, CORONER_RECORD_MAX_THREADS, "threads", r); i < n;
         i++) {
        JsonObject *to = element_object(threads, i, "threads", error);
        if (!to)
            return FALSE;
        CoronerThread *t = coroner_thread_new(-1, NULL);
        g_ptr_array_add(r->threads, t);
        if (!read_fields(to, t, &coroner_fields_thread, error) ||
            !read_array(to, "frames", t->frames, sizeof(CoronerFrame),
                        &coroner_fields_frame, CORONER_RECORD_MAX_FRAMES, "frames in a thread", r,
                        error))
            return FALSE;
    }
    return read_array(o, "modules", r->modules, sizeof(CoronerModule),
                      &coroner_fields_module, CORONER_RECORD_MAX_MODULES, "modules", r, error);
}

/* A file name inside the store: no directory part, not hidden. */
static gboolean is_plain_name(const char *name)
{
    return name[0] != '.' && !strchr(name, '/');
}

/* Appends the strings of the array member name (absent: none) to out. */
static gboolean read_strings(JsonObject *o, const char *name, GPtrArray *out, GError **error)
{
    gboolean ok;
    JsonArray *array = get_array(o, name, error, &ok);
    if (!ok)
        return FALSE;
    for (guint i = 0, n = array ? json_array_get_length(array) : 0; i < n; i++) {
        JsonNode *e = json_array_get_element(array, i);
        if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING)
            return type_error(name, "an array of strings", error);
        g_ptr_array_add(out, g_strdup(json_node_get_string(e)));
    }
    return TRUE;
}

static gboolean read_record(JsonObject *root, CoronerCrashRecord *r, GError **error)
{
    gboolean ok;
    g_autofree char *schema = NULL;
    if (!get_string(root, "schema", &schema, error))
        return FALSE;
    int major = 0;
    if (!schema || sscanf(schema, "coroner.crash-record/%d", &major) != 1)
        return type_error("schema", "a coroner.crash-record schema name", error);
    if (major != CORONER_RECORD_SCHEMA_MAJOR) {
        g_set_error(error, RECORD_ERROR, 0, "record schema version %d is not supported (want %d)",
                    major, CORONER_RECORD_SCHEMA_MAJOR);
        return FALSE;
    }
    r->schema_major = major;

    if (!read_fields(root, r, &coroner_fields_record, error))
        return FALSE;

    if (!read_optional(root, "process", read_process, r, error))
        return FALSE;

    JsonObject *sig = get_object(root, "signal", error, &ok);
    if (!ok)
        return FALSE;
    int64_t code = 0;
    if (!get_int32(sig, "number", &r->signal.number, error) ||
        !get_string(sig, "name", &r->signal.name, error) || !get_int(sig, "code", &code, error) ||
        !get_hex(sig, "address", &r->signal.address, &r->signal.has_address, error))
        return FALSE;
    r->signal.has_code = member(sig, "code") != NULL;
    r->signal.code = (int)code;

    JsonObject *core = get_object(root, "core", error, &ok);
    if (!ok)
        return FALSE;
    g_autofree char *state = NULL;
    if (!get_string(core, "state", &state, error) ||
        (core && !read_fields(core, &r->core, &coroner_fields_core, error)))
        return FALSE;
    if (state && !coroner_core_state_from_string(state, &r->core.state))
        return type_error("core.state", "a known core state", error);
    if (!read_optional(core, "minimal", read_minimal, r, error))
        return FALSE;
    /* A core file name must stay inside the store. */
    if (r->core.file && !is_plain_name(r->core.file))
        return type_error("core.file", "a plain file name", error);

    if (!read_optional(root, "app", read_app, r, error) ||
        !read_optional(root, "container", read_container, r, error) ||
        !read_optional(root, "backtrace", read_backtrace, r, error))
        return FALSE;

    if (!get_u64(root, "suppressed", &r->suppressed, error))
        return FALSE;
    if (!read_object(root, "suppressed_window", r, &coroner_fields_suppressed_window, error))
        return FALSE;
    if (!get_bool(root, "live_dump", &r->live_dump, error))
        return FALSE;

    if (!get_string(root, "peer_of", &r->peer_of, error))
        return FALSE;
    /* Record ids name files in the store: they must stay inside it. */
    if (r->peer_of && !is_plain_name(r->peer_of))
        return type_error("peer_of", "a record id", error);
    if (!read_strings(root, "peers", r->peers, error))
        return FALSE;
    for (guint i = 0; i < r->peers->len; i++)
        if (!is_plain_name(r->peers->pdata[i]))
            return type_error("peers", "an array of record ids", error);
    return read_strings(root, "errors", r->errors, error);
}

CoronerCrashRecord *coroner_crash_record_from_json(const char *data, gssize length, GError **error)
{
    g_autoptr(JsonNode) root = coroner_json_parse(data, length, RECORD_MAX_BYTES, error);
    if (!root)
        return NULL;
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(error, RECORD_ERROR, 0, "a crash record must be a JSON object");
        return NULL;
    }
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    if (!read_record(json_node_get_object(root), r, error))
        return NULL;
    return g_steal_pointer(&r);
}

static CoronerCrashRecord *record_from_file_data(char *data, gsize length, const char *name,
                                                 GError **error)
{
    g_autoptr(GError) local = NULL;
    CoronerCrashRecord *r = coroner_crash_record_from_json(data, (gssize)length, &local);
    if (!r)
        g_set_error(error, RECORD_ERROR, 0, "%s: %s", name, local->message);
    return r;
}

CoronerCrashRecord *coroner_crash_record_load_at(int dir_fd, const char *name, GError **error)
{
    g_autofree char *data = NULL;
    gsize length = 0;
    if (!coroner_read_file_at(dir_fd, name, RECORD_MAX_BYTES, &data, &length, error))
        return NULL;
    return record_from_file_data(data, length, name, error);
}

CoronerCrashRecord *coroner_crash_record_load_fd(int fd, const char *name, GError **error)
{
    g_autofree char *data = NULL;
    gsize length = 0;
    if (!coroner_read_fd(fd, name, RECORD_MAX_BYTES, &data, &length, error))
        return NULL;
    return record_from_file_data(data, length, name, error);
}
