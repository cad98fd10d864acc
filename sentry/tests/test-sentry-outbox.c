/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "sentry-envelope.h"
#include "sentry-event.h"
#include "sentry-outbox.h"
#include "sentry-submit.h"
#include "coroner-test.h"

/* Nothing listens on port 1 of the loopback: every send is refused at once. */
#define REFUSED_DSN "http://0123456789abcdef0123456789abcdef@127.0.0.1:1/1"

static GBytes *envelope(const char *event_id, const char *dsn, gsize padding)
{
    g_autoptr(CoronerSentryEnvelope) env = coroner_sentry_envelope_new(event_id, dsn);
    g_autofree char *json = g_strdup_printf("{\"event_id\":\"%s\"}", event_id);
    g_autoptr(JsonNode) event = json_from_string(json, NULL);
    coroner_sentry_envelope_add_event(env, event);
    if (padding) {
        char *pad = g_malloc0(padding);
        coroner_sentry_envelope_add_attachment(env, "pad", NULL, g_bytes_new_take(pad, padding));
    }
    return coroner_sentry_envelope_serialize(env, NULL);
}

typedef struct {
    char *dir;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
    f->dir = coroner_test_tmpdir_new("sentry-outbox-XXXXXX");
}

static void teardown(Fixture *f, gconstpointer data)
{
    coroner_test_remove_tree(f->dir);
    g_free(f->dir);
}

static CoronerSentryOutbox *open_box(Fixture *f, const CoronerSentryOutboxPolicy *policy)
{
    g_autoptr(GError) error = NULL;
    CoronerSentryOutbox *o = coroner_sentry_outbox_open(f->dir, policy, &error);
    g_assert_no_error(error);
    return o;
}

static char *add(CoronerSentryOutbox *o, const char *dsn, gsize padding)
{
    g_autofree char *id = coroner_sentry_event_id_new();
    g_autoptr(GBytes) bytes = envelope(id, dsn, padding);
    g_autoptr(GError) error = NULL;
    char *got = NULL;
    gboolean ok = coroner_sentry_outbox_add(o, bytes, &got, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    g_assert_cmpstr(got, ==, id);
    return got;
}

static GPtrArray *list(CoronerSentryOutbox *o)
{
    g_autoptr(GError) error = NULL;
    GPtrArray *l = coroner_sentry_outbox_list(o, &error);
    g_assert_no_error(error);
    return l;
}

static void test_add(Fixture *f, gconstpointer data)
{
    g_autoptr(CoronerSentryOutbox) o = open_box(f, NULL);
    g_autofree char *id = coroner_sentry_event_id_new();
    g_autoptr(GBytes) bytes = envelope(id, REFUSED_DSN, 10);
    g_assert_true(coroner_sentry_outbox_add(o, bytes, NULL, NULL));
    /* Queuing the same event again changes nothing. */
    g_assert_true(coroner_sentry_outbox_add(o, bytes, NULL, NULL));
    g_autoptr(GPtrArray) l = list(o);
    g_assert_cmpuint(l->len, ==, 1);
    CoronerSentryOutboxEntry *e = l->pdata[0];
    g_assert_cmpstr(e->event_id, ==, id);
    g_assert_cmpint(e->state, ==, CORONER_SENTRY_ENTRY_PENDING);
    g_assert_cmpuint(e->size, ==, g_bytes_get_size(bytes));
    g_autoptr(GBytes) back = coroner_sentry_outbox_get(o, id, NULL);
    g_assert_true(g_bytes_equal(back, bytes));

    /* No temporary files are left behind. */
    g_autoptr(GDir) d = g_dir_open(f->dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(d)))
        g_assert_false(g_str_has_prefix(name, "."));

    /* Malformed and DSN-less envelopes are refused. */
    g_autoptr(GBytes) junk = g_bytes_new_static("junk", 4);
    g_autoptr(GError) error = NULL;
    g_assert_false(coroner_sentry_outbox_add(o, junk, NULL, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);
    g_autoptr(GBytes) nodsn = envelope(id, NULL, 0);
    g_assert_false(coroner_sentry_outbox_add(o, nodsn, NULL, &error));
    g_assert_nonnull(error);
}

static void test_bounds(Fixture *f, gconstpointer data)
{
    CoronerSentryOutboxPolicy policy = {.max_count = 2, .max_bytes = 8192};
    g_autoptr(CoronerSentryOutbox) o = open_box(f, &policy);
    g_autofree char *a = add(o, REFUSED_DSN, 0);
    g_usleep(2000);
    g_autofree char *b = add(o, REFUSED_DSN, 0);
    g_usleep(2000);
    g_autofree char *c = add(o, REFUSED_DSN, 0);
    g_autoptr(GPtrArray) l = list(o);
    g_assert_cmpuint(l->len, ==, 2);
    g_assert_cmpstr(((CoronerSentryOutboxEntry *)l->pdata[0])->event_id, ==, b);
    g_assert_cmpstr(((CoronerSentryOutboxEntry *)l->pdata[1])->event_id, ==, c);

    /* Bytes: a big one pushes the older ones out; one bigger than the bound is refused. */
    g_autofree char *big = add(o, REFUSED_DSN, 7600);
    g_autoptr(GPtrArray) l2 = list(o);
    g_assert_cmpuint(l2->len, ==, 1);
    g_autofree char *id = coroner_sentry_event_id_new();
    g_autoptr(GBytes) huge = envelope(id, REFUSED_DSN, 9000);
    g_autoptr(GError) error = NULL;
    g_assert_false(coroner_sentry_outbox_add(o, huge, NULL, &error));
    g_assert_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_OUTBOX);
}

static void test_backoff(Fixture *f, gconstpointer data)
{
    CoronerSentryOutboxPolicy policy = {.backoff_base_ms = 10000, .backoff_max_ms = 25000};
    for (guint i = 0; i < 100; i++) {
        gint64 d1 = coroner_sentry_backoff_delay_ms(&policy, 1);
        gint64 d2 = coroner_sentry_backoff_delay_ms(&policy, 2);
        gint64 d9 = coroner_sentry_backoff_delay_ms(&policy, 9);
        g_assert_cmpint(d1, >=, 5000);
        g_assert_cmpint(d1, <=, 10000);
        g_assert_cmpint(d2, >=, 10000);
        g_assert_cmpint(d2, <=, 20000);
        g_assert_cmpint(d9, >=, 12500);
        g_assert_cmpint(d9, <=, 25000);
    }
}

static void test_refused(Fixture *f, gconstpointer data)
{
    CoronerSentryOutboxPolicy policy = {.backoff_base_ms = 60000};
    g_autoptr(CoronerSentryOutbox) o = open_box(f, &policy);
    g_autofree char *id = add(o, REFUSED_DSN, 0);
    CoronerSentryTransportOptions to = {.timeout_sec = 5};
    g_autoptr(CoronerSentryTransport) t = coroner_sentry_transport_new(&to, NULL);

    CoronerSentryFlushResult r;
    gint64 before = g_get_real_time();
    g_assert_true(coroner_sentry_outbox_flush(o, t, FALSE, &r, NULL, NULL));
    g_assert_cmpuint(r.failed, ==, 1);
    g_assert_cmpuint(r.sent, ==, 0);
    g_autoptr(GPtrArray) l = list(o);
    CoronerSentryOutboxEntry *e = l->pdata[0];
    g_assert_cmpuint(e->attempts, ==, 1);
    g_assert_nonnull(e->last_error);
    g_assert_cmpint(e->next_attempt_usec, >=, before + 30 * G_USEC_PER_SEC);
    g_assert_cmpint(e->next_attempt_usec, <=, g_get_real_time() + 60 * G_USEC_PER_SEC);

    /* Not due yet: nothing is tried. */
    g_assert_true(coroner_sentry_outbox_flush(o, t, FALSE, &r, NULL, NULL));
    g_assert_cmpuint(r.deferred, ==, 1);
    g_assert_cmpuint(r.failed, ==, 0);
    g_assert_cmpint(r.next_attempt_usec, ==, e->next_attempt_usec);

    /* Forced: tried again, and the delay doubles. */
    before = g_get_real_time();
    g_assert_true(coroner_sentry_outbox_flush(o, t, TRUE, &r, NULL, NULL));
    g_assert_cmpuint(r.failed, ==, 1);
    g_autoptr(GPtrArray) l2 = list(o);
    e = l2->pdata[0];
    g_assert_cmpuint(e->attempts, ==, 2);
    g_assert_cmpint(e->next_attempt_usec, >=, before + 60 * G_USEC_PER_SEC);
}

/* The front door's second half: queued durably, flushed, and the entry's state reported. */
static void test_submit_envelope(Fixture *f, gconstpointer data)
{
    CoronerSentryOutboxPolicy policy = {.backoff_base_ms = 60000};
    g_autoptr(CoronerSentryOutbox) o = open_box(f, &policy);
    g_autofree char *id = coroner_sentry_event_id_new();
    g_autoptr(GBytes) bytes = envelope(id, REFUSED_DSN, 0);
    g_autoptr(GError) error = NULL;

    /* Queued only. */
    g_auto(CoronerSentrySubmitResult) queued = {0};
    g_assert_true(coroner_sentry_submit_envelope(o, NULL, bytes, TRUE, FALSE, NULL, &queued, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(queued.event_id, ==, id);
    g_assert_nonnull(queued.entry);
    g_assert_cmpint(queued.entry->state, ==, CORONER_SENTRY_ENTRY_PENDING);
    g_assert_cmpuint(queued.entry->attempts, ==, 0);
    g_assert_null(queued.flush_error);

    /* Sent (refused by the network): still queued, the attempt counted, no error. */
    CoronerSentryTransportOptions to = {.timeout_sec = 5};
    g_autoptr(CoronerSentryTransport) t = coroner_sentry_transport_new(&to, NULL);
    g_auto(CoronerSentrySubmitResult) tried = {0};
    g_assert_true(coroner_sentry_submit_envelope(o, t, bytes, FALSE, TRUE, NULL, &tried, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(tried.flush.failed, ==, 1);
    g_assert_cmpuint(tried.entry->attempts, ==, 1);
    g_assert_nonnull(tried.entry->last_error);

    /* A flush alone reports no entry; bytes the outbox refuses are an error. */
    g_auto(CoronerSentrySubmitResult) flushed = {0};
    g_assert_true(coroner_sentry_submit_envelope(o, t, NULL, FALSE, FALSE, NULL, &flushed, &error));
    g_assert_null(flushed.event_id);
    g_assert_null(flushed.entry);
    g_assert_cmpuint(flushed.flush.deferred, ==, 1);
    g_autoptr(GBytes) junk = g_bytes_new_static("junk", 4);
    g_auto(CoronerSentrySubmitResult) refused = {0};
    g_assert_false(coroner_sentry_submit_envelope(o, t, junk, TRUE, FALSE, NULL, &refused, &error));
    g_assert_nonnull(error);
}

static void test_claimed(Fixture *f, gconstpointer data)
{
    g_autoptr(CoronerSentryOutbox) o = open_box(f, NULL);
    g_autofree char *id = add(o, REFUSED_DSN, 0);
    g_autofree char *path = g_strdup_printf("%s/%s.envelope", f->dir, id);
    /* Another sender holds the entry: we leave it alone. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(flock(fd, LOCK_EX), ==, 0);
    g_autoptr(CoronerSentryTransport) t = coroner_sentry_transport_new(NULL, NULL);
    CoronerSentryFlushResult r;
    g_assert_true(coroner_sentry_outbox_flush(o, t, TRUE, &r, NULL, NULL));
    g_assert_cmpuint(r.deferred, ==, 1);
    g_assert_cmpuint(r.failed, ==, 0);
    close(fd);
}

static void test_unsendable(Fixture *f, gconstpointer data)
{
    g_autoptr(CoronerSentryOutbox) o = open_box(f, NULL);
    /* A DSN that cannot be parsed can never be sent: rejected, kept for people, not retried. */
    g_autofree char *id = add(o, "nonsense", 0);
    g_autoptr(CoronerSentryTransport) t = coroner_sentry_transport_new(NULL, NULL);
    CoronerSentryFlushResult r;
    g_assert_true(coroner_sentry_outbox_flush(o, t, FALSE, &r, NULL, NULL));
    g_assert_cmpuint(r.rejected, ==, 1);
    g_autoptr(GPtrArray) l = list(o);
    g_assert_cmpuint(l->len, ==, 1);
    g_assert_cmpint(((CoronerSentryOutboxEntry *)l->pdata[0])->state, ==, CORONER_SENTRY_ENTRY_REJECTED);
}

static void test_async(Fixture *f, gconstpointer data);

/* The one spelling coronerctl and coroner-sentry-tool print. */
static void test_state_names(void)
{
    g_assert_cmpstr(coroner_sentry_entry_state_name(CORONER_SENTRY_ENTRY_PENDING), ==, "pending");
    g_assert_cmpstr(coroner_sentry_entry_state_name(CORONER_SENTRY_ENTRY_SENT), ==, "sent");
    g_assert_cmpstr(coroner_sentry_entry_state_name(CORONER_SENTRY_ENTRY_REJECTED), ==, "rejected");
    g_assert_cmpstr(coroner_sentry_entry_state_name((CoronerSentryEntryState)7), ==, "unknown");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/sentry/outbox/add", Fixture, NULL, setup, test_add, teardown);
    g_test_add("/sentry/outbox/bounds", Fixture, NULL, setup, test_bounds, teardown);
    g_test_add("/sentry/outbox/backoff", Fixture, NULL, setup, test_backoff, teardown);
    g_test_add("/sentry/outbox/refused", Fixture, NULL, setup, test_refused, teardown);
    g_test_add("/sentry/outbox/claimed", Fixture, NULL, setup, test_claimed, teardown);
    g_test_add("/sentry/outbox/submit-envelope", Fixture, NULL, setup, test_submit_envelope,
               teardown);
    g_test_add("/sentry/outbox/unsendable", Fixture, NULL, setup, test_unsendable, teardown);
    g_test_add("/sentry/outbox/async", Fixture, NULL, setup, test_async, teardown);
    g_test_add_func("/sentry/outbox/state-names", test_state_names);
    return g_test_run();
}

static void on_flushed(GObject *source, GAsyncResult *res, gpointer user_data)
{
    CoronerSentryFlushResult r;
    g_autoptr(GError) error = NULL;
    g_assert_true(coroner_sentry_outbox_flush_finish(NULL, res, &r, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(r.failed, ==, 1);
    g_main_loop_quit(user_data);
}

static void test_async(Fixture *f, gconstpointer data)
{
    g_autoptr(CoronerSentryOutbox) o = open_box(f, NULL);
    g_autofree char *id = add(o, REFUSED_DSN, 0);
    g_autoptr(CoronerSentryTransport) t = coroner_sentry_transport_new(NULL, NULL);
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    coroner_sentry_outbox_flush_async(o, t, FALSE, NULL, on_flushed, loop);
    g_main_loop_run(loop);
}
