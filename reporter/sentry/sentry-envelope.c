/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-envelope.h"

#include <string.h>

#include "sentry-dsn.h"

typedef struct {
    JsonObject *headers;
    GBytes *payload;
} Item;

struct CoronerSentryEnvelope {
    char *event_id;
    char *dsn;
    GArray *items; /* Item */
};

static void item_clear(gpointer p)
{
    Item *item = p;
    json_object_unref(item->headers);
    g_bytes_unref(item->payload);
}

CoronerSentryEnvelope *coroner_sentry_envelope_new(const char *event_id, const char *dsn)
{
    CoronerSentryEnvelope *env = g_new0(CoronerSentryEnvelope, 1);
    env->event_id = g_strdup(event_id);
    env->dsn = g_strdup(dsn);
    env->items = g_array_new(FALSE, FALSE, sizeof(Item));
    g_array_set_clear_func(env->items, item_clear);
    return env;
}

void coroner_sentry_envelope_free(CoronerSentryEnvelope *env)
{
    if (!env)
        return;
    g_free(env->event_id);
    g_free(env->dsn);
    g_array_unref(env->items);
    g_free(env);
}

void coroner_sentry_envelope_add_item(CoronerSentryEnvelope *env, const char *type,
                                      JsonObject *headers, GBytes *payload)
{
    Item item = {headers ? headers : json_object_new(), payload};
    /* "type" first: readers that peek at the header expect it there. */
    JsonObject *ordered = json_object_new();
    json_object_set_string_member(ordered, "type", type);
    json_object_set_int_member(ordered, "length", (gint64)g_bytes_get_size(payload));
    JsonObjectIter iter;
    const char *name;
    JsonNode *value;
    json_object_iter_init(&iter, item.headers);
    while (json_object_iter_next(&iter, &name, &value))
        if (strcmp(name, "type") != 0 && strcmp(name, "length") != 0)
            json_object_set_member(ordered, name, json_node_copy(value));
    json_object_unref(item.headers);
    item.headers = ordered;
    g_array_append_val(env->items, item);
}

static GBytes *node_to_bytes(JsonNode *node)
{
    gsize length = 0;
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, node);
    char *text = json_generator_to_data(gen, &length);
    return g_bytes_new_take(text, length);
}

void coroner_sentry_envelope_add_event(CoronerSentryEnvelope *env, JsonNode *event)
{
    JsonObject *headers = json_object_new();
    json_object_set_string_member(headers, "content_type", "application/json");
    coroner_sentry_envelope_add_item(env, "event", headers, node_to_bytes(event));
}

void coroner_sentry_envelope_add_user_report(CoronerSentryEnvelope *env, const char *name,
                                             const char *email, const char *comments)
{
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, "event_id", env->event_id);
    json_object_set_string_member(o, "name", name ? name : "");
    json_object_set_string_member(o, "email", email ? email : "");
    json_object_set_string_member(o, "comments", comments ? comments : "");
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, o);
    coroner_sentry_envelope_add_item(env, "user_report", NULL, node_to_bytes(node));
}

void coroner_sentry_envelope_add_attachment(CoronerSentryEnvelope *env, const char *filename,
                                            const char *content_type, GBytes *data)
{
    JsonObject *headers = json_object_new();
    json_object_set_string_member(headers, "filename", filename);
    json_object_set_string_member(headers, "content_type",
                                  content_type ? content_type : "application/octet-stream");
    json_object_set_string_member(headers, "attachment_type", "event.attachment");
    coroner_sentry_envelope_add_item(env, "attachment", headers, data);
}

char *coroner_sentry_format_time(gint64 usec)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(usec / G_USEC_PER_SEC);
    if (!dt)
        return g_strdup("1970-01-01T00:00:00.000000Z");
    g_autofree char *base = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
    return g_strdup_printf("%s.%06" G_GINT64_FORMAT "Z", base,
                           (usec % G_USEC_PER_SEC + G_USEC_PER_SEC) % G_USEC_PER_SEC);
}

static void append_object_line(GByteArray *out, JsonObject *o)
{
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
    json_node_set_object(node, o);
    g_autoptr(GBytes) bytes = node_to_bytes(node);
    gsize n = 0;
    const guint8 *data = g_bytes_get_data(bytes, &n);
    g_byte_array_append(out, data, (guint)n);
    g_byte_array_append(out, (const guint8 *)"\n", 1);
}

static JsonObject *envelope_header(const char *event_id, const char *dsn, const char *sent_at)
{
    JsonObject *h = json_object_new();
    if (event_id)
        json_object_set_string_member(h, "event_id", event_id);
    if (dsn)
        json_object_set_string_member(h, "dsn", dsn);
    json_object_set_string_member(h, "sent_at", sent_at);
    return h;
}

GBytes *coroner_sentry_envelope_serialize(const CoronerSentryEnvelope *env, const char *sent_at)
{
    g_autofree char *now = sent_at ? NULL : coroner_sentry_format_time(g_get_real_time());
    GByteArray *out = g_byte_array_new();
    g_autoptr(JsonObject) header = envelope_header(env->event_id, env->dsn, sent_at ? sent_at : now);
    append_object_line(out, header);
    for (guint i = 0; i < env->items->len; i++) {
        const Item *item = &g_array_index(env->items, Item, i);
        append_object_line(out, item->headers);
        gsize n = 0;
        const guint8 *data = g_bytes_get_data(item->payload, &n);
        if (n > 0)
            g_byte_array_append(out, data, (guint)n);
        g_byte_array_append(out, (const guint8 *)"\n", 1);
    }
    return g_byte_array_free_to_bytes(out);
}

const char *coroner_sentry_item_category(const char *item_type)
{
    /* Relay's mapping of item types to the data categories of X-Sentry-Rate-Limits. */
    if (strcmp(item_type, "event") == 0)
        return "error";
    if (strcmp(item_type, "transaction") == 0)
        return "transaction";
    if (strcmp(item_type, "attachment") == 0)
        return "attachment";
    if (strcmp(item_type, "session") == 0 || strcmp(item_type, "sessions") == 0)
        return "session";
    if (strcmp(item_type, "feedback") == 0)
        return "feedback";
    if (strcmp(item_type, "user_report") == 0)
        return "default";
    return "default";
}

void coroner_sentry_envelope_info_free(CoronerSentryEnvelopeInfo *info)
{
    if (!info)
        return;
    g_free(info->event_id);
    g_free(info->dsn);
    g_strfreev(info->item_types);
    g_strfreev(info->categories);
    g_free(info);
}

static gboolean bad(GError **error, const char *what, gsize offset)
{
    g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DATA,
                "Malformed envelope at byte %" G_GSIZE_FORMAT ": %s", offset, what);
    return FALSE;
}

/* Parses the JSON object on the line at *pos and moves *pos past its newline (or to the end). */
static JsonObject *read_header_line(const char *data, gsize size, gsize *pos, GError **error)
{
    const char *start = data + *pos;
    const char *nl = memchr(start, '\n', size - *pos);
    gsize len = nl ? (gsize)(nl - start) : size - *pos;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) local = NULL;
    if (!json_parser_load_from_data(parser, start, (gssize)len, &local)) {
        bad(error, local->message, *pos);
        return NULL;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        bad(error, "a header is not a JSON object", *pos);
        return NULL;
    }
    *pos += len + (nl ? 1 : 0);
    return json_object_ref(json_node_get_object(root));
}

CoronerSentryEnvelopeInfo *coroner_sentry_envelope_parse(GBytes *bytes, GError **error)
{
    gsize size = 0;
    const char *data = g_bytes_get_data(bytes, &size);
    gsize pos = 0;
    if (size == 0) {
        bad(error, "it is empty", 0);
        return NULL;
    }
    g_autoptr(JsonObject) header = read_header_line(data, size, &pos, error);
    if (!header)
        return NULL;
    g_autoptr(CoronerSentryEnvelopeInfo) info = g_new0(CoronerSentryEnvelopeInfo, 1);
    info->event_id = g_strdup(json_object_get_string_member_with_default(header, "event_id", NULL));
    info->dsn = g_strdup(json_object_get_string_member_with_default(header, "dsn", NULL));
    g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) categories = g_ptr_array_new_with_free_func(g_free);
    while (pos < size) {
        gsize item_at = pos;
        g_autoptr(JsonObject) ih = read_header_line(data, size, &pos, error);
        if (!ih)
            return NULL;
        const char *type = json_object_get_string_member_with_default(ih, "type", NULL);
        if (!type || !*type) {
            bad(error, "an item header has no type", item_at);
            return NULL;
        }
        JsonNode *length_node = json_object_get_member(ih, "length");
        if (!length_node || json_node_get_value_type(length_node) != G_TYPE_INT64 ||
            json_node_get_int(length_node) < 0) {
            /* Sentry allows items without a length (ended by a newline); we always write one. */
            bad(error, "an item header has no valid length", item_at);
            return NULL;
        }
        gint64 length = json_node_get_int(length_node);
        if ((guint64)length > size - pos) {
            bad(error, "an item's length runs past the end", item_at);
            return NULL;
        }
        pos += (gsize)length;
        if (pos < size) {
            if (data[pos] != '\n') {
                bad(error, "an item's payload is not followed by a newline", pos);
                return NULL;
            }
            pos++;
        }
        g_ptr_array_add(types, g_strdup(type));
        const char *category = coroner_sentry_item_category(type);
        gboolean seen = FALSE;
        for (guint i = 0; i < categories->len; i++)
            seen |= strcmp(categories->pdata[i], category) == 0;
        if (!seen)
            g_ptr_array_add(categories, g_strdup(category));
    }
    g_ptr_array_add(types, NULL);
    g_ptr_array_add(categories, NULL);
    info->item_types = (GStrv)g_ptr_array_steal(types, NULL);
    info->categories = (GStrv)g_ptr_array_steal(categories, NULL);
    return g_steal_pointer(&info);
}

GBytes *coroner_sentry_envelope_set_sent_at(GBytes *bytes, const char *sent_at, GError **error)
{
    gsize size = 0;
    const char *data = g_bytes_get_data(bytes, &size);
    gsize pos = 0;
    g_autoptr(JsonObject) header = size ? read_header_line(data, size, &pos, error) : NULL;
    if (!header) {
        if (size == 0)
            bad(error, "it is empty", 0);
        return NULL;
    }
    g_autofree char *now = sent_at ? NULL : coroner_sentry_format_time(g_get_real_time());
    json_object_set_string_member(header, "sent_at", sent_at ? sent_at : now);
    GByteArray *out = g_byte_array_new();
    append_object_line(out, header);
    if (pos < size)
        g_byte_array_append(out, (const guint8 *)data + pos, (guint)(size - pos));
    return g_byte_array_free_to_bytes(out);
}
