/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the outbox's two files share: sentry-outbox.c keeps the directory
 * (entries, their state, bounds) and sentry-outbox-flush.c sends them.
 * Nothing outside the outbox includes this.
 */
#pragma once

#include "sentry-outbox.h"

G_BEGIN_DECLS

#define ENVELOPE_SUFFIX ".envelope"
#define STATE_SUFFIX ".state"
#define RESPONSE_SUFFIX ".response"
#define RATE_LIMITS_FILE "rate-limits"
#define SENT_DIR "sent"
#define REJECTED_DIR "rejected"
/* What libcoroner's atomic write leaves where O_TMPFILE is not supported and it is killed. */
#define TMP_PREFIX ".#coroner."
#define STATE_GROUP "Outbox"
/* A temporary file older than this was left by a writer that died. */
#define STALE_TMP_USEC (10 * 60 * G_USEC_PER_SEC)
/* The stored answer of a server is for people to read; a few KiB say it all. */
#define MAX_STORED_ANSWER 16384

struct CoronerSentryOutbox {
    char *path;
    int dir_fd;
    int sent_fd;
    int rejected_fd;
    CoronerSentryOutboxPolicy policy;
};

/* An entry's <event_id>.state. */
typedef struct {
    guint attempts;
    gint64 next_attempt_usec;
    gint64 created_usec;
    guint last_status;
    char *last_error;
} EntryState;


/* "<event_id><suffix>". Caller frees. */
char *outbox_name_for(const char *event_id, const char *suffix);
/* Reads a key file of the outbox; an empty one when it is absent or unreadable. */
GKeyFile *outbox_read_key_file(int dir_fd, const char *name);
/* Writes a key file of the outbox atomically. */
gboolean outbox_write_key_file(int dir_fd, const char *name, GKeyFile *kf, GError **error);
/* The whole content of fd. */
GBytes *outbox_read_fd(int fd, GError **error);

void outbox_entry_state_load(CoronerSentryOutbox *o, const char *event_id, EntryState *ret);
gboolean outbox_entry_state_save(CoronerSentryOutbox *o, const char *event_id,
                                 const EntryState *s, GError **error);
void outbox_entry_state_clear(EntryState *s);

/* The entries of one of the outbox's directories (CoronerSentryOutboxEntry*). */
GPtrArray *outbox_list_dir(CoronerSentryOutbox *o, int dir_fd, CoronerSentryEntryState state,
                           GError **error);
/* Orders CoronerSentryOutboxEntry* oldest first. */
int outbox_oldest_first(gconstpointer a, gconstpointer b);

/*
 * Locks event_id's pending envelope for sending.  Returns the locked fd,
 * -EAGAIN when another sender holds it, -ENOENT when it is gone.
 */
int outbox_claim(CoronerSentryOutbox *o, const char *event_id);
/* Drops stale temporary files, then pending entries beyond the bounds, oldest first. */
guint outbox_enforce_bounds(CoronerSentryOutbox *o, guint64 reserve_bytes, guint reserve_count,
                            gint64 now);
/* Keeps the newest max_sent entries of sent/ or rejected/. */
void outbox_prune_done(CoronerSentryOutbox *o, int dir_fd);

G_END_DECLS
