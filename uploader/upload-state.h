/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coroner-upload's durable memory, in its state directory:
 *
 *   uploaded/<entry id>   this crash's bundle is in the bucket (key, size, SHA-256, time)
 *   pending/<entry id>    a multipart upload was started (key, upload id), not finished
 *
 * A marker is written (fsync'd file, linked into place, directory fsync'd)
 * only after the server confirmed the whole object, so a crash that was not
 * confirmed is uploaded again; the object name depends only on the crash, so
 * doing so replaces the object and never makes a second one.  Pending
 * markers let the next start abort multipart uploads a killed run left, so
 * their parts do not linger (and cost) in the bucket.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct {
    int dir_fd;
    int uploaded_fd;
    int pending_fd;
} UploadState;

/* Opens (creating what is missing) the state directory. */
UploadState *upload_state_open(const char *path, GError **error);
void upload_state_free(UploadState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(UploadState, upload_state_free)

gboolean upload_state_is_uploaded(UploadState *state, const char *entry_id);

gboolean upload_state_mark_uploaded(UploadState *state, const char *entry_id, const char *key,
                                    uint64_t size, const char *sha256, GError **error);

/* Forgets markers of entries that left the store (ids not in present). */
void upload_state_prune(UploadState *state, GHashTable *present);

gboolean upload_state_set_pending(UploadState *state, const char *entry_id, const char *key,
                                  const char *upload_id, GError **error);
void upload_state_clear_pending(UploadState *state, const char *entry_id);

/* Every pending upload: entry id → "key\nupload id". */
GHashTable *upload_state_list_pending(UploadState *state);

G_END_DECLS
