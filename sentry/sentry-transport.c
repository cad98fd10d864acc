/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-transport.h"

#include <libsoup/soup.h>

#include "build-config.h"

#define CLIENT_NAME "coroner/" CORONER_VERSION

struct CoronerSentryTransport {
    SoupSession *session;
    guint deadline_sec;
};

/*
 * The deadline of one send: a thread that cancels it when the time is up.
 * libsoup's own timeout is per read, which a server dripping one byte a
 * second never trips.
 */
typedef struct {
    GMutex lock;
    GCond done_cond;
    gboolean done;
    gint64 deadline;
    GCancellable *cancel;
    gboolean fired;
} Watchdog;

static gpointer watchdog_run(gpointer data)
{
    Watchdog *w = data;
    g_mutex_lock(&w->lock);
    while (!w->done)
        if (!g_cond_wait_until(&w->done_cond, &w->lock, w->deadline) && !w->done) {
            w->fired = TRUE;
            g_cancellable_cancel(w->cancel);
            break;
        }
    g_mutex_unlock(&w->lock);
    return NULL;
}

static void on_caller_cancelled(GCancellable *caller, gpointer data)
{
    g_cancellable_cancel(G_CANCELLABLE(data));
}

void coroner_sentry_response_free(CoronerSentryResponse *response)
{
    if (!response)
        return;
    g_free(response->retry_after);
    g_free(response->rate_limits);
    if (response->body)
        g_bytes_unref(response->body);
    g_free(response);
}

CoronerSentryTransport *coroner_sentry_transport_new(const CoronerSentryTransportOptions *options,
                                                     GError **error)
{
    guint timeout = options && options->timeout_sec ? options->timeout_sec
                                                    : CORONER_SENTRY_DEFAULT_TIMEOUT_SEC;
    g_autoptr(SoupSession) session = soup_session_new_with_options(
        "timeout", timeout, "idle-timeout", timeout, "user-agent", CLIENT_NAME, NULL);
    if (options && options->ca_file) {
        g_autoptr(GTlsDatabase) db = g_tls_file_database_new(options->ca_file, error);
        if (!db)
            return NULL;
        soup_session_set_tls_database(session, db);
    }
    CoronerSentryTransport *t = g_new0(CoronerSentryTransport, 1);
    t->session = g_steal_pointer(&session);
    t->deadline_sec = timeout;
    return t;
}

void coroner_sentry_transport_free(CoronerSentryTransport *transport)
{
    if (!transport)
        return;
    g_clear_object(&transport->session);
    g_free(transport);
}

GBytes *coroner_sentry_gzip(GBytes *data, GError **error)
{
    g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
    gsize in_size = 0;
    const guint8 *in = g_bytes_get_data(data, &in_size);
    /* Envelopes compress well; start at a quarter and grow. */
    gsize cap = MAX(in_size / 4, (gsize)4096);
    guint8 *out = g_malloc(cap);
    gsize out_len = 0;
    gsize in_pos = 0;
    for (;;) {
        gsize read = 0, written = 0;
        GConverterResult r =
            g_converter_convert(G_CONVERTER(compressor), in + in_pos, in_size - in_pos,
                                out + out_len, cap - out_len, G_CONVERTER_INPUT_AT_END, &read,
                                &written, error);
        if (r == G_CONVERTER_ERROR) {
            if (error && *error && g_error_matches(*error, G_IO_ERROR, G_IO_ERROR_NO_SPACE)) {
                g_clear_error(error);
                cap *= 2;
                out = g_realloc(out, cap);
                continue;
            }
            g_free(out);
            return NULL;
        }
        in_pos += read;
        out_len += written;
        if (r == G_CONVERTER_FINISHED)
            break;
        if (cap - out_len < 1024) {
            cap *= 2;
            out = g_realloc(out, cap);
        }
    }
    return g_bytes_new_take(out, out_len);
}

CoronerSentryResponse *coroner_sentry_transport_send(CoronerSentryTransport *transport,
                                                     const CoronerSentryDsn *dsn, GBytes *envelope,
                                                     GCancellable *cancellable, GError **error)
{
    g_autofree char *url = coroner_sentry_dsn_envelope_url(dsn);
    g_autofree char *auth = coroner_sentry_dsn_auth_header(dsn, CLIENT_NAME);
    g_autoptr(GBytes) body = coroner_sentry_gzip(envelope, error);
    if (!body)
        return NULL;

    g_autoptr(SoupMessage) msg = soup_message_new("POST", url);
    if (!msg) {
        g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DSN,
                    "Cannot make a request for %s", url);
        return NULL;
    }
    SoupMessageHeaders *headers = soup_message_get_request_headers(msg);
    soup_message_headers_append(headers, "X-Sentry-Auth", auth);
    soup_message_headers_append(headers, "Content-Encoding", "gzip");
    soup_message_set_request_body_from_bytes(msg, "application/x-sentry-envelope", body);

    g_autoptr(GCancellable) cancel = g_cancellable_new();
    gulong caller_handler =
        cancellable ? g_cancellable_connect(cancellable, G_CALLBACK(on_caller_cancelled),
                                            g_object_ref(cancel), g_object_unref)
                    : 0;
    Watchdog w = {.deadline = g_get_monotonic_time() +
                              (gint64)transport->deadline_sec * G_USEC_PER_SEC,
                  .cancel = cancel};
    g_mutex_init(&w.lock);
    g_cond_init(&w.done_cond);
    GThread *watchdog = g_thread_new("coroner-send-deadline", watchdog_run, &w);

    gboolean cut = FALSE;
    g_autoptr(GBytes) answer = NULL;
    g_autoptr(GError) local = NULL;
    g_autoptr(GInputStream) in = soup_session_send(transport->session, msg, cancel, &local);
    if (in) {
        /* At most the cap is kept; past it the connection is closed, not drained. */
        g_autoptr(GByteArray) got = g_byte_array_new();
        guint8 buf[16384];
        for (;;) {
            gssize n = g_input_stream_read(in, buf, sizeof buf, cancel, &local);
            if (n <= 0)
                break;
            gsize room = CORONER_SENTRY_MAX_RESPONSE_BYTES - got->len;
            g_byte_array_append(got, buf, (guint)MIN((gsize)n, room));
            if ((gsize)n > room) {
                cut = TRUE;
                break;
            }
        }
        (void)g_input_stream_close(in, NULL, NULL);
        if (!local)
            answer = g_byte_array_free_to_bytes(g_steal_pointer(&got));
    }

    g_mutex_lock(&w.lock);
    w.done = TRUE;
    g_cond_signal(&w.done_cond);
    g_mutex_unlock(&w.lock);
    g_thread_join(watchdog);
    g_mutex_clear(&w.lock);
    g_cond_clear(&w.done_cond);
    if (cancellable)
        g_cancellable_disconnect(cancellable, caller_handler);

    if (!answer) {
        if (w.fired)
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                        "No complete answer from %s within %u s", url, transport->deadline_sec);
        else
            g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    SoupMessageHeaders *rh = soup_message_get_response_headers(msg);
    CoronerSentryResponse *response = g_new0(CoronerSentryResponse, 1);
    response->status = soup_message_get_status(msg);
    response->retry_after = g_strdup(soup_message_headers_get_one(rh, "Retry-After"));
    response->rate_limits = g_strdup(soup_message_headers_get_one(rh, "X-Sentry-Rate-Limits"));
    response->body = g_steal_pointer(&answer);
    response->body_cut = cut;
    return response;
}
