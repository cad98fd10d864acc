/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writing the crash record's JSON form (docs/crash-record.md).
 *
 * Writing is total: every member is always emitted (null when unknown) so the
 * schema is visible in every record.
 */
#include "crash-record.h"
#include "crash-record-fields.h"
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

/* An integer, or null where the value means "unknown" or "unlimited". */
static void add_int_or_null(JsonBuilder *b, const char *member, int64_t value, gboolean null)
{
    json_builder_set_member_name(b, member);
    if (null)
        json_builder_add_null_value(b);
    else
        json_builder_add_int_value(b, value);
}

static void add_int(JsonBuilder *b, const char *member, int64_t value)
{
    add_int_or_null(b, member, value, FALSE);
}

/* Sizes beyond 2^63 do not occur; UINT64_MAX means "unlimited" and becomes null. */
static void add_u64(JsonBuilder *b, const char *member, uint64_t value)
{
    add_int_or_null(b, member, (int64_t)value, value == UINT64_MAX);
}

/* JSON numbers lose precision above 2^53, and addresses live up there: hex strings. */
static void add_hex(JsonBuilder *b, const char *member, uint64_t value)
{
    g_autofree char *s = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", value);
    add_string(b, member, s);
}

static void add_bool(JsonBuilder *b, const char *member, gboolean value)
{
    json_builder_set_member_name(b, member);
    json_builder_add_boolean_value(b, value);
}

/* The members the table describes, in its order. */
static void write_fields(JsonBuilder *b, const void *object, const CoronerFieldTable *table)
{
    for (guint i = 0; i < table->n; i++) {
        const CoronerField *f = &table->fields[i];
        const void *at = (const char *)object + f->offset;
        switch (f->kind) {
        case CORONER_FIELD_STRING:
            add_string(b, f->name, *(char *const *)at);
            break;
        case CORONER_FIELD_INT:
            add_int(b, f->name, *(const int64_t *)at);
            break;
        case CORONER_FIELD_INT32:
            add_int(b, f->name, *(const int *)at);
            break;
        case CORONER_FIELD_ID: /* -1 means "unknown" for ids in this model. */
            add_int_or_null(b, f->name, *(const int64_t *)at, *(const int64_t *)at < 0);
            break;
        case CORONER_FIELD_U64:
            add_u64(b, f->name, *(const uint64_t *)at);
            break;
        case CORONER_FIELD_BOOL:
            add_bool(b, f->name, *(const gboolean *)at);
            break;
        case CORONER_FIELD_HEX:
            add_hex(b, f->name, *(const uint64_t *)at);
            break;
        }
    }
}

/*
 * member: null without object (FALSE), else an object begun with the table's
 * members, which the caller may add to and ends.
 */
static gboolean begin_object(JsonBuilder *b, const char *member, const void *object,
                             const CoronerFieldTable *table)
{
    json_builder_set_member_name(b, member);
    if (!object) {
        json_builder_add_null_value(b);
        return FALSE;
    }
    json_builder_begin_object(b);
    write_fields(b, object, table);
    return TRUE;
}

/* member: an object of the table's members, or null without one. */
static void write_object(JsonBuilder *b, const char *member, const void *object,
                         const CoronerFieldTable *table)
{
    if (begin_object(b, member, object, table))
        json_builder_end_object(b);
}

/* member: an array of objects, each the table's members (items may be NULL: an empty array). */
static void write_array(JsonBuilder *b, const char *member, const GPtrArray *items,
                        const CoronerFieldTable *table)
{
    json_builder_set_member_name(b, member);
    json_builder_begin_array(b);
    for (guint i = 0; items && i < items->len; i++) {
        json_builder_begin_object(b);
        write_fields(b, items->pdata[i], table);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

static void write_process(JsonBuilder *b, const CoronerProcessInfo *p)
{
    begin_object(b, "process", p, &coroner_fields_process);
    add_int_or_null(b, "dumpable", p->dumpable, p->dumpable < 0);
    write_fields(b, p, &coroner_fields_process_tail);
    write_array(b, "threads", p->threads, &coroner_fields_thread_name);
    write_object(b, "proc", p, &coroner_fields_proc);
    json_builder_end_object(b);
}

static void write_app(JsonBuilder *b, const CoronerAppInfo *app)
{
    if (!begin_object(b, "app", app, &coroner_fields_app))
        return;
    write_object(b, "exception", app->exception_type || app->exception_what ? app : NULL,
                 &coroner_fields_exception);
    write_array(b, "annotations", app->annotations, &coroner_fields_annotation);
    write_array(b, "breadcrumbs", app->breadcrumbs, &coroner_fields_breadcrumb);

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

    write_object(b, "hook", app, &coroner_fields_hook);
    json_builder_end_object(b);
}

static void write_container(JsonBuilder *b, const CoronerContainerInfo *c)
{
    if (!begin_object(b, "container", c, &coroner_fields_container))
        return;
    write_array(b, "namespaces", c->namespaces, &coroner_fields_namespace);
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
        write_fields(b, t, &coroner_fields_thread);
        write_array(b, "frames", t->frames, &coroner_fields_frame);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);

    write_array(b, "modules", r->modules, &coroner_fields_module);
    json_builder_end_object(b);
}

char *coroner_crash_record_to_json(const CoronerCrashRecord *r, gsize *ret_length)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    add_string(b, "schema", CORONER_RECORD_SCHEMA);
    write_fields(b, r, &coroner_fields_record);

    write_process(b, &r->process);

    json_builder_set_member_name(b, "signal");
    json_builder_begin_object(b);
    add_int(b, "number", r->signal.number);
    add_string(b, "name", r->signal.name);
    add_int_or_null(b, "code", r->signal.code, !r->signal.has_code);
    if (r->signal.has_address)
        add_hex(b, "address", r->signal.address);
    else
        add_string(b, "address", NULL);
    json_builder_end_object(b);

    json_builder_set_member_name(b, "core");
    json_builder_begin_object(b);
    add_string(b, "state", coroner_core_state_to_string(r->core.state));
    write_fields(b, &r->core, &coroner_fields_core);
    write_object(b, "minimal", r->core.minimal, &coroner_fields_minimal);
    json_builder_end_object(b);

    write_app(b, r->app);
    write_container(b, r->container);
    write_backtrace(b, r);

    if (r->suppressed > 0) {
        add_u64(b, "suppressed", r->suppressed);
        write_object(b, "suppressed_window", r, &coroner_fields_suppressed_window);
    }

    if (r->live_dump) {
        json_builder_set_member_name(b, "live_dump");
        json_builder_add_boolean_value(b, TRUE);
    }
    if (r->peer_of)
        add_string(b, "peer_of", r->peer_of);
    if (r->peers->len > 0) {
        json_builder_set_member_name(b, "peers");
        json_builder_begin_array(b);
        for (guint i = 0; i < r->peers->len; i++)
            json_builder_add_string_value(b, r->peers->pdata[i]);
        json_builder_end_array(b);
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
