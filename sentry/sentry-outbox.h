/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The outbox: a durable queue of envelopes in the user's state directory
 * ($XDG_STATE_HOME/coroner/outbox, default ~/.local/state/coroner/outbox).
 *
 *   <event_id>.envelope   the exact bytes to send, written atomically
 *                         (tmp + fsync + rename + fsync dir) before any network I/O
 *   <event_id>.state      attempts, next attempt, last error (GKeyFile, atomic)
 *   rate-limits           the server's limits per category, so they survive restarts
 *   sent/<event_id>.envelope, sent/<event_id>.response   what was sent and the answer
 *   rejected/…            what the server refused for good (400, 413, …), with its answer
 *
 * A sender claims an entry with flock() on its .envelope file, so two senders
 * (the reporter and coronerctl) never send the same entry at once, and a
 * sender killed mid-send loses the lock with its life: the entry is still
 * pending and goes out on the next flush.  A 2xx is committed by renaming the
 * envelope into sent/ (atomic) before anything else, so once an answer is
 * confirmed the entry can never be sent again.  The event_id is in the bytes,
 * so every retry carries the same one.
 */
#pragma once

#include <gio/gio.h>

#include "sentry-transport.h"

G_BEGIN_DECLS

typedef struct {
    guint max_count;         /* pending envelopes kept; 0: 50 */
    guint64 max_bytes;       /* bytes of pending envelopes; 0: 256 MiB */
    gint64 max_age_sec;      /* pending envelopes older than this are dropped; 0: 30 days */
    guint max_sent;          /* entries kept in sent/ and rejected/ each; 0: 100 */
    gint64 backoff_base_ms;  /* first retry delay; 0: 60 s */
    gint64 backoff_max_ms;   /* longest retry delay; 0: 6 h */
} CoronerSentryOutboxPolicy;

typedef struct CoronerSentryOutbox CoronerSentryOutbox;

/* Opens (creating it 0700) dir, or the default when dir is NULL. */
CoronerSentryOutbox *coroner_sentry_outbox_open(const char *dir,
                                                const CoronerSentryOutboxPolicy *policy,
                                                GError **error);
void coroner_sentry_outbox_free(CoronerSentryOutbox *outbox);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerSentryOutbox, coroner_sentry_outbox_free)

const char *coroner_sentry_outbox_get_path(const CoronerSentryOutbox *outbox);

/* The default directory: $XDG_STATE_HOME/coroner/outbox. Caller frees. */
char *coroner_sentry_outbox_default_path(void);

/*
 * Queues envelope bytes durably (the file is complete and fsync'd when this
 * returns).  Queuing an event_id that is already pending or sent changes
 * nothing and succeeds.  Fails when the envelope is malformed or the bounds
 * leave no room even after dropping older entries.
 */
gboolean coroner_sentry_outbox_add(CoronerSentryOutbox *outbox, GBytes *envelope,
                                   char **ret_event_id, GError **error);

typedef enum {
    CORONER_SENTRY_ENTRY_PENDING,
    CORONER_SENTRY_ENTRY_SENT,
    CORONER_SENTRY_ENTRY_REJECTED,
} CoronerSentryEntryState;

/* "pending", "sent" or "rejected", as coronerctl and coroner-sentry-tool print it. */
const char *coroner_sentry_entry_state_name(CoronerSentryEntryState state);

typedef struct {
    char *event_id;
    CoronerSentryEntryState state;
    guint64 size;
    gint64 created_usec;
    guint attempts;
    gint64 next_attempt_usec; /* 0: now */
    guint last_status;        /* last HTTP status, 0 if none */
    char *last_error;         /* last failure, or NULL */
} CoronerSentryOutboxEntry;

void coroner_sentry_outbox_entry_free(CoronerSentryOutboxEntry *entry);

/* Every entry, pending ones first, each group oldest first. */
GPtrArray *coroner_sentry_outbox_list(CoronerSentryOutbox *outbox, GError **error);

/* The stored bytes of a pending or sent entry. */
GBytes *coroner_sentry_outbox_get(CoronerSentryOutbox *outbox, const char *event_id,
                                  GError **error);

typedef struct {
    guint sent;     /* confirmed by a 2xx */
    guint failed;   /* no answer or an error status: retried later */
    guint deferred; /* not tried: backoff or rate limit not over, or claimed by another sender */
    guint rejected; /* refused for good by the server */
    guint dropped;  /* removed by the bounds */
    gint64 next_attempt_usec; /* the earliest time something is due again, 0 if nothing pending */
    guint items_dropped; /* items left out of sent reports because their category was rate-limited */
} CoronerSentryFlushResult;

/*
 * Tries every pending entry that is due.  force ignores the backoff schedule
 * (not the server's rate limits).  Fails only when the outbox itself cannot
 * be read; per-entry failures are counted in the result and kept in the
 * entries' state.
 */
gboolean coroner_sentry_outbox_flush(CoronerSentryOutbox *outbox,
                                     CoronerSentryTransport *transport, gboolean force,
                                     CoronerSentryFlushResult *ret_result,
                                     GCancellable *cancellable, GError **error);

/* The same in a worker thread, for the GTK reporter. */
void coroner_sentry_outbox_flush_async(CoronerSentryOutbox *outbox,
                                       CoronerSentryTransport *transport, gboolean force,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean coroner_sentry_outbox_flush_finish(CoronerSentryOutbox *outbox, GAsyncResult *result,
                                            CoronerSentryFlushResult *ret_result, GError **error);

/* The retry delay after attempts failures: base·2^(attempts−1), capped, times a jitter in [0.5, 1]. */
gint64 coroner_sentry_backoff_delay_ms(const CoronerSentryOutboxPolicy *policy, guint attempts);

G_END_DECLS
