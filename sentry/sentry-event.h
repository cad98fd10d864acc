/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A crash record as a Sentry event (platform "native", level "fatal"): the
 * signal as an exception, every thread with its stack (oldest frame first), the
 * loaded ELF images with their build-ids (so Sentry can symbolicate), the
 * machine contexts, tags and breadcrumbs.  Nothing here is scrubbed yet: the
 * caller (sentry-report.c) runs the privacy scrubber over the result.
 *
 * What is never read from the record: process.proc.* (environ above all),
 * cmdline, cwd, the hostname, the core.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "crash-record.h"
#include "sentry-context.h"

G_BEGIN_DECLS

/* Sentry keeps at most this many breadcrumbs; older ones are dropped first. */
#define CORONER_SENTRY_MAX_BREADCRUMBS 100

typedef struct {
    const char *event_id;                 /* 32 lowercase hex digits; NULL: a random one */
    GPtrArray *journal_lines;             /* CoronerSentryJournalLine*, oldest first; may be NULL */
    const CoronerSentryMachine *machine;  /* NULL: read now */
    const char *session_type;             /* NULL: asked from logind for the record's session */
} CoronerSentryEventOptions;

/* Builds the event. Fails only for a record with nothing to report (no signal). */
JsonNode *coroner_sentry_event_build(const CoronerCrashRecord *record,
                                     const CoronerSentryEventOptions *options, GError **error);

/* Sentry's limit for a feedback's message, in characters. */
#define CORONER_SENTRY_MAX_FEEDBACK_CHARS 4096

/*
 * The user's comment on a crash as a Sentry user feedback (envelope item
 * "feedback"): an event-like payload with its own event_id, platform, level
 * "info", release, and contexts.feedback {message, contact_email, name,
 * associated_event_id, source}.
 */
typedef struct {
    const char *associated_event_id; /* the crash's event_id; required */
    const char *message;             /* required; cut at CORONER_SENTRY_MAX_FEEDBACK_CHARS */
    const char *contact_email;       /* NULL or "": left out */
    const char *name;                /* NULL or "": left out */
    const char *release;             /* the crash event's release, NULL for none */
    gint64 timestamp_usec;           /* when it was written; 0: now */
} CoronerSentryFeedback;

JsonNode *coroner_sentry_feedback_build(const CoronerSentryFeedback *feedback, GError **error);

/*
 * The feedback's event_id for a crash's event_id: derived (a name-based
 * UUID), not random, so that every build of the same report, and every
 * retry, carries the same one and Sentry can deduplicate. Caller frees.
 */
char *coroner_sentry_feedback_event_id(const char *associated_event_id);

/* A fresh event id: a random UUID as 32 lowercase hex digits. Caller frees. */
char *coroner_sentry_event_id_new(void);

/* Whether id is 32 lowercase hex digits. */
gboolean coroner_sentry_event_id_is_valid(const char *id);

/*
 * Sentry's debug_id for an ELF build-id (hex): the first 16 bytes, zero-padded,
 * read as a little-endian GUID (bytes 0–3, 4–5 and 6–7 reversed), printed as a
 * lowercase UUID.  NULL for an empty or malformed build-id. Caller frees.
 */
char *coroner_sentry_debug_id_from_build_id(const char *build_id_hex);

/* "SIGSEGV" for 11. Caller frees. */
char *coroner_sentry_signal_full_name(int number, const char *record_name);

G_END_DECLS
