/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading the crash record's JSON form (docs/crash-record.md).
 *
 * Reading is lenient about absent members and strict about present ones of
 * the wrong type, because a record that says "pid": "oops" was not written
 * by us.
 */
#include "crash-record.h"
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

static gboolean get_string(JsonObject *o, const char *name, char **out, GError **error)
{
    JsonNode *n = member(o, name);
    if (!n)
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return type_error(name, "a string", error);
    g_free(*out);
    *out = g_strdup(json_node_get_string(n));
    return TRUE;
}

static gboolean get_int(JsonObject *o, const char *name, int64_t *out, GError **error)
{
    JsonNode *n = member(o, name);
    if (!n)
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return type_error(name, "an integer", error);
    *out = json_node_get_int(n);
    return TRUE;
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

static gboolean get_bool(JsonObject *o, const char *name, gboolean *out, GError **error)
{
    JsonNode *n = member(o, name);
    if (!n)
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN)
        return type_error(name, "a boolean", error);
    *out = json_node_get_boolean(n);
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

static JsonObject *get_object(JsonObject *o, const char *name, GError **error, gboolean *ok)
{
    JsonNode *n = member(o, name);
    *ok = TRUE;
    if (!n)
        return NULL;
    if (!JSON_NODE_HOLDS_OBJECT(n)) {
        *ok = type_error(name, "an object", error);
        return NULL;
    }
    return json_node_get_object(n);
}

static JsonArray *get_array(JsonObject *o, const char *name, GError **error, gboolean *ok)
{
    JsonNode *n = member(o, name);
    *ok = TRUE;
    if (!n)
        return NULL;
    if (!JSON_NODE_HOLDS_ARRAY(n)) {
        *ok = type_error(name, "an array", error);
        return NULL;
    }
    return json_node_get_array(n);
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
 * How many elements of an array member are read: at most max, so a record
 * with 120,000 threads costs what 4096 do; the cut is recorded, never silent.
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

static gboolean read_process(JsonObject *o, CoronerProcessInfo *p, CoronerCrashRecord *r,
                             GError **error)
{
    gboolean ok;
    int64_t dumpable = p->dumpable;
    if (!get_int(o, "pid", &p->pid, error) || !get_int(o, "tid", &p->tid, error) ||
        !get_int(o, "uid", &p->uid, error) || !get_int(o, "gid", &p->gid, error) ||
        !get_string(o, "comm", &p->comm, error) || !get_string(o, "exe", &p->exe, error) ||
        !get_string(o, "cmdline", &p->cmdline, error) || !get_string(o, "cwd", &p->cwd, error) ||
        !get_string(o, "root", &p->root, error) || !get_string(o, "cgroup", &p->cgroup, error) ||
        !get_string(o, "unit", &p->unit, error) ||
        !get_string(o, "user_unit", &p->user_unit, error) ||
        !get_string(o, "session", &p->session, error) ||
        !get_string(o, "slice", &p->slice, error) ||
        !get_int(o, "owner_uid", &p->owner_uid, error) ||
        !get_int(o, "dumpable", &dumpable, error) ||
        !get_bool(o, "secure_exec", &p->secure_exec, error) ||
        !get_u64(o, "rlimit_core", &p->rlimit_core, error))
        return FALSE;
    p->dumpable = (int)CLAMP(dumpable, -1, 2);

    JsonArray *threads = get_array(o, "threads", error, &ok);
    if (!ok)
        return FALSE;
    for (guint i = 0, n = capped_length(threads, CORONER_RECORD_MAX_THREADS, "process threads", r);
         i < n; i++) {
        JsonObject *t = element_object(threads, i, "threads", error);
        if (!t)
            return FALSE;
        CoronerThreadName *tn = g_new0(CoronerThreadName, 1);
        g_ptr_array_add(p->threads, tn);
        if (!get_int(t, "tid", &tn->tid, error) || !get_string(t, "name", &tn->name, error))
            return FALSE;
    }

    JsonObject *proc = get_object(o, "proc", error, &ok);
    if (!ok)
        return FALSE;
    return get_string(proc, "status", &p->proc_status, error) &&
           get_string(proc, "maps", &p->proc_maps, error) &&
           get_string(proc, "limits", &p->proc_limits, error) &&
           get_string(proc, "cgroup", &p->proc_cgroup, error) &&
           get_string(proc, "mountinfo", &p->proc_mountinfo, error) &&
           get_string(proc, "auxv_hex", &p->proc_auxv_hex, error) &&
           get_string(proc, "open_fds", &p->open_fds, error) &&
           get_string(proc, "environ", &p->environ, error);
}

static gboolean read_app(JsonObject *o, CoronerAppInfo *app, GError **error)
{
    gboolean ok;
    if (!get_string(o, "app_id", &app->app_id, error) ||
        !get_string(o, "name", &app->name, error) ||
        !get_string(o, "version", &app->version, error) ||
        !get_string(o, "bug_address", &app->bug_address, error) ||
        !get_string(o, "dsn", &app->dsn, error) ||
        !get_string(o, "crashed_thread_name", &app->crashed_thread_name, error))
        return FALSE;

    JsonObject *exc = get_object(o, "exception", error, &ok);
    if (!ok || !get_string(exc, "type", &app->exception_type, error) ||
        !get_string(exc, "what", &app->exception_what, error))
        return FALSE;

    JsonArray *annotations = get_array(o, "annotations", error, &ok);
    if (!ok)
        return FALSE;
    for (guint i = 0; i < array_length(annotations); i++) {
        JsonObject *e = element_object(annotations, i, "annotations", error);
        if (!e)
            return FALSE;
        CoronerAnnotation *a = g_new0(CoronerAnnotation, 1);
        g_ptr_array_add(app->annotations, a);
        if (!get_string(e, "key", &a->key, error) || !get_string(e, "value", &a->value, error))
            return FALSE;
    }

    JsonArray *crumbs = get_array(o, "breadcrumbs", error, &ok);
    if (!ok)
        return FALSE;
    for (guint i = 0; i < array_length(crumbs); i++) {
        JsonObject *e = element_object(crumbs, i, "breadcrumbs", error);
        if (!e)
            return FALSE;
        CoronerBreadcrumb *c = g_new0(CoronerBreadcrumb, 1);
        g_ptr_array_add(app->breadcrumbs, c);
        if (!get_int(e, "timestamp_usec", &c->timestamp_usec, error) ||
            !get_string(e, "message", &c->message, error))
            return FALSE;
    }

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

    JsonObject *hook = get_object(o, "hook", error, &ok);
    return ok && get_int(hook, "tid", &app->hook_tid, error) &&
           get_int(hook, "sender_pid", &app->sender_pid, error) &&
           get_int(hook, "sender_uid", &app->sender_uid, error) &&
           get_string(hook, "emergency_save", &app->emergency_save, error) &&
           get_string(hook, "previous_handler", &app->previous_handler, error) &&
           get_string(hook, "restart", &app->restart, error) &&
           get_string(hook, "transport", &app->transport, error);
}

static gboolean read_container(JsonObject *o, CoronerContainerInfo *c, GError **error)
{
    gboolean ok;
    if (!get_string(o, "runtime", &c->runtime, error) ||
        !get_string(o, "engine", &c->engine, error) || !get_string(o, "id", &c->id, error) ||
        !get_string(o, "pod_uid", &c->pod_uid, error) ||
        !get_string(o, "app_id", &c->app_id, error) ||
        !get_string(o, "instance", &c->instance, error) ||
        !get_string(o, "cgroup", &c->cgroup, error) || !get_int(o, "pid", &c->pid, error) ||
        !get_int(o, "tid", &c->tid, error))
        return FALSE;
    JsonArray *namespaces = get_array(o, "namespaces", error, &ok);
    if (!ok)
        return FALSE;
    for (guint i = 0; i < array_length(namespaces); i++) {
        JsonObject *n = element_object(namespaces, i, "container.namespaces", error);
        g_autofree char *type = NULL;
        uint64_t inode = 0;
        gboolean own = FALSE;
        if (!n || !get_string(n, "type", &type, error) || !get_u64(n, "inode", &inode, error) ||
            !get_bool(n, "own", &own, error))
            return FALSE;
        coroner_container_info_add_namespace(c, type, inode, own);
    }
    return TRUE;
}

static gboolean read_backtrace(JsonObject *o, CoronerCrashRecord *r, GError **error)
{
    gboolean ok;
    JsonNode *q = member(o, "quality");
    if (q) {
        if (!JSON_NODE_HOLDS_VALUE(q) || (json_node_get_value_type(q) != G_TYPE_DOUBLE &&
                                          json_node_get_value_type(q) != G_TYPE_INT64))
            return type_error("quality", "a number", error);
        r->backtrace_quality = json_node_get_double(q);
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
        if (!get_int(to, "tid", &t->tid, error) || !get_string(to, "name", &t->name, error) ||
            !get_bool(to, "crashed", &t->crashed, error))
            return FALSE;
        JsonArray *frames = get_array(to, "frames", error, &ok);
        if (!ok)
            return FALSE;
        for (guint j = 0, m = capped_length(frames, CORONER_RECORD_MAX_FRAMES, "frames in a thread", r);
             j < m; j++) {
            JsonObject *fo = element_object(frames, j, "frames", error);
            if (!fo)
                return FALSE;
            CoronerFrame *f = coroner_frame_new();
            g_ptr_array_add(t->frames, f);
            if (!get_hex(fo, "pc", &f->pc, NULL, error) ||
                !get_string(fo, "function", &f->function, error) ||
                !get_string(fo, "module", &f->module, error) ||
                !get_hex(fo, "module_offset", &f->module_offset, NULL, error) ||
                !get_string(fo, "file", &f->file, error) ||
                !get_int32(fo, "line", &f->line, error) ||
                !get_bool(fo, "inlined", &f->inlined, error))
                return FALSE;
        }
    }

    JsonArray *modules = get_array(o, "modules", error, &ok);
    if (!ok)
        return FALSE;
    for (guint i = 0, n = capped_length(modules, CORONER_RECORD_MAX_MODULES, "modules", r); i < n;
         i++) {
        JsonObject *mo = element_object(modules, i, "modules", error);
        if (!mo)
            return FALSE;
        CoronerModule *m = coroner_module_new();
        g_ptr_array_add(r->modules, m);
        if (!get_string(mo, "path", &m->path, error) ||
            !get_string(mo, "build_id", &m->build_id, error) ||
            !get_hex(mo, "start", &m->start, NULL, error) ||
            !get_hex(mo, "end", &m->end, NULL, error) ||
            !get_bool(mo, "has_debug_info", &m->has_debug_info, error))
            return FALSE;
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

    if (!get_string(root, "id", &r->id, error) ||
        !get_int(root, "timestamp_usec", &r->timestamp_usec, error) ||
        !get_string(root, "boot_id", &r->boot_id, error) ||
        !get_string(root, "hostname", &r->hostname, error))
        return FALSE;

    JsonObject *process = get_object(root, "process", error, &ok);
    if (!ok || (process && !read_process(process, &r->process, r, error)))
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
    if (!get_string(core, "state", &state, error) || !get_string(core, "file", &r->core.file, error) ||
        !get_string(core, "compression", &r->core.compression, error) ||
        !get_u64(core, "size", &r->core.size, error) ||
        !get_u64(core, "stored_size", &r->core.stored_size, error) ||
        !get_u64(core, "limit_bytes", &r->core.limit_bytes, error) ||
        !get_string(core, "reason", &r->core.reason, error))
        return FALSE;
    if (state && !coroner_core_state_from_string(state, &r->core.state))
        return type_error("core.state", "a known core state", error);
    JsonObject *minimal = get_object(core, "minimal", error, &ok);
    if (!ok)
        return FALSE;
    if (minimal) {
        CoronerMinimalInfo *m = r->core.minimal = coroner_minimal_info_new();
        if (!get_string(minimal, "recept", &m->recept, error) ||
            !get_string(minimal, "recept_file", &m->recept_file, error) ||
            !get_u64(minimal, "original_size", &m->original_size, error) ||
            !get_u64(minimal, "memory_kept", &m->memory_kept, error) ||
            !get_u64(minimal, "memory_dropped", &m->memory_dropped, error) ||
            !get_u64(minimal, "threads", &m->threads, error) ||
            !get_u64(minimal, "stacks", &m->stacks, error) ||
            !get_u64(minimal, "notes_dropped", &m->notes_dropped, error))
            return FALSE;
    }
    /* A core file name must stay inside the store. */
    if (r->core.file && (strchr(r->core.file, '/') || r->core.file[0] == '.'))
        return type_error("core.file", "a plain file name", error);

    JsonObject *app = get_object(root, "app", error, &ok);
    if (!ok)
        return FALSE;
    if (app) {
        r->app = coroner_app_info_new();
        if (!read_app(app, r->app, error))
            return FALSE;
    }

    JsonObject *container = get_object(root, "container", error, &ok);
    if (!ok)
        return FALSE;
    if (container) {
        r->container = coroner_container_info_new();
        if (!read_container(container, r->container, error))
            return FALSE;
    }

    JsonObject *bt = get_object(root, "backtrace", error, &ok);
    if (!ok || (bt && !read_backtrace(bt, r, error)))
        return FALSE;

    if (!get_u64(root, "suppressed", &r->suppressed, error))
        return FALSE;
    JsonObject *window = get_object(root, "suppressed_window", error, &ok);
    if (!ok || (window && (!get_int(window, "start_usec", &r->suppressed_start_usec, error) ||
                           !get_int(window, "end_usec", &r->suppressed_end_usec, error))))
        return FALSE;

    JsonArray *errors = get_array(root, "errors", error, &ok);
    if (!ok)
        return FALSE;
    for (guint i = 0, n = errors ? json_array_get_length(errors) : 0; i < n; i++) {
        JsonNode *e = json_array_get_element(errors, i);
        if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING)
            return type_error("errors", "an array of strings", error);
        g_ptr_array_add(r->errors, g_strdup(json_node_get_string(e)));
    }
    return TRUE;
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
