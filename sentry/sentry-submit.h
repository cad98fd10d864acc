/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Submission in one call, for `coronerctl submit` and scripts: choose the DSN
 * (or honour "off"), build the exact envelope, queue it durably in the
 * outbox, then flush the outbox.  The GTK reporter uses the pieces instead
 * (it shows coroner_sentry_report_build()'s bytes for review first).
 *
 * The record should be symbolized (coronerctl's ensure-backtrace step): an
 * unsymbolized one is still sent, with its threads but no stacks.
 */
#pragma once

#include "crash-record.h"
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

/* Flushes the outbox (`coronerctl outbox flush`). force ignores the backoff, not rate limits. */
gboolean coroner_sentry_flush_outbox(const char *outbox_dir,
                                     const CoronerSentryOutboxPolicy *policy,
                                     const CoronerSentryTransportOptions *transport,
                                     gboolean force, CoronerSentryFlushResult *ret_result,
                                     GError **error);

G_END_DECLS
