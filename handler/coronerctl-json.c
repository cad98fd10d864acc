/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coronerctl-json.h"

#include "coronerctl-format.h"
#include "json-parse.h"

static void add_string(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    if (value) {
        /* Journal fields are bytes; JSON needs UTF-8. */
        g_autofree char *valid = g_utf8_make_valid(value, -1);
        json_builder_add_string_value(b, valid);
    } else {
        json_builder_add_null_value(b);
    }
}

static void add_id(JsonBuilder *b, const char *name, int64_t value)
{
    json_builder_set_member_name(b, name);
    if (value >= 0)
        json_builder_add_int_value(b, value);
    else
        json_builder_add_null_value(b);
}

static void add_summary_members(JsonBuilder *b, const CoronerCrashIndex *index,
                                const CoronerCrashEntry *e)
{
    const CoronerCrashRecord *r = e->record;
    add_string(b, "id", e->short_id);
    add_string(b, "entry_id", e->id);
    g_autofree char *time = ctl_format_iso8601(r->timestamp_usec);
    add_string(b, "time", time);
    json_builder_set_member_name(b, "timestamp_usec");
    json_builder_add_int_value(b, r->timestamp_usec);
    add_id(b, "pid", r->process.pid);
    add_id(b, "uid", r->process.uid);
    add_id(b, "gid", r->process.gid);
    json_builder_set_member_name(b, "signal");
    json_builder_add_int_value(b, r->signal.number);
    add_string(b, "signal_name", r->signal.name);
    add_string(b, "comm", r->process.comm);
    add_string(b, "exe", r->process.exe);
    add_string(b, "unit", r->process.unit);
    add_string(b, "core", e->core_status);
    g_autofree char *core_path = coroner_crash_entry_core_path(index, e);
    add_string(b, "core_path", core_path);
    json_builder_set_member_name(b, "core_size");
    if (r->core.size > 0)
        json_builder_add_int_value(b, (gint64)r->core.size);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "core_disk_size");
    json_builder_add_int_value(b, (gint64)e->core_disk_bytes);
    /* A storm summary (coronerd): the crashes of this (uid, exe) it stands for, not dumped. */
    json_builder_set_member_name(b, "suppressed");
    json_builder_add_int_value(b, (gint64)r->suppressed);
    g_autofree char *record_path =
        e->store_entry && e->store_entry->record_name
            ? g_build_filename(index->store->path, e->store_entry->record_name, NULL)
            : NULL;
    add_string(b, "record_path", record_path);
    add_string(b, "record_error", e->record_error);
    json_builder_set_member_name(b, "sources");
    json_builder_begin_array(b);
    if (e->sources & CORONER_CRASH_FROM_STORE)
        json_builder_add_string_value(b, "store");
    if (e->sources & CORONER_CRASH_FROM_JOURNAL)
        json_builder_add_string_value(b, "journal");
    json_builder_end_array(b);
    add_string(b, "handler", e->by_coroner ? "coroner" : "systemd-coredump");
    json_builder_set_member_name(b, "unverified");
    json_builder_add_boolean_value(b, e->unverified);
    add_string(b, "signature", r->signature);
    json_builder_set_member_name(b, "backtrace_quality");
    if (r->backtrace_quality >= 0)
        json_builder_add_double_value(b, r->backtrace_quality);
    else
        json_builder_add_null_value(b);
}

JsonNode *ctl_json_summary(const CoronerCrashIndex *index, const CoronerCrashEntry *e)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_summary_members(b, index, e);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static JsonNode *record_node(const CoronerCrashRecord *r)
{
    gsize length;
    g_autofree char *text = coroner_crash_record_to_json(r, &length);
    JsonNode *node = coroner_json_parse(text, (gssize)length, CORONER_JSON_MAX_BYTES, NULL);
    return node ? node : json_node_new(JSON_NODE_NULL);
}

JsonNode *ctl_json_info(const CoronerCrashIndex *index, const CoronerCrashEntry *e)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_summary_members(b, index, e);
    json_builder_set_member_name(b, "record");
    json_builder_add_value(b, record_node(e->record));
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

JsonNode *ctl_json_backtrace(const CoronerCrashEntry *e, gboolean full)
{
    g_autoptr(JsonNode) record = record_node(e->record);
    JsonObject *bt = NULL;
    if (JSON_NODE_HOLDS_OBJECT(record)) {
        JsonObject *o = json_node_get_object(record);
        if (json_object_has_member(o, "backtrace"))
            bt = json_object_get_object_member(o, "backtrace");
    }
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_string(b, "id", e->short_id);
    add_string(b, "entry_id", e->id);
    if (bt) {
        JsonArray *threads = json_object_get_array_member(bt, "threads");
        json_builder_set_member_name(b, "signature");
        json_builder_add_value(b, json_node_copy(json_object_get_member(bt, "signature")));
        json_builder_set_member_name(b, "quality");
        json_builder_add_value(b, json_node_copy(json_object_get_member(bt, "quality")));
        json_builder_set_member_name(b, "error");
        json_builder_add_value(b, json_node_copy(json_object_get_member(bt, "error")));
        json_builder_set_member_name(b, "threads");
        json_builder_begin_array(b);
        guint n = threads ? json_array_get_length(threads) : 0;
        for (guint i = 0; i < n && (full || i == 0); i++)
            json_builder_add_value(b, json_node_copy(json_array_get_element(threads, i)));
        json_builder_end_array(b);
        if (full) {
            json_builder_set_member_name(b, "modules");
            json_builder_add_value(b, json_node_copy(json_object_get_member(bt, "modules")));
        }
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}
