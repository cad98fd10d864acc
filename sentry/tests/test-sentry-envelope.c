/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "sentry-dsn.h"
#include "sentry-envelope.h"
#include "sentry-event.h"
#include "coroner-test.h"

#define EID "0123456789abcdef0123456789abcdef"
#define DSN "https://0123456789abcdef0123456789abcdef@example.org/1"

static GBytes *make(void)
{
    g_autoptr(CoronerSentryEnvelope) env = coroner_sentry_envelope_new(EID, DSN);
    g_autoptr(JsonNode) event = json_from_string("{\"event_id\":\"" EID "\",\"msg\":\"a\\nb ü\"}", NULL);
    coroner_sentry_envelope_add_event(env, event);
    /* An item of the "default" category, as older versions queued the comment. */
    static const char old_comment[] = "{\"comments\":\"it broke\\nagain\"}";
    coroner_sentry_envelope_add_item(env, "user_report", NULL,
                                     g_bytes_new_static(old_comment, strlen(old_comment)));
    /* A binary payload with newlines and NULs: only the length frames it. */
    coroner_sentry_envelope_add_attachment(env, "bin", NULL, g_bytes_new("\n\0\n{", 4));
    coroner_sentry_envelope_add_attachment(env, "empty.txt", "text/plain", g_bytes_new("", 0));
    return coroner_sentry_envelope_serialize(env, "2026-01-01T00:00:00.000000Z");
}

static void test_framing(void)
{
    g_autoptr(GBytes) bytes = make();
    gsize n = 0;
    const char *data = g_bytes_get_data(bytes, &n);
    const char *want_header =
        "{\"event_id\":\"" EID "\",\"dsn\":\"" DSN "\",\"sent_at\":\"2026-01-01T00:00:00.000000Z\"}\n";
    g_assert_cmpint(memcmp(data, want_header, strlen(want_header)), ==, 0);

    /* Walk it by hand: header line, then (item header line, exactly length bytes, "\n")*. */
    const char *p = data + strlen(want_header), *end = data + n;
    const char *types[] = {"event", "user_report", "attachment", "attachment"};
    for (gsize i = 0; i < G_N_ELEMENTS(types); i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        g_assert_nonnull(nl);
        g_autofree char *line = g_strndup(p, (gsize)(nl - p));
        g_autoptr(JsonNode) h = json_from_string(line, NULL);
        g_assert_nonnull(h);
        JsonObject *o = json_node_get_object(h);
        g_assert_cmpstr(json_object_get_string_member(o, "type"), ==, types[i]);
        gint64 length = json_object_get_int_member(o, "length");
        p = nl + 1;
        g_assert_cmpint(length, <=, end - p);
        p += length;
        g_assert_cmpint(*p, ==, '\n');
        p++;
    }
    g_assert_true(p == end);

    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerSentryEnvelopeInfo) info = coroner_sentry_envelope_parse(bytes, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(info->event_id, ==, EID);
    g_assert_cmpstr(info->dsn, ==, DSN);
    g_assert_cmpuint(g_strv_length(info->item_types), ==, 4);
    g_assert_true(g_strv_contains((const char *const *)info->categories, "error"));
    g_assert_true(g_strv_contains((const char *const *)info->categories, "attachment"));
    g_assert_true(g_strv_contains((const char *const *)info->categories, "default"));
    g_assert_cmpuint(g_strv_length(info->categories), ==, 3);
}

/* The item reader sees what the framing says: types, headers and exact payload bytes. */
static void test_items(void)
{
    g_autoptr(GBytes) bytes = make();
    g_autoptr(JsonObject) header = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) items = coroner_sentry_envelope_items(bytes, &header, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(json_object_get_string_member(header, "event_id"), ==, EID);
    g_assert_cmpuint(items->len, ==, 4);
    const CoronerSentryEnvelopeItem *bin = items->pdata[2];
    g_assert_cmpstr(bin->type, ==, "attachment");
    g_assert_cmpstr(json_object_get_string_member(bin->headers, "filename"), ==, "bin");
    gsize n = 0;
    const char *data = g_bytes_get_data(bin->payload, &n);
    g_assert_cmpmem(data, n, "\n\0\n{", 4);
    const CoronerSentryEnvelopeItem *empty = items->pdata[3];
    g_assert_cmpuint(g_bytes_get_size(empty->payload), ==, 0);

    g_autofree char *msg = coroner_sentry_envelope_item_string(bytes, "event", "$.msg");
    g_assert_cmpstr(msg, ==, "a\nb ü");
    g_autofree char *comments =
        coroner_sentry_envelope_item_string(bytes, "user_report", "$.comments");
    g_assert_cmpstr(comments, ==, "it broke\nagain");
    g_assert_null(coroner_sentry_envelope_item_string(bytes, "event", "$.absent"));
    g_assert_null(coroner_sentry_envelope_item_string(bytes, "feedback", "$.msg"));

    /* Broken framing: no items, and the reason. */
    g_autoptr(GBytes) cut = g_bytes_new_from_bytes(bytes, 0, g_bytes_get_size(bytes) - 3);
    g_autoptr(GPtrArray) none = coroner_sentry_envelope_items(cut, NULL, &error);
    g_assert_null(none);
    g_assert_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DATA);
}

static void test_bad_framing(void)
{
    const char *bad[] = {
        "",
        "not json\n",
        "{}\n{\"type\":\"event\",\"length\":10}\nshort\n",
        "{}\n{\"type\":\"event\",\"length\":2}\nabX",
        "{}\n{\"length\":2}\nab\n",
        "{}\n{\"type\":\"event\"}\nab\n",
        "{}\n{\"type\":\"event\",\"length\":-1}\n\n",
        "{}\n[1]\n",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GBytes) b = g_bytes_new_static(bad[i], strlen(bad[i]));
        g_autoptr(GError) error = NULL;
        g_autoptr(CoronerSentryEnvelopeInfo) info = coroner_sentry_envelope_parse(b, &error);
        g_assert_null(info);
        g_assert_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DATA);
    }
    /* The last item may end without its newline; a header-only envelope is fine. */
    const char *good[] = {"{}\n{\"type\":\"event\",\"length\":2}\nab", "{\"event_id\":\"x\"}\n", "{}"};
    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        g_autoptr(GBytes) b = g_bytes_new_static(good[i], strlen(good[i]));
        g_autoptr(CoronerSentryEnvelopeInfo) info = coroner_sentry_envelope_parse(b, NULL);
        g_assert_nonnull(info);
    }
}

static void test_sent_at(void)
{
    g_autoptr(GBytes) bytes = make();
    g_autoptr(GBytes) again = coroner_sentry_envelope_set_sent_at(bytes, "2027-02-02T00:00:00.000000Z", NULL);
    gsize n1 = 0, n2 = 0;
    const char *a = g_bytes_get_data(bytes, &n1), *b = g_bytes_get_data(again, &n2);
    /* Same length, same items; only the header's time differs. */
    g_assert_cmpuint(n1, ==, n2);
    const char *nl1 = strchr(a, '\n'), *nl2 = strchr(b, '\n');
    g_assert_cmpint(memcmp(nl1, nl2, n1 - (gsize)(nl1 - a)), ==, 0);
    g_assert_nonnull(g_strstr_len(b, nl2 - b, "2027-02-02T00:00:00.000000Z"));
    g_assert_nonnull(g_strstr_len(b, nl2 - b, EID));
}

static JsonObject *payload_object(GBytes *bytes, guint index, char **ret_type)
{
    /* Walks the framing by hand: header, then item header + length. */
    gsize size = 0;
    const char *data = g_bytes_get_data(bytes, &size);
    const char *p = memchr(data, '\n', size) + 1;
    for (guint i = 0;; i++) {
        const char *nl = memchr(p, '\n', size - (gsize)(p - data));
        g_autofree char *line = g_strndup(p, (gsize)(nl - p));
        g_autoptr(JsonNode) h = json_from_string(line, NULL);
        gint64 length = json_object_get_int_member(json_node_get_object(h), "length");
        if (i == index) {
            *ret_type = g_strdup(json_object_get_string_member(json_node_get_object(h), "type"));
            g_autofree char *text = g_strndup(nl + 1, (gsize)length);
            JsonNode *node = json_from_string(text, NULL);
            JsonObject *o = json_object_ref(json_node_get_object(node));
            json_node_unref(node);
            return o;
        }
        p = nl + 1 + length + 1;
    }
}

static void test_feedback(void)
{
    g_autoptr(GError) error = NULL;
    CoronerSentryFeedback f = {
        .associated_event_id = EID,
        .message = "It broke when I saved.",
        .contact_email = "me@example.org",
        .release = "org.example.App@1.2",
        .timestamp_usec = G_GINT64_CONSTANT(1767225600) * G_USEC_PER_SEC + 5,
    };
    g_autoptr(JsonNode) fb = coroner_sentry_feedback_build(&f, &error);
    g_assert_no_error(error);
    JsonObject *o = json_node_get_object(fb);
    const char *fid = json_object_get_string_member(o, "event_id");
    g_assert_true(coroner_sentry_event_id_is_valid(fid));
    g_assert_cmpstr(fid, !=, EID);
    g_autofree char *again = coroner_sentry_feedback_event_id(EID);
    g_assert_cmpstr(fid, ==, again); /* derived: the same for every build of the report */
    g_assert_cmpint(fid[12], ==, '5'); /* a version-5 (name-based) UUID */
    g_assert_cmpstr(json_object_get_string_member(o, "timestamp"), ==, "2026-01-01T00:00:00.000005Z");
    g_assert_cmpstr(json_object_get_string_member(o, "platform"), ==, "native");
    g_assert_cmpstr(json_object_get_string_member(o, "level"), ==, "info");
    g_assert_cmpstr(json_object_get_string_member(o, "release"), ==, "org.example.App@1.2");
    JsonObject *c = json_object_get_object_member(json_object_get_object_member(o, "contexts"), "feedback");
    g_assert_cmpstr(json_object_get_string_member(c, "message"), ==, "It broke when I saved.");
    g_assert_cmpstr(json_object_get_string_member(c, "contact_email"), ==, "me@example.org");
    g_assert_cmpstr(json_object_get_string_member(c, "associated_event_id"), ==, EID);
    g_assert_cmpstr(json_object_get_string_member(c, "source"), ==, "coroner");
    g_assert_false(json_object_has_member(c, "name")); /* not given: left out, not "" */

    /* Sentry's limit is 4096 characters: cut on a character, not a byte. */
    GString *longer = g_string_new(NULL);
    for (guint i = 0; i < 5000; i++)
        g_string_append(longer, "ü");
    f.message = longer->str;
    g_autoptr(JsonNode) cut = coroner_sentry_feedback_build(&f, &error);
    g_assert_no_error(error);
    const char *m = json_object_get_string_member(
        json_object_get_object_member(json_object_get_object_member(json_node_get_object(cut), "contexts"),
                                      "feedback"),
        "message");
    g_assert_cmpint(g_utf8_strlen(m, -1), ==, CORONER_SENTRY_MAX_FEEDBACK_CHARS);
    g_assert_true(g_utf8_validate(m, -1, NULL));
    g_string_free(longer, TRUE);

    f.message = "";
    g_assert_null(coroner_sentry_feedback_build(&f, &error));
    g_assert_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DATA);
}

static GBytes *make_report(void)
{
    g_autoptr(CoronerSentryEnvelope) env = coroner_sentry_envelope_new(EID, DSN);
    g_autoptr(JsonNode) event = json_from_string("{\"event_id\":\"" EID "\"}", NULL);
    coroner_sentry_envelope_add_event(env, event);
    CoronerSentryFeedback f = {.associated_event_id = EID, .message = "comment\nhere"};
    g_autoptr(JsonNode) fb = coroner_sentry_feedback_build(&f, NULL);
    coroner_sentry_envelope_add_feedback(env, fb);
    coroner_sentry_envelope_add_attachment(env, "log.txt", "text/plain", g_bytes_new("x\ny", 3));
    coroner_sentry_envelope_add_attachment(env, "bin", NULL, g_bytes_new("\n\0\n{", 4));
    return coroner_sentry_envelope_serialize(env, "2026-01-01T00:00:00.000000Z");
}

static void test_split_feedback(void)
{
    g_autoptr(GBytes) bytes = make_report();
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) rest = NULL;
    g_autoptr(GBytes) feedback = NULL;
    g_assert_true(coroner_sentry_envelope_split_feedback(bytes, &rest, &feedback, &error));
    g_assert_no_error(error);
    g_assert_nonnull(feedback);
    g_autofree char *fid = coroner_sentry_feedback_event_id(EID);

    g_autoptr(CoronerSentryEnvelopeInfo) ri = coroner_sentry_envelope_parse(rest, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(ri->event_id, ==, EID);
    const char *rest_types[] = {"event", "attachment", "attachment", NULL};
    g_assert_cmpstrv(ri->item_types, rest_types);
    g_autoptr(CoronerSentryEnvelopeInfo) fi = coroner_sentry_envelope_parse(feedback, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(fi->event_id, ==, fid); /* the header names the feedback, not the crash */
    g_assert_cmpstr(fi->dsn, ==, DSN);
    const char *fb_types[] = {"feedback", NULL};
    g_assert_cmpstrv(fi->item_types, fb_types);
    const char *fb_categories[] = {"feedback", NULL};
    g_assert_cmpstrv(fi->categories, fb_categories);
    g_autofree char *type = NULL;
    g_autoptr(JsonObject) o = payload_object(feedback, 0, &type);
    g_assert_cmpstr(type, ==, "feedback");
    g_assert_cmpstr(json_object_get_string_member(o, "event_id"), ==, fid);
    /* The items' bytes are unchanged: both parts together are the report's size, less one header. */
    g_assert_nonnull(g_strstr_len(g_bytes_get_data(rest, NULL), (gssize)g_bytes_get_size(rest),
                                  "\n\0\n{"));

    /* An envelope without feedback, or with the feedback alone, stays as it is. */
    g_autoptr(GBytes) again = NULL;
    g_autoptr(GBytes) none = NULL;
    g_assert_true(coroner_sentry_envelope_split_feedback(feedback, &again, &none, &error));
    g_assert_null(none);
    g_assert_true(g_bytes_equal(again, feedback));
}

static void test_without_categories(void)
{
    g_autoptr(GBytes) bytes = make_report();
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) dropped = NULL;
    const char *att[] = {"attachment", NULL};
    g_autoptr(GBytes) reduced = coroner_sentry_envelope_without_categories(bytes, att, &dropped, &error);
    g_assert_no_error(error);
    g_autoptr(CoronerSentryEnvelopeInfo) info = coroner_sentry_envelope_parse(reduced, &error);
    g_assert_no_error(error);
    const char *types[] = {"event", "feedback", NULL};
    g_assert_cmpstrv(info->item_types, types);
    g_assert_cmpuint(dropped->len, ==, 2);
    g_assert_cmpstr(dropped->pdata[0], ==, "attachment log.txt");
    g_assert_cmpstr(dropped->pdata[1], ==, "attachment bin");
    /* The header is kept (event_id, dsn, sent_at). */
    g_assert_cmpstr(info->event_id, ==, EID);
    g_assert_cmpstr(info->dsn, ==, DSN);
    /* Nothing limited: the same items. */
    g_autoptr(GBytes) same = coroner_sentry_envelope_without_categories(bytes, NULL, NULL, &error);
    g_assert_true(g_bytes_equal(same, bytes));
}

/* The minidump item: an attachment Sentry processes, in the attachment rate-limit category. */
static void test_minidump(void)
{
    g_autoptr(CoronerSentryEnvelope) env = coroner_sentry_envelope_new(EID, DSN);
    g_autoptr(JsonNode) event = json_from_string("{\"event_id\":\"" EID "\"}", NULL);
    coroner_sentry_envelope_add_event(env, event);
    coroner_sentry_envelope_add_minidump(env, g_bytes_new("MDMP\n\0\n", 7));
    g_autoptr(GBytes) bytes = coroner_sentry_envelope_serialize(env, "2026-01-01T00:00:00.000000Z");
    gsize n;
    const char *data = g_bytes_get_data(bytes, &n);
    const char *item = g_strstr_len(data, (gssize)n, "{\"type\":\"attachment\"");
    g_assert_nonnull(item);
    g_autofree char *line = g_strndup(item, (gsize)(strchr(item, '\n') - item));
    g_autoptr(JsonNode) h = json_from_string(line, NULL);
    JsonObject *o = json_node_get_object(h);
    g_assert_cmpstr(json_object_get_string_member(o, "attachment_type"), ==, "event.minidump");
    g_assert_cmpstr(json_object_get_string_member(o, "filename"), ==, "minidump.dmp");
    g_assert_cmpint(json_object_get_int_member(o, "length"), ==, 7);
    g_assert_cmpmem(strchr(item, '\n') + 1, 7, "MDMP\n\0\n", 7);
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerSentryEnvelopeInfo) info = coroner_sentry_envelope_parse(bytes, &error);
    g_assert_no_error(error);
    g_assert_true(g_strv_contains((const char *const *)info->categories, "attachment"));
}

static void test_gzip_roundtrip(void);

static const CoronerTestCase tests[] = {
    {"/sentry/envelope/framing", test_framing},
    {"/sentry/envelope/items", test_items},
    {"/sentry/envelope/feedback", test_feedback},
    {"/sentry/envelope/split-feedback", test_split_feedback},
    {"/sentry/envelope/without-categories", test_without_categories},
    {"/sentry/envelope/bad-framing", test_bad_framing},
    {"/sentry/envelope/sent-at", test_sent_at},
    {"/sentry/envelope/gzip", test_gzip_roundtrip},
    {"/sentry/envelope/minidump", test_minidump},
};

CORONER_TEST_MAIN(tests)

#include "sentry-transport.h"

static void test_gzip_roundtrip(void)
{
    g_autoptr(GBytes) bytes = make();
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) gz = coroner_sentry_gzip(bytes, &error);
    g_assert_no_error(error);
    const guint8 *z = g_bytes_get_data(gz, NULL);
    g_assert_cmpint(z[0], ==, 0x1f);
    g_assert_cmpint(z[1], ==, 0x8b);
    g_autoptr(GZlibDecompressor) d = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
    g_autoptr(GInputStream) mem = g_memory_input_stream_new_from_bytes(gz);
    g_autoptr(GInputStream) in = g_converter_input_stream_new(mem, G_CONVERTER(d));
    g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable();
    g_output_stream_splice(out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
    g_assert_no_error(error);
    g_autoptr(GBytes) back = g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(out));
    g_assert_true(g_bytes_equal(back, bytes));
}
