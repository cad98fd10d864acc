/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one way a report goes to Sentry: build the event and the envelope
 * (coroner_sentry_report_build()), queue it durably in the outbox, flush the
 * outbox through the transport.  coroner_sentry_submit() does it all in one
 * call (coroner-sentry-tool); coronerctl and the reporter show or print the
 * exact bytes first (the review page, --dry-run), so they build them, then
 * hand them to coroner_sentry_submit_envelope().
 *
 * The record should be symbolized (coronerctl's ensure-backtrace step): an
 * unsymbolized one is still sent, with its threads but no stacks.
 */
#pragma once

#include "crash-record.h"
#include "sentry-config.h"
#include "sentry-outbox.h"
#include "sentry-transport.h"

G_BEGIN_DECLS

typedef struct {
    const char *dsn;           /* NULL: from reporting.conf (which may say "off") */
    const char *system_config; /* NULL: the default system reporting.conf */
    const char *user_config;   /* NULL: the user's reporting.conf */
    const char *comment;       /* the user's description, or NULL */
    const char *event_id;      /* NULL: a fresh one */
    const char *core_path;     /* the stored core, attached if AllowCore=true … */
    gboolean core_consent;     /* … and the user consented */
    gboolean has_core_fd;      /* core_fd is the uncompressed core, for a minidump … */
    int core_fd;               /* … when reporting.conf asks for one */
    gboolean environ_consent;  /* the minidump may carry the environment */
    const char *outbox_dir;    /* NULL: $XDG_STATE_HOME/coroner/outbox */
    const CoronerSentryOutboxPolicy *policy;        /* NULL: defaults */
    const CoronerSentryTransportOptions *transport; /* NULL: defaults */
    gboolean no_send;          /* only queue; the reporter or a later flush sends it */
    gboolean skip_journal;     /* do not add journal lines as breadcrumbs */
    const char *user_email;    /* the feedback's contact_email, or NULL */
    const char *user_name;     /* the feedback's name, or NULL */
} CoronerSentrySubmitOptions;

/*
 * Queues the report, then (unless no_send) flushes the whole outbox.  TRUE
 * once the report is durably queued, whatever the network did: ret_result
 * (may be NULL) says what the flush achieved.  Fails when submission is off
 * (CORONER_SENTRY_ERROR_DISABLED), the DSN is malformed, the record cannot be
 * turned into an event, or the outbox cannot take it.
 */
gboolean coroner_sentry_submit(const CoronerCrashRecord *record,
                               const CoronerSentrySubmitOptions *options, char **ret_event_id,
                               CoronerSentryFlushResult *ret_result, GError **error);

/*
 * The DSN a report goes to: explicit_dsn (a --dsn), else reporting.conf's
 * for this crash.  The administrator's Disabled=true wins over both
 * (CORONER_SENTRY_ERROR_DISABLED).
 */
char *coroner_sentry_submit_dsn(const CoronerSentryConfig *config,
                                const CoronerCrashRecord *record, const char *explicit_dsn,
                                GError **error);

typedef struct {
    char *event_id;                  /* the queued report's, NULL for a flush alone */
    CoronerSentryOutboxEntry *entry; /* its entry after the flush, NULL when it is not there */
    CoronerSentryFlushResult flush;  /* what the flush achieved */
    char *flush_error;               /* why the outbox could not be flushed, or NULL */
} CoronerSentrySubmitResult;

void coroner_sentry_submit_result_clear(CoronerSentrySubmitResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CoronerSentrySubmitResult, coroner_sentry_submit_result_clear)

/*
 * Queues envelope (coroner_sentry_report_build()'s bytes; NULL to only
 * flush) durably in outbox, then, unless no_send, flushes the outbox through
 * transport (NULL: one with the default options); force ignores the backoff,
 * not the server's rate limits.  TRUE once the report is queued, whatever the
 * network did: ret_result says what happened.  Fails when the outbox cannot
 * take the envelope.
 */
gboolean coroner_sentry_submit_envelope(CoronerSentryOutbox *outbox,
                                        CoronerSentryTransport *transport, GBytes *envelope,
                                        gboolean no_send, gboolean force,
                                        GCancellable *cancellable,
                                        CoronerSentrySubmitResult *ret_result, GError **error);

/* Flushes the outbox (`coronerctl outbox flush`). force ignores the backoff, not rate limits. */
gboolean coroner_sentry_flush_outbox(const char *outbox_dir,
                                     const CoronerSentryOutboxPolicy *policy,
                                     const CoronerSentryTransportOptions *transport,
                                     gboolean force, CoronerSentryFlushResult *ret_result,
                                     GError **error);

G_END_DECLS
