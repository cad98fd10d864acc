/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-envelope.h"

#include <string.h>

#include "sentry-dsn.h"
#include "json-parse.h"

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

void coroner_sentry_envelope_add_feedback(CoronerSentryEnvelope *env, JsonNode *feedback)
{
    JsonObject *headers = json_object_new();
    json_object_set_string_member(headers, "content_type", "application/json");
    coroner_sentry_envelope_add_item(env, "feedback", headers, node_to_bytes(feedback));
}

static void add_attachment(CoronerSentryEnvelope *env, const char *filename,
                           const char *content_type, const char *attachment_type, GBytes *data)
{
    JsonObject *headers = json_object_new();
    json_object_set_string_member(headers, "filename", filename);
    json_object_set_string_member(headers, "content_type",
                                  content_type ? content_type : "application/octet-stream");
    json_object_set_string_member(headers, "attachment_type", attachment_type);
    coroner_sentry_envelope_add_item(env, "attachment", headers, data);
}

void coroner_sentry_envelope_add_attachment(CoronerSentryEnvelope *env, const char *filename,
                                            const char *content_type, GBytes *data)
{
    add_attachment(env, filename, content_type, "event.attachment", data);
}

void coroner_sentry_envelope_add_minidump(CoronerSentryEnvelope *env, GBytes *minidump)
{
    add_attachment(env, "minidump.dmp", "application/octet-stream", "event.minidump", minidump);
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
    /* Everything else, user_report among them (an outbox may still hold one from an older version). */
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
    g_autoptr(GError) local = NULL;
    g_autoptr(JsonNode) root = coroner_json_parse(start, (gssize)len, CORONER_JSON_MAX_BYTES, &local);
    if (!root) {
        bad(error, local->message, *pos);
        return NULL;
    }
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        bad(error, "a header is not a JSON object", *pos);
        return NULL;
    }
    *pos += len + (nl ? 1 : 0);
    return json_object_ref(json_node_get_object(root));
}

/* One item of stored envelope bytes, by offsets into them. */
typedef struct {
    JsonObject *headers;
    gsize header_at, header_len; /* the header line, without its newline */
    gsize payload_at, payload_len;
} Span;

static void span_clear(gpointer p)
{
    json_object_unref(((Span *)p)->headers);
}

/*
 * Walks the framing strictly: JSON header lines, every item with a length
 * that fits and is followed by a newline (or the end), nothing left over.
 * Returns the envelope header and fills spans.
 */
static JsonObject *walk(GBytes *bytes, GArray *spans, GError **error)
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
        Span span = {
            .headers = g_steal_pointer(&ih),
            .header_at = item_at,
            .header_len = pos - item_at - (data[pos - 1] == '\n' ? 1 : 0),
            .payload_at = pos,
            .payload_len = (gsize)length,
        };
        g_array_append_val(spans, span);
        pos += (gsize)length;
        if (pos < size) {
            if (data[pos] != '\n') {
                bad(error, "an item's payload is not followed by a newline", pos);
                return NULL;
            }
            pos++;
        }
    }
    return g_steal_pointer(&header);
}

static GArray *spans_new(void)
{
    GArray *spans = g_array_new(FALSE, FALSE, sizeof(Span));
    g_array_set_clear_func(spans, span_clear);
    return spans;
}

static const char *span_type(const Span *span)
{
    return json_object_get_string_member(span->headers, "type");
}

CoronerSentryEnvelopeInfo *coroner_sentry_envelope_parse(GBytes *bytes, GError **error)
{
    g_autoptr(GArray) spans = spans_new();
    g_autoptr(JsonObject) header = walk(bytes, spans, error);
    if (!header)
        return NULL;
    g_autoptr(CoronerSentryEnvelopeInfo) info = g_new0(CoronerSentryEnvelopeInfo, 1);
    info->event_id = g_strdup(json_object_get_string_member_with_default(header, "event_id", NULL));
    info->dsn = g_strdup(json_object_get_string_member_with_default(header, "dsn", NULL));
    g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) categories = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < spans->len; i++) {
        const char *type = span_type(&g_array_index(spans, Span, i));
        g_ptr_array_add(types, g_strdup(type));
        const char *category = coroner_sentry_item_category(type);
        gboolean seen = FALSE;
        for (guint j = 0; j < categories->len; j++)
            seen |= strcmp(categories->pdata[j], category) == 0;
        if (!seen)
            g_ptr_array_add(categories, g_strdup(category));
    }
    g_ptr_array_add(types, NULL);
    g_ptr_array_add(categories, NULL);
    info->item_types = (GStrv)g_ptr_array_steal(types, NULL);
    info->categories = (GStrv)g_ptr_array_steal(categories, NULL);
    return g_steal_pointer(&info);
}

void coroner_sentry_envelope_item_free(CoronerSentryEnvelopeItem *item)
{
    if (!item)
        return;
    json_object_unref(item->headers);
    g_bytes_unref(item->payload);
    g_free(item);
}

GPtrArray *coroner_sentry_envelope_items(GBytes *bytes, JsonObject **ret_header, GError **error)
{
    g_autoptr(GArray) spans = spans_new();
    g_autoptr(JsonObject) header = walk(bytes, spans, error);
    if (!header)
        return NULL;
    GPtrArray *items =
        g_ptr_array_new_with_free_func((GDestroyNotify)coroner_sentry_envelope_item_free);
    for (guint i = 0; i < spans->len; i++) {
        const Span *span = &g_array_index(spans, Span, i);
        CoronerSentryEnvelopeItem *item = g_new0(CoronerSentryEnvelopeItem, 1);
        item->headers = json_object_ref(span->headers);
        item->type = span_type(span);
        item->payload = g_bytes_new_from_bytes(bytes, span->payload_at, span->payload_len);
        g_ptr_array_add(items, item);
    }
    if (ret_header)
        *ret_header = g_steal_pointer(&header);
    return items;
}

char *coroner_sentry_envelope_item_string(GBytes *bytes, const char *item_type,
                                          const char *json_path)
{
    g_autoptr(GPtrArray) items = coroner_sentry_envelope_items(bytes, NULL, NULL);
    for (guint i = 0; items && i < items->len; i++) {
        const CoronerSentryEnvelopeItem *item = items->pdata[i];
        if (strcmp(item->type, item_type) != 0)
            continue;
        gsize length = 0;
        const char *data = g_bytes_get_data(item->payload, &length);
        g_autoptr(JsonNode) root =
            coroner_json_parse(data ? data : "", (gssize)length, CORONER_JSON_MAX_BYTES, NULL);
        g_autoptr(JsonPath) path = json_path_new();
        if (!root || !json_path_compile(path, json_path, NULL))
            return NULL;
        g_autoptr(JsonNode) found = json_path_match(path, root);
        JsonArray *hits = json_node_get_array(found);
        if (json_array_get_length(hits) == 0)
            return NULL;
        JsonNode *value = json_array_get_element(hits, 0);
        if (json_node_get_value_type(value) != G_TYPE_STRING)
            return NULL;
        return g_strdup(json_node_get_string(value));
    }
    return NULL;
}

/*
 * New envelope bytes: header (as given) and the items of spans whose keep[]
 * is set, each copied byte for byte (its header line and payload).
 */
static GBytes *rebuild(GBytes *bytes, JsonObject *header, GArray *spans, const gboolean *keep)
{
    const char *data = g_bytes_get_data(bytes, NULL);
    GByteArray *out = g_byte_array_new();
    append_object_line(out, header);
    for (guint i = 0; i < spans->len; i++) {
        const Span *span = &g_array_index(spans, Span, i);
        if (!keep[i])
            continue;
        g_byte_array_append(out, (const guint8 *)data + span->header_at, (guint)span->header_len);
        g_byte_array_append(out, (const guint8 *)"\n", 1);
        if (span->payload_len > 0)
            g_byte_array_append(out, (const guint8 *)data + span->payload_at, (guint)span->payload_len);
        g_byte_array_append(out, (const guint8 *)"\n", 1);
    }
    return g_byte_array_free_to_bytes(out);
}

gboolean coroner_sentry_envelope_split_feedback(GBytes *bytes, GBytes **ret_rest,
                                                GBytes **ret_feedback, GError **error)
{
    g_autoptr(GArray) spans = spans_new();
    g_autoptr(JsonObject) header = walk(bytes, spans, error);
    if (!header)
        return FALSE;
    g_autofree gboolean *rest = g_new0(gboolean, spans->len + 1);
    g_autofree gboolean *feedback = g_new0(gboolean, spans->len + 1);
    guint n_feedback = 0, n_other = 0;
    const Span *fb = NULL;
    for (guint i = 0; i < spans->len; i++) {
        const Span *span = &g_array_index(spans, Span, i);
        /* Only the first: Sentry takes one feedback per envelope. */
        if (strcmp(span_type(span), "feedback") == 0 && !fb) {
            fb = span;
            feedback[i] = TRUE;
            n_feedback++;
        } else {
            rest[i] = TRUE;
            n_other++;
        }
    }
    if (!fb || n_other == 0) {
        /* Nothing to split: no feedback, or the feedback's envelope already. */
        *ret_rest = g_bytes_ref(bytes);
        *ret_feedback = NULL;
        return TRUE;
    }
    const char *data = g_bytes_get_data(bytes, NULL);
    g_autoptr(JsonNode) fb_node = coroner_json_parse(data + fb->payload_at, (gssize)fb->payload_len,
                                                      CORONER_JSON_MAX_BYTES, NULL);
    if (!fb_node || !JSON_NODE_HOLDS_OBJECT(fb_node)) {
        bad(error, "the feedback item is not a JSON object", fb->payload_at);
        return FALSE;
    }
    const char *fb_id = json_object_get_string_member_with_default(
        json_node_get_object(fb_node), "event_id", NULL);
    const char *event_id = json_object_get_string_member_with_default(header, "event_id", NULL);
    if (!fb_id || (event_id && strcmp(fb_id, event_id) == 0)) {
        /* The header's event_id would be the event's: Relay would read only one of the two. */
        bad(error, "the feedback item has no event_id of its own", fb->payload_at);
        return FALSE;
    }
    /* The same header (dsn, sent_at) but for the feedback's own event. */
    g_autoptr(JsonObject) fb_header = json_object_new();
    json_object_set_string_member(fb_header, "event_id", fb_id);
    JsonObjectIter iter;
    const char *name;
    JsonNode *value;
    json_object_iter_init(&iter, header);
    while (json_object_iter_next(&iter, &name, &value))
        if (strcmp(name, "event_id") != 0)
            json_object_set_member(fb_header, name, json_node_copy(value));
    *ret_rest = rebuild(bytes, header, spans, rest);
    *ret_feedback = rebuild(bytes, fb_header, spans, feedback);
    return TRUE;
}

GBytes *coroner_sentry_envelope_without_categories(GBytes *bytes, const char *const *categories,
                                                   GPtrArray **ret_dropped, GError **error)
{
    g_autoptr(GArray) spans = spans_new();
    g_autoptr(JsonObject) header = walk(bytes, spans, error);
    if (!header)
        return NULL;
    g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
    g_autofree gboolean *keep = g_new0(gboolean, spans->len + 1);
    for (guint i = 0; i < spans->len; i++) {
        const Span *span = &g_array_index(spans, Span, i);
        const char *type = span_type(span);
        keep[i] = !categories ||
                  !g_strv_contains(categories, coroner_sentry_item_category(type));
        if (!keep[i]) {
            const char *filename =
                json_object_get_string_member_with_default(span->headers, "filename", NULL);
            g_ptr_array_add(dropped, filename ? g_strdup_printf("%s %s", type, filename)
                                              : g_strdup(type));
        }
    }
    if (ret_dropped)
        *ret_dropped = g_steal_pointer(&dropped);
    return rebuild(bytes, header, spans, keep);
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
