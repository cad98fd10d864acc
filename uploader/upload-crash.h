/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One crash into the bucket: its bundle is written straight into the upload
 * (bundle.c → part buffer → S3), one part in memory at a time: a single
 * PutObject when the bundle fits one part, a multipart upload otherwise.
 * The core is read under the entry lock (shared), so a core still being
 * written is never sent; such an entry fails with G_IO_ERROR_BUSY.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "config.h"
#include "crash-record.h"
#include "s3-client.h"
#include "store.h"
#include "upload-state.h"

G_BEGIN_DECLS

typedef struct {
    S3Client *s3;
    UploadState *state;
    CoronerStore *store;
    const CoronerUploadConfig *config;
} Uploader;

typedef struct {
    char *key;
    uint64_t size;
    char sha256[65];
    unsigned parts;   /* 0: a single PutObject */
    gboolean deleted; /* DeleteAfterUpload removed the entry from the store */
} UploadResult;

void upload_result_clear(UploadResult *result);

/* Uploads the crash whose record is record_name in the store, and marks it uploaded. */
gboolean upload_crash(Uploader *u, const char *entry_id, const char *record_name,
                      UploadResult *ret, GError **error);

/* Aborts the multipart uploads a killed earlier run left (best effort). */
void upload_abort_leftovers(Uploader *u);

G_END_DECLS
