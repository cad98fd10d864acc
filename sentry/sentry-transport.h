/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One envelope POSTed to a Sentry server with libsoup 3: gzip body,
 * X-Sentry-Auth, Content-Type application/x-sentry-envelope, TLS certificates
 * verified (libsoup refuses an unverified one; we never override that).  The
 * transport only reports what happened; the outbox decides what it means.
 */
#pragma once

#include <gio/gio.h>

#include "sentry-dsn.h"

G_BEGIN_DECLS

typedef struct {
    guint timeout_sec;   /* the whole send (connect to last byte); 0: CORONER_SENTRY_DEFAULT_TIMEOUT_SEC */
    const char *ca_file; /* PEM trust anchors replacing the system's (tests); NULL: the system's */
} CoronerSentryTransportOptions;

#define CORONER_SENTRY_DEFAULT_TIMEOUT_SEC 30

/* What is read of a response body at most: Sentry answers {"id": …}; the rest is dropped. */
#define CORONER_SENTRY_MAX_RESPONSE_BYTES (1u << 20)

typedef struct {
    guint status;      /* the HTTP status */
    char *retry_after; /* Retry-After, or NULL */
    char *rate_limits; /* X-Sentry-Rate-Limits, or NULL */
    GBytes *body;      /* what the server answered (Sentry: {"id": …}), at most 1 MiB */
    gboolean body_cut; /* the server sent more than CORONER_SENTRY_MAX_RESPONSE_BYTES */
} CoronerSentryResponse;

void coroner_sentry_response_free(CoronerSentryResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerSentryResponse, coroner_sentry_response_free)

typedef struct CoronerSentryTransport CoronerSentryTransport;

CoronerSentryTransport *coroner_sentry_transport_new(const CoronerSentryTransportOptions *options,
                                                     GError **error);
void coroner_sentry_transport_free(CoronerSentryTransport *transport);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerSentryTransport, coroner_sentry_transport_free)

/*
 * POSTs envelope (uncompressed bytes; gzipped here) to the DSN's envelope
 * endpoint.  Any HTTP answer is a response, whatever its status; no answer
 * (refused, timeout, TLS failure, cancelled) is a GError.  The whole send
 * has one deadline (timeout_sec): a server that drips its answer a byte at a
 * time is cut off there (G_IO_ERROR_TIMED_OUT).
 */
CoronerSentryResponse *coroner_sentry_transport_send(CoronerSentryTransport *transport,
                                                     const CoronerSentryDsn *dsn, GBytes *envelope,
                                                     GCancellable *cancellable, GError **error);

/* gzip (RFC 1952) of data. */
GBytes *coroner_sentry_gzip(GBytes *data, GError **error);

G_END_DECLS
