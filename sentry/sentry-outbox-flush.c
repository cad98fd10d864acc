/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sending the outbox (see sentry-outbox.h): each pending entry claimed,
 * sent, and moved to sent/ or rejected/ or rescheduled, within the server's
 * rate limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "sentry-envelope.h"
#include "fs-util.h"
#include "sentry-outbox-private.h"
#include "sentry-ratelimit.h"

/*
 * Rate limits belong to one server and project (what a DSN names, whatever
 * its key): a 429 from one never holds reports for another.  Each is kept in
 * its own file, "rate-limits.<first 16 hex digits of SHA-256 of the key>".
 */
static char *rate_limits_key(const CoronerSentryDsn *dsn)
{
    return g_strdup_printf("%s://%s:%d%s/%s", dsn->scheme, dsn->host, dsn->port, dsn->path,
                           dsn->project_id);
}

static char *rate_limits_file(const char *key)
{
    g_autofree char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, key, -1);
    return g_strdup_printf(RATE_LIMITS_FILE ".%.16s", hash);
}

static CoronerSentryRateLimits *load_rate_limits(CoronerSentryOutbox *o, const char *key)
{
    CoronerSentryRateLimits *limits = coroner_sentry_rate_limits_new();
    g_autofree char *name = rate_limits_file(key);
    g_autoptr(GKeyFile) kf = outbox_read_key_file(o->dir_fd, name);
    coroner_sentry_rate_limits_from_key_file(limits, kf);
    return limits;
}

static void save_rate_limits(CoronerSentryOutbox *o, const CoronerSentryRateLimits *limits,
                             const char *key, gint64 now)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    coroner_sentry_rate_limits_to_key_file(limits, kf, now);
    g_key_file_set_string(kf, "Server", "Project", key);
    g_autofree char *name = rate_limits_file(key);
    g_autoptr(GError) error = NULL;
    if (!outbox_write_key_file(o->dir_fd, name, kf, &error))
        g_warning("%s", error->message);
}

static gboolean write_response(int dir_fd, const char *event_id, guint status,
                               const CoronerSentryResponse *response, const char *error_text,
                               guint attempts, const GPtrArray *dropped, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_key_file_set_uint64(kf, "Response", "Status", status);
    if (dropped && dropped->len > 0)
        g_key_file_set_string_list(kf, "Response", "DroppedRateLimited",
                                   (const char *const *)dropped->pdata, dropped->len);
    g_key_file_set_uint64(kf, "Response", "Attempts", attempts);
    g_autofree char *when = coroner_sentry_format_time(g_get_real_time());
    g_key_file_set_string(kf, "Response", "Time", when);
    if (error_text)
        g_key_file_set_string(kf, "Response", "Error", error_text);
    if (response && response->body) {
        gsize n = 0;
        const char *body = g_bytes_get_data(response->body, &n);
        g_autofree char *text = g_strndup(body ? body : "", MIN(n, (gsize)MAX_STORED_ANSWER));
        g_autofree char *valid = g_utf8_make_valid(text, -1);
        g_key_file_set_string(kf, "Response", "Body", valid);
    }
    g_autofree char *name = outbox_name_for(event_id, RESPONSE_SUFFIX);
    return outbox_write_key_file(dir_fd, name, kf, error);
}

/*
 * Moves a claimed entry to sent/ or rejected/.  The rename is the commit
 * point: from then on no flush can see the entry as pending.
 */
static gboolean move_done(CoronerSentryOutbox *o, int to_fd, const char *event_id, guint status,
                          const CoronerSentryResponse *response, const char *error_text,
                          guint attempts, const GPtrArray *dropped, GError **error)
{
    g_autofree char *name = outbox_name_for(event_id, ENVELOPE_SUFFIX);
    if (renameat(o->dir_fd, name, to_fd, name) < 0)
        return coroner_set_errno_error(error, errno, "Cannot move %s out of the outbox", name);
    if (fsync(to_fd) < 0 || fsync(o->dir_fd) < 0)
        return coroner_set_errno_error(error, errno, "Cannot sync the outbox after moving %s", name);
    g_autofree char *state = outbox_name_for(event_id, STATE_SUFFIX);
    unlinkat(o->dir_fd, state, 0);
    return write_response(to_fd, event_id, status, response, error_text, attempts, dropped, error);
}

static gboolean is_permanent_rejection(guint status)
{
    /* Sentry drops these for good; sending the same bytes again cannot help. */
    return status == 400 || status == 413 || status == 415 || status == 422;
}

typedef struct {
    CoronerSentryOutbox *o;
    CoronerSentryTransport *transport;
    GHashTable *limits; /* rate_limits_key() → CoronerSentryRateLimits*, loaded on first use */
    gboolean force;
    gint64 now;
    CoronerSentryFlushResult *result;
    GCancellable *cancellable;
} Flush;

static void note_next(Flush *f, gint64 when)
{
    if (when > 0 && (f->result->next_attempt_usec == 0 || when < f->result->next_attempt_usec))
        f->result->next_attempt_usec = when;
}

static void retry_later(Flush *f, const char *event_id, EntryState *s, guint status,
                        const char *why, gint64 not_before)
{
    s->attempts++;
    s->last_status = status;
    g_free(s->last_error);
    s->last_error = g_strdup(why);
    gint64 backoff = f->now + coroner_sentry_backoff_delay_ms(&f->o->policy, s->attempts) * 1000;
    s->next_attempt_usec = MAX(backoff, not_before);
    g_autoptr(GError) error = NULL;
    if (!outbox_entry_state_save(f->o, event_id, s, &error))
        g_warning("%s", error->message);
    note_next(f, s->next_attempt_usec);
}

/*
 * The categories whose limit holds the whole envelope: its event's (an error
 * event may be counted as "default"), its feedback's, its transaction's.  An
 * envelope without any of these waits for all of its categories, as before.
 */
static GStrv blocking_categories(const CoronerSentryEnvelopeInfo *info)
{
    if (g_strv_contains((const char *const *)info->item_types, "event"))
        return g_strdupv((char *[]){"error", "default", NULL});
    if (g_strv_contains((const char *const *)info->item_types, "feedback"))
        return g_strdupv((char *[]){"feedback", NULL});
    if (g_strv_contains((const char *const *)info->item_types, "transaction"))
        return g_strdupv((char *[]){"transaction", NULL});
    return g_strdupv(info->categories);
}

/* The envelope's other categories that are limited at now: their items are left out. */
static GStrv limited_others(const CoronerSentryRateLimits *limits,
                            const CoronerSentryEnvelopeInfo *info, GStrv blocking, gint64 now)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    for (char **c = info->categories; *c; c++)
        if (!g_strv_contains((const char *const *)blocking, *c) &&
            coroner_sentry_rate_limits_until(limits, *c) > now)
            g_strv_builder_add(b, *c);
    return g_strv_builder_end(b);
}

static void flush_one(Flush *f, const char *event_id)
{
    CoronerSentryOutbox *o = f->o;
    int fd = outbox_claim(o, event_id);
    if (fd == -ENOENT)
        return;
    if (fd < 0) {
        f->result->deferred++;
        return;
    }
    EntryState s;
    outbox_entry_state_load(o, event_id, &s);
    if (s.created_usec == 0)
        s.created_usec = f->now;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(CoronerSentryEnvelopeInfo) info = NULL;
    g_autoptr(CoronerSentryDsn) dsn = NULL;
    g_autoptr(CoronerSentryResponse) response = NULL;
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GPtrArray) dropped = NULL;
    g_auto(GStrv) blocking = NULL;
    g_autofree char *limits_key = NULL;
    CoronerSentryRateLimits *limits = NULL;

    if (!f->force && s.next_attempt_usec > f->now) {
        f->result->deferred++;
        note_next(f, s.next_attempt_usec);
        goto out;
    }
    bytes = outbox_read_fd(fd, &error);
    if (!bytes) {
        retry_later(f, event_id, &s, 0, error->message, 0);
        f->result->failed++;
        goto out;
    }
    info = coroner_sentry_envelope_parse(bytes, &error);
    if (info)
        dsn = coroner_sentry_dsn_parse(info->dsn, &error);
    if (!info || !dsn) {
        /* Nothing can ever send these bytes; keep them for a person to look at. */
        if (!move_done(o, o->rejected_fd, event_id, 0, NULL, error->message, s.attempts, NULL, NULL))
            f->result->failed++;
        else
            f->result->rejected++;
        goto out;
    }
    /*
     * Rate limits are per data category.  A limit on the envelope's own event
     * (error/default, feedback, or all) holds the whole envelope; a limit on
     * anything else (attachments) only leaves those items out, and the event
     * goes now, as Sentry's SDKs do (sentry-native, @sentry/core).
     */
    blocking = blocking_categories(info);
    limits_key = rate_limits_key(dsn);
    limits = g_hash_table_lookup(f->limits, limits_key);
    if (!limits) {
        limits = load_rate_limits(o, limits_key);
        g_hash_table_insert(f->limits, g_strdup(limits_key), limits);
    }
    gint64 limited = coroner_sentry_rate_limits_until_any(limits, (const char *const *)blocking);
    if (limited > f->now) {
        f->result->deferred++;
        note_next(f, limited);
        goto out;
    }
    for (guint round = 0;; round++) {
        g_clear_pointer(&body, g_bytes_unref);
        g_clear_pointer(&dropped, g_ptr_array_unref);
        g_clear_pointer(&response, coroner_sentry_response_free);
        g_auto(GStrv) left_out = limited_others(limits, info, blocking, g_get_real_time());
        body = coroner_sentry_envelope_set_sent_at(bytes, NULL, &error);
        if (body && left_out[0]) {
            GBytes *reduced = coroner_sentry_envelope_without_categories(
                body, (const char *const *)left_out, &dropped, &error);
            g_bytes_unref(body);
            body = reduced;
        }
        if (body)
            response = coroner_sentry_transport_send(f->transport, dsn, body, f->cancellable, &error);
        if (!response) {
            retry_later(f, event_id, &s, 0, error->message, 0);
            f->result->failed++;
            goto out;
        }
        gint64 now = g_get_real_time();
        coroner_sentry_rate_limits_update(limits, response->status, response->retry_after,
                                          response->rate_limits, now);
        if (response->status == 429 || response->rate_limits)
            save_rate_limits(o, limits, limits_key, now);
        /*
         * A 429 that limits only items we can leave out: the rest goes at once
         * (once), instead of waiting for a limit that does not concern it.
         */
        g_auto(GStrv) now_out = limited_others(limits, info, blocking, now);
        if (response->status == 429 && round == 0 &&
            coroner_sentry_rate_limits_until_any(limits, (const char *const *)blocking) <= now &&
            g_strv_length(now_out) > g_strv_length(left_out))
            continue;
        break;
    }

    if (response->status >= 200 && response->status < 300) {
        if (dropped && dropped->len > 0) {
            g_autoptr(GString) what = g_string_new(NULL);
            for (guint i = 0; i < dropped->len; i++)
                g_string_append_printf(what, "%s%s", i ? ", " : "", (char *)dropped->pdata[i]);
            g_message("Report %s sent without items the server rate-limits: %s", event_id, what->str);
            f->result->items_dropped += dropped->len;
        }
        if (move_done(o, o->sent_fd, event_id, response->status, response, NULL, s.attempts + 1,
                      dropped, &error)) {
            f->result->sent++;
        } else {
            /* Sent, but not recorded: it stays pending and may go again (same event_id). */
            g_warning("%s", error->message);
            f->result->failed++;
        }
    } else if (is_permanent_rejection(response->status)) {
        g_autofree char *why = g_strdup_printf("The server refused the report (HTTP %u)",
                                               response->status);
        if (move_done(o, o->rejected_fd, event_id, response->status, response, why,
                      s.attempts + 1, NULL, NULL))
            f->result->rejected++;
        else
            f->result->failed++;
    } else {
        g_autofree char *why = g_strdup_printf("HTTP %u", response->status);
        gint64 until =
            coroner_sentry_rate_limits_until_any(limits, (const char *const *)blocking);
        retry_later(f, event_id, &s, response->status, why, until);
        f->result->failed++;
    }

out:
    outbox_entry_state_clear(&s);
    close(fd);
}

gboolean coroner_sentry_outbox_flush(CoronerSentryOutbox *o, CoronerSentryTransport *transport,
                                     gboolean force, CoronerSentryFlushResult *ret_result,
                                     GCancellable *cancellable, GError **error)
{
    CoronerSentryFlushResult result = {0};
    gint64 now = g_get_real_time();
    result.dropped = outbox_enforce_bounds(o, 0, 0, now);
    g_autoptr(GPtrArray) pending = outbox_list_dir(o, o->dir_fd, CORONER_SENTRY_ENTRY_PENDING, error);
    if (!pending)
        return FALSE;
    g_ptr_array_sort(pending, outbox_oldest_first);
    g_autoptr(GHashTable) limits = g_hash_table_new_full(
        g_str_hash, g_str_equal, g_free, (GDestroyNotify)coroner_sentry_rate_limits_free);
    Flush f = {o, transport, limits, force, now, &result, cancellable};
    for (guint i = 0; i < pending->len; i++) {
        if (g_cancellable_is_cancelled(cancellable)) {
            result.deferred += pending->len - i;
            break;
        }
        const CoronerSentryOutboxEntry *e = pending->pdata[i];
        f.now = g_get_real_time();
        flush_one(&f, e->event_id);
    }
    outbox_prune_done(o, o->sent_fd);
    outbox_prune_done(o, o->rejected_fd);
    if (ret_result)
        *ret_result = result;
    return TRUE;
}

typedef struct {
    CoronerSentryOutbox *outbox;
    CoronerSentryTransport *transport;
    gboolean force;
    CoronerSentryFlushResult result;
} FlushTaskData;

static void flush_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    FlushTaskData *d = task_data;
    GError *error = NULL;
    if (coroner_sentry_outbox_flush(d->outbox, d->transport, d->force, &d->result, cancellable,
                                    &error))
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_error(task, error);
}

void coroner_sentry_outbox_flush_async(CoronerSentryOutbox *outbox,
                                       CoronerSentryTransport *transport, gboolean force,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
    /* The outbox is not a GObject; the task only borrows it (the caller keeps it alive). */
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    FlushTaskData *d = g_new0(FlushTaskData, 1);
    d->outbox = outbox;
    d->transport = transport;
    d->force = force;
    g_task_set_task_data(task, d, g_free);
    g_task_set_source_tag(task, coroner_sentry_outbox_flush_async);
    g_task_run_in_thread(task, flush_thread);
}

gboolean coroner_sentry_outbox_flush_finish(CoronerSentryOutbox *outbox, GAsyncResult *result,
                                            CoronerSentryFlushResult *ret_result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, NULL), FALSE);
    FlushTaskData *d = g_task_get_task_data(G_TASK(result));
    if (!g_task_propagate_boolean(G_TASK(result), error))
        return FALSE;
    if (ret_result)
        *ret_result = d->result;
    return TRUE;
}
