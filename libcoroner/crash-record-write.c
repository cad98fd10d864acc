/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writing the crash record's JSON form (docs/crash-record.md).
 *
 * Writing is total: every member is always emitted (null when unknown) so the
 * schema is visible in every record.
 */
#include "crash-record.h"
#include "json-parse.h"

#include <json-glib/json-glib.h>

static void add_string(JsonBuilder *b, const char *member, const char *value)
{
    json_builder_set_member_name(b, member);
    if (value) {
        /* Invalid UTF-8 (a comm, a path, a thread name) would make the record invalid JSON. */
        g_autofree char *escaped = coroner_utf8_escape_invalid(value);
        json_builder_add_string_value(b, escaped ? escaped : value);
    } else {
        json_builder_add_null_value(b);
    }
}

static void add_int(JsonBuilder *b, const char *member, int64_t value)
{
    json_builder_set_member_name(b, member);
    json_builder_add_int_value(b, value);
}

/* -1 means "unknown" for ids in this model. */
static void add_id(JsonBuilder *b, const char *member, int64_t value)
{
    json_builder_set_member_name(b, member);
    if (value < 0)
        json_builder_add_null_value(b);
    else
        json_builder_add_int_value(b, value);
}

/* JSON numbers lose precision above 2^53, and addresses live up there: hex strings. */
static void add_hex(JsonBuilder *b, const char *member, uint64_t value)
{
    g_autofree char *s = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", value);
    add_string(b, member, s);
}

static void add_u64(JsonBuilder *b, const char *member, uint64_t value)
{
    json_builder_set_member_name(b, member);
    /* Sizes beyond 2^63 do not occur; UINT64_MAX means "unlimited" and becomes null. */
    if (value == UINT64_MAX)
        json_builder_add_null_value(b);
    else
        json_builder_add_int_value(b, (int64_t)value);
}

static void add_bool(JsonBuilder *b, const char *member, gboolean value)
{
    json_builder_set_member_name(b, member);
    json_builder_add_boolean_value(b, value);
}

static void write_process(JsonBuilder *b, const CoronerProcessInfo *p)
{
    json_builder_set_member_name(b, "process");
    json_builder_begin_object(b);
    add_id(b, "pid", p->pid);
    add_id(b, "tid", p->tid);
    add_id(b, "uid", p->uid);
    add_id(b, "gid", p->gid);
    add_string(b, "comm", p->comm);
    add_string(b, "exe", p->exe);
    add_string(b, "cmdline", p->cmdline);
    add_string(b, "cwd", p->cwd);
    add_string(b, "root", p->root);
    add_string(b, "cgroup", p->cgroup);
    add_string(b, "unit", p->unit);
    add_string(b, "user_unit", p->user_unit);
    add_string(b, "session", p->session);
    add_string(b, "slice", p->slice);
    add_id(b, "owner_uid", p->owner_uid);
    add_id(b, "dumpable", p->dumpable);
    add_bool(b, "secure_exec", p->secure_exec);
    add_u64(b, "rlimit_core", p->rlimit_core);

    json_builder_set_member_name(b, "threads");
    json_builder_begin_array(b);
    for (guint i = 0; i < p->threads->len; i++) {
        const CoronerThreadName *t = p->threads->pdata[i];
        json_builder_begin_object(b);
        add_int(b, "tid", t->tid);
        add_string(b, "name", t->name);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "proc");
    json_builder_begin_object(b);
    add_string(b, "status", p->proc_status);
    add_string(b, "maps", p->proc_maps);
    add_string(b, "limits", p->proc_limits);
    add_string(b, "cgroup", p->proc_cgroup);
    add_string(b, "mountinfo", p->proc_mountinfo);
    add_string(b, "auxv_hex", p->proc_auxv_hex);
    add_string(b, "open_fds", p->open_fds);
    add_string(b, "environ", p->environ);
    json_builder_end_object(b);

    json_builder_end_object(b);
}

static void write_app(JsonBuilder *b, const CoronerAppInfo *app)
{
    json_builder_set_member_name(b, "app");
    if (!app) {
        json_builder_add_null_value(b);
        return;
    }
    json_builder_begin_object(b);
    add_string(b, "app_id", app->app_id);
    add_string(b, "name", app->name);
    add_string(b, "version", app->version);
    add_string(b, "bug_address", app->bug_address);
    add_string(b, "dsn", app->dsn);
    add_string(b, "crashed_thread_name", app->crashed_thread_name);

    json_builder_set_member_name(b, "exception");
    if (app->exception_type || app->exception_what) {
        json_builder_begin_object(b);
        add_string(b, "type", app->exception_type);
        add_string(b, "what", app->exception_what);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }

    json_builder_set_member_name(b, "annotations");
    json_builder_begin_array(b);
    for (guint i = 0; i < app->annotations->len; i++) {
        const CoronerAnnotation *a = app->annotations->pdata[i];
        json_builder_begin_object(b);
        add_string(b, "key", a->key);
        add_string(b, "value", a->value);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "breadcrumbs");
    json_builder_begin_array(b);
    for (guint i = 0; i < app->breadcrumbs->len; i++) {
        const CoronerBreadcrumb *c = app->breadcrumbs->pdata[i];
        json_builder_begin_object(b);
        add_int(b, "timestamp_usec", c->timestamp_usec);
        add_string(b, "message", c->message);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "buffers");
    json_builder_begin_array(b);
    for (guint i = 0; i < app->buffers->len; i++) {
        const CoronerBuffer *buf = app->buffers->pdata[i];
        gsize size = 0;
        const guint8 *data = buf->data ? g_bytes_get_data(buf->data, &size) : NULL;
        json_builder_begin_object(b);
        add_string(b, "name", buf->name);
        add_bool(b, "is_text", buf->is_text);
        add_int(b, "size", (int64_t)size);
        if (buf->address)
            add_hex(b, "address", buf->address);
        else
            add_string(b, "address", NULL);
        add_u64(b, "length", buf->length);
        g_autofree char *b64 = g_base64_encode(data, size);
        add_string(b, "data_base64", b64);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "hook");
    json_builder_begin_object(b);
    add_id(b, "tid", app->hook_tid);
    add_id(b, "sender_pid", app->sender_pid);
    add_id(b, "sender_uid", app->sender_uid);
    add_string(b, "emergency_save", app->emergency_save);
    add_string(b, "previous_handler", app->previous_handler);
    add_string(b, "restart", app->restart);
    add_string(b, "transport", app->transport);
    json_builder_end_object(b);
    json_builder_end_object(b);
}

static void write_container(JsonBuilder *b, const CoronerContainerInfo *c)
{
    json_builder_set_member_name(b, "container");
    if (!c) {
        json_builder_add_null_value(b);
        return;
    }
    json_builder_begin_object(b);
    add_string(b, "runtime", c->runtime);
    add_string(b, "engine", c->engine);
    add_string(b, "id", c->id);
    add_string(b, "pod_uid", c->pod_uid);
    add_string(b, "app_id", c->app_id);
    add_string(b, "instance", c->instance);
    add_string(b, "cgroup", c->cgroup);
    add_id(b, "pid", c->pid);
    add_id(b, "tid", c->tid);
    json_builder_set_member_name(b, "namespaces");
    json_builder_begin_array(b);
    for (guint i = 0; i < c->namespaces->len; i++) {
        const CoronerNamespace *ns = c->namespaces->pdata[i];
        json_builder_begin_object(b);
        add_string(b, "type", ns->type);
        add_u64(b, "inode", ns->inode);
        add_bool(b, "own", ns->own);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}

static void write_backtrace(JsonBuilder *b, const CoronerCrashRecord *r)
{
    json_builder_set_member_name(b, "backtrace");
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "quality");
    if (r->backtrace_quality >= 0)
        json_builder_add_double_value(b, r->backtrace_quality);
    else
        json_builder_add_null_value(b);
    add_string(b, "error", r->backtrace_error);
    add_string(b, "signature", r->signature);

    json_builder_set_member_name(b, "threads");
    json_builder_begin_array(b);
    for (guint i = 0; i < r->threads->len; i++) {
        const CoronerThread *t = r->threads->pdata[i];
        json_builder_begin_object(b);
        add_int(b, "tid", t->tid);
        add_string(b, "name", t->name);
        add_bool(b, "crashed", t->crashed);
        json_builder_set_member_name(b, "frames");
        json_builder_begin_array(b);
        for (guint j = 0; j < t->frames->len; j++) {
            const CoronerFrame *f = t->frames->pdata[j];
            json_builder_begin_object(b);
            add_hex(b, "pc", f->pc);
            add_string(b, "function", f->function);
            add_string(b, "module", f->module);
            add_hex(b, "module_offset", f->module_offset);
            add_string(b, "file", f->file);
            add_int(b, "line", f->line);
            add_bool(b, "inlined", f->inlined);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    json_builder_set_member_name(b, "modules");
    json_builder_begin_array(b);
    for (guint i = 0; i < r->modules->len; i++) {
        const CoronerModule *m = r->modules->pdata[i];
        json_builder_begin_object(b);
        add_string(b, "path", m->path);
        add_string(b, "build_id", m->build_id);
        add_hex(b, "start", m->start);
        add_hex(b, "end", m->end);
        add_bool(b, "has_debug_info", m->has_debug_info);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
}

static void write_minimal(JsonBuilder *b, const CoronerMinimalInfo *m)
{
    json_builder_set_member_name(b, "minimal");
    if (!m) {
        json_builder_add_null_value(b);
        return;
    }
    json_builder_begin_object(b);
    add_string(b, "recept", m->recept);
    add_string(b, "recept_file", m->recept_file);
    add_u64(b, "original_size", m->original_size);
    add_u64(b, "memory_kept", m->memory_kept);
    add_u64(b, "memory_dropped", m->memory_dropped);
    add_u64(b, "threads", m->threads);
    add_u64(b, "stacks", m->stacks);
    add_u64(b, "notes_dropped", m->notes_dropped);
    json_builder_end_object(b);
}

char *coroner_crash_record_to_json(const CoronerCrashRecord *r, gsize *ret_length)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    add_string(b, "schema", CORONER_RECORD_SCHEMA);
    add_string(b, "id", r->id);
    add_int(b, "timestamp_usec", r->timestamp_usec);
    add_string(b, "boot_id", r->boot_id);
    add_string(b, "hostname", r->hostname);

    write_process(b, &r->process);

    json_builder_set_member_name(b, "signal");
    json_builder_begin_object(b);
    add_int(b, "number", r->signal.number);
    add_string(b, "name", r->signal.name);
    json_builder_set_member_name(b, "code");
    if (r->signal.has_code)
        json_builder_add_int_value(b, r->signal.code);
    else
        json_builder_add_null_value(b);
    if (r->signal.has_address)
        add_hex(b, "address", r->signal.address);
    else
        add_string(b, "address", NULL);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "core");
    json_builder_begin_object(b);
    add_string(b, "state", coroner_core_state_to_string(r->core.state));
    add_string(b, "file", r->core.file);
    add_string(b, "compression", r->core.compression);
    add_u64(b, "size", r->core.size);
    add_u64(b, "stored_size", r->core.stored_size);
    add_u64(b, "limit_bytes", r->core.limit_bytes);
    add_string(b, "reason", r->core.reason);
    write_minimal(b, r->core.minimal);
    json_builder_end_object(b);

    write_app(b, r->app);
    write_container(b, r->container);
    write_backtrace(b, r);

    if (r->suppressed > 0) {
        add_u64(b, "suppressed", r->suppressed);
        json_builder_set_member_name(b, "suppressed_window");
        json_builder_begin_object(b);
        add_int(b, "start_usec", r->suppressed_start_usec);
        add_int(b, "end_usec", r->suppressed_end_usec);
        json_builder_end_object(b);
    }

    json_builder_set_member_name(b, "errors");
    json_builder_begin_array(b);
    for (guint i = 0; i < r->errors->len; i++) {
        g_autofree char *escaped = coroner_utf8_escape_invalid(r->errors->pdata[i]);
        json_builder_add_string_value(b, escaped ? escaped : r->errors->pdata[i]);
    }
    json_builder_end_array(b);

    json_builder_end_object(b);

    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_indent(gen, 2);
    char *text = json_generator_to_data(gen, ret_length);
    return text;
}
