/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-dsn.h"

#include <string.h>

#include "str-util.h"

/* Sentry's public and (legacy) secret keys. */
#define SENTRY_KEY_DIGITS 32

G_DEFINE_QUARK(coroner-sentry-error-quark, coroner_sentry_error)

void coroner_sentry_dsn_free(CoronerSentryDsn *dsn)
{
    if (!dsn)
        return;
    g_free(dsn->scheme);
    g_free(dsn->public_key);
    g_free(dsn->secret_key);
    g_free(dsn->host);
    g_free(dsn->path);
    g_free(dsn->project_id);
    g_free(dsn->original);
    g_free(dsn);
}

static gboolean fail(GError **error, const char *dsn, const char *why)
{
    g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DSN,
                "Invalid Sentry DSN “%s”: %s", dsn, why);
    return FALSE;
}

/* A control character, raw or percent-encoded (%00–%1F, %7F), anywhere in the text. */
static gboolean has_control(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (g_ascii_iscntrl(*p))
            return TRUE;
        if (p[0] == '%' && g_ascii_isxdigit(p[1]) && g_ascii_isxdigit(p[2])) {
            int byte = g_ascii_xdigit_value(p[1]) << 4 | g_ascii_xdigit_value(p[2]);
            if (byte < 0x20 || byte == 0x7f)
                return TRUE;
        }
    }
    return FALSE;
}

static gboolean is_sentry_key(const char *key)
{
    return strlen(key) == SENTRY_KEY_DIGITS && coroner_str_is_hex(key);
}

CoronerSentryDsn *coroner_sentry_dsn_parse(const char *text, GError **error)
{
    if (!text) {
        fail(error, "", "no DSN given");
        return NULL;
    }
    /* Surrounding white space (a newline from a file) is not part of it. */
    g_autofree char *dsn = g_strstrip(g_strdup(text));
    if (!*dsn) {
        fail(error, dsn, "it is empty");
        return NULL;
    }
    if (has_control(dsn)) {
        g_autofree char *shown = g_strescape(dsn, NULL);
        fail(error, shown, "it holds a control character (raw or percent-encoded)");
        return NULL;
    }

    g_autoptr(GError) local = NULL;
    g_autoptr(GUri) uri = g_uri_parse(dsn, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, &local);
    if (!uri) {
        fail(error, dsn, local->message);
        return NULL;
    }
    const char *scheme = g_uri_get_scheme(uri);
    if (g_ascii_strcasecmp(scheme, "http") != 0 && g_ascii_strcasecmp(scheme, "https") != 0) {
        fail(error, dsn, "the scheme must be http or https");
        return NULL;
    }
    const char *user = g_uri_get_user(uri);
    if (!user || !*user) {
        fail(error, dsn, "the public key (before “@”) is missing");
        return NULL;
    }
    const char *host = g_uri_get_host(uri);
    if (!host || !*host) {
        fail(error, dsn, "the host is missing");
        return NULL;
    }
    if (g_uri_get_query(uri) || g_uri_get_fragment(uri)) {
        fail(error, dsn, "a DSN has no query or fragment");
        return NULL;
    }
    const char *path = g_uri_get_path(uri);
    const char *slash = strrchr(path, '/');
    if (!slash) {
        fail(error, dsn, "the project id (the last path component) is missing");
        return NULL;
    }
    if (!coroner_str_is_digits(slash + 1)) {
        fail(error, dsn, slash[1] ? "the project id must be a number"
                                  : "the project id (the last path component) is missing");
        return NULL;
    }

    const char *password = g_uri_get_password(uri);
    /*
     * A key goes verbatim into the X-Sentry-Auth header.  Sentry (Relay) takes
     * only keys of 32 hexadecimal digits, so anything else is refused here,
     * before any request: a control character (CR/LF would split the header;
     * libsoup then drops it and the request leaves unauthenticated), a
     * percent-encoded one, or a key no Sentry would accept anyway.
     */
    if (!is_sentry_key(user) || (password && *password && !is_sentry_key(password))) {
        fail(error, dsn, "a key must be 32 hexadecimal digits");
        return NULL;
    }
    g_autoptr(CoronerSentryDsn) out = g_new0(CoronerSentryDsn, 1);
    out->scheme = g_ascii_strdown(scheme, -1);
    out->public_key = g_strdup(user);
    out->secret_key = password && *password ? g_strdup(password) : NULL;
    out->host = g_ascii_strdown(host, -1);
    int port = g_uri_get_port(uri);
    out->port = port > 0 ? port : (strcmp(out->scheme, "https") == 0 ? 443 : 80);
    out->path = g_strndup(path, (gsize)(slash - path));
    out->project_id = g_strdup(slash + 1);
    out->original = g_steal_pointer(&dsn);
    return g_steal_pointer(&out);
}

char *coroner_sentry_dsn_envelope_url(const CoronerSentryDsn *dsn)
{
    gboolean default_port = (strcmp(dsn->scheme, "https") == 0 && dsn->port == 443) ||
                            (strcmp(dsn->scheme, "http") == 0 && dsn->port == 80);
    gboolean ipv6 = strchr(dsn->host, ':') != NULL;
    g_autofree char *port = default_port ? g_strdup("") : g_strdup_printf(":%d", dsn->port);
    return g_strdup_printf("%s://%s%s%s%s%s/api/%s/envelope/", dsn->scheme, ipv6 ? "[" : "",
                           dsn->host, ipv6 ? "]" : "", port, dsn->path, dsn->project_id);
}

char *coroner_sentry_dsn_auth_header(const CoronerSentryDsn *dsn, const char *client_name)
{
    GString *s = g_string_new("Sentry sentry_version=7");
    g_string_append_printf(s, ", sentry_client=%s", client_name);
    g_string_append_printf(s, ", sentry_key=%s", dsn->public_key);
    if (dsn->secret_key)
        g_string_append_printf(s, ", sentry_secret=%s", dsn->secret_key);
    return g_string_free(s, FALSE);
}
