/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sentry DSNs: `{scheme}://{public_key}[:{secret}]@{host}[:{port}]/{path/}{project_id}`.
 *
 * The DSN says where envelopes go (`{scheme}://{host}[:{port}]/{path/}api/{project_id}/envelope/`)
 * and how to authenticate (the X-Sentry-Auth header carries the public key).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CORONER_SENTRY_ERROR (coroner_sentry_error_quark())
GQuark coroner_sentry_error_quark(void);

typedef enum {
    CORONER_SENTRY_ERROR_INVALID_DSN,    /* the DSN cannot be parsed */
    CORONER_SENTRY_ERROR_DISABLED,       /* no DSN configured, or an administrator turned it off */
    CORONER_SENTRY_ERROR_INVALID_DATA,   /* a record, envelope or header we cannot use */
    CORONER_SENTRY_ERROR_RATE_LIMITED,   /* the server asked us to wait */
    CORONER_SENTRY_ERROR_SERVER,         /* the server answered with an error status */
    CORONER_SENTRY_ERROR_OUTBOX,         /* the outbox refused the report (bounds) */
} CoronerSentryError;

typedef struct {
    char *scheme;     /* "http" or "https" */
    char *public_key;
    char *secret_key; /* legacy, NULL when absent */
    char *host;       /* without brackets for IPv6 literals */
    int port;         /* explicit port, or the scheme's default */
    char *path;       /* prefix before the project id: "" or "/sub/path" (no trailing slash) */
    char *project_id;
    char *original;   /* the DSN as given (normalized: no surrounding white space) */
} CoronerSentryDsn;

/* Parses a DSN; a malformed one fails with CORONER_SENTRY_ERROR_INVALID_DSN saying what is wrong. */
CoronerSentryDsn *coroner_sentry_dsn_parse(const char *dsn, GError **error);
void coroner_sentry_dsn_free(CoronerSentryDsn *dsn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerSentryDsn, coroner_sentry_dsn_free)

/* `{scheme}://{host}[:{port}]{path}/api/{project_id}/envelope/`. Caller frees. */
char *coroner_sentry_dsn_envelope_url(const CoronerSentryDsn *dsn);

/* The X-Sentry-Auth header value for a client called client_name ("coroner/0.1.0"). */
char *coroner_sentry_dsn_auth_header(const CoronerSentryDsn *dsn, const char *client_name);

G_END_DECLS
