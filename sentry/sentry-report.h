/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A crash record turned into the exact, scrubbed envelope bytes that will be
 * sent: the event, the user's comment (a feedback item with its own event_id
 * and associated_event_id naming the crash's; the outbox sends it in an
 * envelope of its own), the
 * hook's registered buffers, the minidump when the configuration asks for one
 * (without our own stack traces when it says "only") and, only when the
 * configuration allows it and the user consented, the core.  The reporter shows these bytes on its review
 * page; the outbox stores and sends them unchanged (only the header's sent_at
 * is refreshed at each attempt).
 */
#pragma once

#include <glib.h>

#include "crash-record.h"
#include "sentry-context.h"
#include "sentry-minidump.h"

G_BEGIN_DECLS

/* Journal lines read before the crash, at most. */
#define CORONER_SENTRY_DEFAULT_JOURNAL_LINES 20
/* Sentry's limit for one attachment. */
#define CORONER_SENTRY_MAX_ATTACHMENT_BYTES (100u << 20)

typedef struct {
    const char *dsn;            /* required: written into the envelope header */
    const char *event_id;       /* NULL: a fresh random one */
    const char *comment;        /* the user's description, NULL for none */
    const char *user_name;      /* optional, the feedback's name */
    const char *user_email;     /* optional, the feedback's contact_email */
    gboolean skip_buffers;      /* leave out the hook's registered buffers */
    const char *const *skip_attachments; /* NULL-terminated attachment file names to leave out (the user said no) */
    const char *core_path;      /* the stored core (compressed as it is in the store) */
    gboolean allow_core;        /* the configuration allows cores (coroner_sentry_config_allows_core) */
    gboolean core_consent;      /* and the user said yes for this report */
    gboolean skip_journal;      /* do not read the journal */
    const char *journal_dir;    /* read journal files there instead of the local journal */
    guint journal_max_lines;    /* 0: CORONER_SENTRY_DEFAULT_JOURNAL_LINES */
    const CoronerSentryMachine *machine; /* NULL: read now */
    const char *session_type;   /* NULL: asked from logind */
    const char *sent_at;        /* NULL: now */
    /* A minidump (coroner_sentry_config_minidump_mode()); OFF, the default, for none: */
    CoronerSentryMinidumpMode minidump;
    int minidump_core_fd;              /* the uncompressed core it is made from (not OFF only) */
    gboolean minidump_environ_consent; /* the user agreed to send the environment in it */
} CoronerSentryReportOptions;

/*
 * The exact envelope bytes for record.  ret_event_id (may be NULL) receives
 * the event id.  Fails on a malformed DSN, a record without a signal, or a
 * core that was asked for but cannot be read or is too large.
 */
GBytes *coroner_sentry_report_build(const CoronerCrashRecord *record,
                                    const CoronerSentryReportOptions *options,
                                    char **ret_event_id, GError **error);

/*
 * The user's comment on a report that already went out (or was queued) as
 * event_id: an envelope with a feedback item alone, scrubbed as the report
 * is, associated with that event; never a second event.  Uses options' dsn,
 * comment (required), user_name, user_email and sent_at.  The feedback's own
 * id is derived from event_id: one comment per report reaches Sentry.
 */
GBytes *coroner_sentry_report_build_feedback(const CoronerCrashRecord *record,
                                             const CoronerSentryReportOptions *options,
                                             const char *event_id, GError **error);

/* The scrubbed event alone, as JSON text (pretty when asked), for display and tests. */
char *coroner_sentry_report_event_json(const CoronerCrashRecord *record,
                                       const CoronerSentryReportOptions *options, gboolean pretty,
                                       GError **error);

G_END_DECLS
