/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reporter's one door to the Sentry client (sentry/,
 * libcoroner-sentry): which DSN a crash goes to, the exact envelope bytes
 * the review page shows, and sending through the durable outbox.  Nothing
 * else in the reporter includes a sentry-*.h header.
 */
#pragma once

#include <gio/gio.h>

#include "crash-record.h"

G_BEGIN_DECLS

typedef enum {
    CORONER_SUBMISSION_SENT,     /* the server confirmed it */
    CORONER_SUBMISSION_QUEUED,   /* kept in the outbox, retried later */
    CORONER_SUBMISSION_REJECTED, /* refused for good; the reason says why */
} CoronerSubmissionOutcome;

typedef struct _CoronerSubmission CoronerSubmission;

/* Opens the outbox and reads reporting.conf (tests: $XDG_CONFIG_HOME, $XDG_STATE_HOME). */
CoronerSubmission *coroner_submission_new(GError **error);
void coroner_submission_free(CoronerSubmission *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerSubmission, coroner_submission_free)

/*
 * The DSN for record, or NULL with error (submission off, none configured,
 * malformed).  app_id (may be NULL: the hook's) picks [App:<id>] in
 * reporting.conf and the application's .desktop file (X-Coroner-DSN).
 */
char *coroner_submission_resolve_dsn(CoronerSubmission *self, const CoronerCrashRecord *record,
                                     const char *app_id, GError **error);

/*
 * The exact bytes that Send will queue and send.  store_path (may be NULL) is
 * the crash's store directory: with reporting.conf's Minidump=attach or only,
 * a minidump made from the crash's stack core there goes with the report
 * (none when there is no stack core: the page must not wait for a full core
 * to be decompressed), without the environment.  skip_attachments (NULL-
 * terminated, may be NULL) names attachments the user switched off.
 */
GBytes *coroner_submission_build(CoronerSubmission *self, const CoronerCrashRecord *record,
                                 const char *store_path, const char *dsn, const char *comment,
                                 const char *email, const char *const *skip_attachments, char **ret_event_id,
                                 GError **error);

/* A comment on the report already sent or queued as event_id: a feedback for that event, never a new one. */
GBytes *coroner_submission_build_feedback(CoronerSubmission *self, const CoronerCrashRecord *record,
                                          const char *dsn, const char *event_id, const char *comment,
                                          const char *email, GError **error);

/* Where a DSN sends to: "sentry.example.org" (with ":port" when not the scheme's), and its project id. */
char *coroner_submission_dsn_host(const char *dsn, char **ret_project);

/* What an envelope holds, for the review page's summary. */
typedef struct {
    char *event_id;         /* the header's */
    guint journal_lines;    /* breadcrumbs in the event (the journal lines before the crash) */
    GPtrArray *attachments; /* CoronerSubmissionAttachment*, in order */
} CoronerSubmissionContents;

typedef struct {
    char *filename;
    gsize size;
} CoronerSubmissionAttachment;

CoronerSubmissionContents *coroner_submission_contents(GBytes *envelope);
void coroner_submission_contents_free(CoronerSubmissionContents *contents);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerSubmissionContents, coroner_submission_contents_free)

/* The envelope for people: every JSON item pretty-printed, attachments listed by name and size. */
char *coroner_submission_describe(GBytes *envelope);

/* Queues envelope durably, then tries to send everything due. */
void coroner_submission_send_async(CoronerSubmission *self, GBytes *envelope, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
/* The outcome for that envelope; ret_reason (may be NULL) says why it was queued or rejected. */
gboolean coroner_submission_send_finish(CoronerSubmission *self, GAsyncResult *result,
                                        CoronerSubmissionOutcome *ret_outcome, char **ret_event_id,
                                        char **ret_reason, GError **error);

/*
 * Retries what is queued.  Calls back with a GHashTable event id →
 * CoronerSubmissionOutcome (GINT_TO_POINTER) of every outbox entry, and
 * when the next retry is due (0: nothing pending).
 */
void coroner_submission_flush_async(CoronerSubmission *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
GHashTable *coroner_submission_flush_finish(CoronerSubmission *self, GAsyncResult *result,
                                            gint64 *ret_next_usec, GError **error);

G_END_DECLS
