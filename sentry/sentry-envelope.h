/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sentry envelopes: a JSON header line `{event_id, dsn, sent_at}`, then items,
 * each a JSON header line with the payload's exact byte `length`, the payload,
 * and a newline.  The outbox stores envelopes as these exact bytes; only
 * `sent_at` is refreshed when one is (re)sent, because Sentry uses it to
 * correct the client's clock and a stale value would shift the event's time.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct CoronerSentryEnvelope CoronerSentryEnvelope;

CoronerSentryEnvelope *coroner_sentry_envelope_new(const char *event_id, const char *dsn);
void coroner_sentry_envelope_free(CoronerSentryEnvelope *env);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerSentryEnvelope, coroner_sentry_envelope_free)

/* Adds an item; headers (may be NULL) gets "type" and "length" set. Takes both references. */
void coroner_sentry_envelope_add_item(CoronerSentryEnvelope *env, const char *type,
                                      JsonObject *headers, GBytes *payload);
void coroner_sentry_envelope_add_event(CoronerSentryEnvelope *env, JsonNode *event);
void coroner_sentry_envelope_add_attachment(CoronerSentryEnvelope *env, const char *filename,
                                            const char *content_type, GBytes *data);
/* A minidump Sentry processes server-side (attachment_type "event.minidump"). Takes data. */
void coroner_sentry_envelope_add_minidump(CoronerSentryEnvelope *env, GBytes *minidump);
/*
 * A user feedback (coroner_sentry_feedback_build): an event-like payload with
 * its own event_id.  Sentry wants it in an envelope of its own (that event_id
 * in the header); coroner_sentry_envelope_split_feedback takes it out of a
 * report's envelope before it is queued.
 */
void coroner_sentry_envelope_add_feedback(CoronerSentryEnvelope *env, JsonNode *feedback);

/* The exact bytes; sent_at NULL means now. */
GBytes *coroner_sentry_envelope_serialize(const CoronerSentryEnvelope *env, const char *sent_at);

/* What the outbox needs to know about stored envelope bytes. */
typedef struct {
    char *event_id;
    char *dsn;
    GStrv item_types;  /* one per item, in order */
    GStrv categories;  /* Sentry rate-limit data categories of the items, no duplicates */
} CoronerSentryEnvelopeInfo;

void coroner_sentry_envelope_info_free(CoronerSentryEnvelopeInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerSentryEnvelopeInfo, coroner_sentry_envelope_info_free)

/*
 * Parses and checks framing strictly: JSON header lines, every item with a
 * length that fits and is followed by a newline (or the end), nothing left
 * over.
 */
CoronerSentryEnvelopeInfo *coroner_sentry_envelope_parse(GBytes *bytes, GError **error);

/* One item of envelope bytes: its header (with "type" and "length") and its payload. */
typedef struct {
    const char *type;    /* the header's "type" */
    JsonObject *headers; /* the item's header */
    GBytes *payload;     /* a slice of the envelope's bytes */
} CoronerSentryEnvelopeItem;

void coroner_sentry_envelope_item_free(CoronerSentryEnvelopeItem *item);

/*
 * The items of envelope bytes (CoronerSentryEnvelopeItem*, in order), with the
 * same strict framing checks as coroner_sentry_envelope_parse();
 * ret_header (may be NULL) receives the envelope header.
 */
GPtrArray *coroner_sentry_envelope_items(GBytes *bytes, JsonObject **ret_header, GError **error);

/*
 * A string in the first item of type item_type, found by a JSONPath in that
 * item's JSON payload; NULL when there is no such item or no string there.
 */
char *coroner_sentry_envelope_item_string(GBytes *bytes, const char *item_type,
                                          const char *json_path);

/* A copy of the envelope bytes whose header carries sent_at (NULL: now). */
GBytes *coroner_sentry_envelope_set_sent_at(GBytes *bytes, const char *sent_at, GError **error);

/*
 * A report's envelope (event, attachments, feedback) as Sentry wants it sent:
 * *ret_rest is everything but the feedback item, *ret_feedback (NULL when
 * there is none) an envelope with the feedback item alone, whose header
 * carries the feedback's own event_id.  The items' bytes are unchanged.
 */
gboolean coroner_sentry_envelope_split_feedback(GBytes *bytes, GBytes **ret_rest,
                                                GBytes **ret_feedback, GError **error);

/*
 * A copy of the envelope without the items whose data category is in
 * categories (NULL-terminated).  ret_dropped (may be NULL) receives one
 * "<type> <filename>" (or just "<type>") per item left out.
 */
GBytes *coroner_sentry_envelope_without_categories(GBytes *bytes, const char *const *categories,
                                                   GPtrArray **ret_dropped, GError **error);

/* The data category Sentry rate-limits an item type under ("event" → "error"). */
const char *coroner_sentry_item_category(const char *item_type);

/* RFC 3339 UTC with microseconds, for usec since the epoch. Caller frees. */
char *coroner_sentry_format_time(gint64 usec);

G_END_DECLS
