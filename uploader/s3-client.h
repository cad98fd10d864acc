/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The few S3 requests coroner-upload makes — PutObject and the multipart
 * upload (Create, UploadPart, Complete, Abort) — signed with AWS Signature
 * Version 4 by libcurl (CURLOPT_AWS_SIGV4).  Every body is a buffer in
 * memory (one part at most), whose SHA-256 goes into x-amz-content-sha256,
 * so the signature covers the bytes and the server can refuse a body that
 * changed on the way.  Requests that fail for a reason that may pass
 * (connection refused, a timeout, HTTP 5xx or 429) are tried again with
 * exponential backoff; the others fail at once with S3's own words.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define S3_ERROR (s3_error_quark())
GQuark s3_error_quark(void);

typedef enum {
    S3_ERROR_TRANSIENT, /* worth trying again later: the server is down, busy or failing */
    S3_ERROR_REFUSED,   /* the server said no (credentials, bucket, signature): fix the config */
} S3Error;

typedef struct {
    const char *endpoint;   /* "https://s3.eu-west-1.amazonaws.com", "http://127.0.0.1:9000" */
    const char *bucket;
    const char *region;
    const char *access_key_id;
    const char *secret_access_key;
    gboolean path_style;
    unsigned attempts;      /* per request, at least 1 */
    unsigned backoff_ms;    /* before the second attempt; doubles each time */
} S3Options;

typedef struct S3Client S3Client;

S3Client *s3_client_new(const S3Options *options, GError **error);
void s3_client_free(S3Client *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(S3Client, s3_client_free)

/* The object's URL (for messages). Caller frees. */
char *s3_client_object_url(S3Client *client, const char *key);

gboolean s3_put_object(S3Client *client, const char *key, const void *data, gsize length,
                       GError **error);

/* Starts a multipart upload; *ret_upload_id is the server's id. */
gboolean s3_multipart_create(S3Client *client, const char *key, char **ret_upload_id,
                             GError **error);

/* Sends part number (1…10000); the ETag the server returned is kept for Complete. */
gboolean s3_multipart_upload_part(S3Client *client, const char *key, const char *upload_id,
                                  unsigned number, const void *data, gsize length,
                                  char **ret_etag, GError **error);

/* etags[i] is part i + 1's. */
gboolean s3_multipart_complete(S3Client *client, const char *key, const char *upload_id,
                               GPtrArray *etags, GError **error);

gboolean s3_multipart_abort(S3Client *client, const char *key, const char *upload_id,
                            GError **error);

G_END_DECLS
