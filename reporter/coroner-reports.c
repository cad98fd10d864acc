/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-reports.h"

#include <glib/gi18n.h>

#include "coroner-app-choice.h"
#include "coroner-resymbolize.h"

struct _CoronerReports {
    GObject parent_instance;

    GSettings *settings;
    CoronerState *state;
    CoronerCrashList *crashes;
    CoronerSubmission *submission;
    guint retry_timer;
    gboolean flushing;
};

G_DEFINE_FINAL_TYPE(CoronerReports, coroner_reports, G_TYPE_OBJECT)

enum { SIGNAL_STATE_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean timing_enabled(void)
{
    return g_getenv("CORONER_REPORTER_TIMING") != NULL;
}

CoronerCrashList *coroner_reports_get_crashes(CoronerReports *self)
{
    return self->crashes;
}

CoronerState *coroner_reports_get_state(CoronerReports *self)
{
    return self->state;
}

GSettings *coroner_reports_get_settings(CoronerReports *self)
{
    return self->settings;
}

CoronerSubmission *coroner_reports_get_submission(CoronerReports *self)
{
    return self->submission;
}

char *coroner_reports_resolve_dsn(CoronerReports *self, CoronerCrash *crash, GError **error)
{
    const CoronerCrashRecord *record = coroner_crash_load(crash, error);

    if (!record)
        return NULL;
    if (!self->submission) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, _("The report sender could not start."));
        return NULL;
    }
    return coroner_submission_resolve_dsn(self->submission, record, coroner_crash_get_app_id(crash), error);
}

void coroner_reports_set_report_state(CoronerReports *self, CoronerCrash *crash, CoronerReportState state)
{
    const char *id = coroner_crash_get_id(crash);

    coroner_crash_set_state(crash, state);
    coroner_state_set_report(self->state, id, state);
    coroner_state_set_seen(self->state, id, coroner_crash_get_time(crash));
    g_signal_emit(self, signals[SIGNAL_STATE_CHANGED], 0, crash);
}

void coroner_reports_track_event(CoronerReports *self, CoronerCrash *crash, const char *event_id)
{
    if (event_id)
        coroner_state_set_note(self->state, coroner_crash_get_id(crash), "EventId", event_id);
}

char *coroner_reports_get_event_id(CoronerReports *self, CoronerCrash *crash)
{
    return coroner_state_get_note(self->state, coroner_crash_get_id(crash), "EventId");
}

/* ---- outbox retries ---------------------------------------------------- */

static gboolean on_retry_timer(gpointer data)
{
    CoronerReports *self = data;

    self->retry_timer = 0;
    coroner_reports_flush_outbox(self);
    return G_SOURCE_REMOVE;
}

static void on_flushed(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(CoronerReports) self = data;
    g_autoptr(GHashTable) outcomes = NULL;
    g_autoptr(GError) error = NULL;
    gint64 next_usec = 0;
    GHashTableIter iter;
    gpointer key, value;

    self->flushing = FALSE;
    outcomes = coroner_submission_flush_finish(self->submission, result, &next_usec, &error);
    if (!outcomes) {
        g_message("Could not send queued reports: %s", error->message);
    } else {
        g_hash_table_iter_init(&iter, outcomes);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
            g_autofree char *id = coroner_state_find_by_note(self->state, "EventId", key);
            CoronerCrash *crash = id ? coroner_crash_list_lookup(self->crashes, id) : NULL;
            CoronerSubmissionOutcome outcome = GPOINTER_TO_INT(value);
            if (!crash || coroner_crash_get_state(crash) != CORONER_REPORT_QUEUED)
                continue;
            if (outcome == CORONER_SUBMISSION_SENT)
                coroner_reports_set_report_state(self, crash, CORONER_REPORT_SENT);
            else if (outcome == CORONER_SUBMISSION_REJECTED)
                coroner_reports_set_report_state(self, crash, CORONER_REPORT_REJECTED);
        }
    }
    if (timing_enabled()) {
        g_autoptr(GDateTime) now = g_date_time_new_now_local();
        g_autofree char *clock = g_date_time_format(now, "%T.%f");
        g_printerr("coroner-reporter: %s outbox flushed (%u entries), next retry %s\n", clock,
                   outcomes ? g_hash_table_size(outcomes) : 0, next_usec > 0 ? "scheduled" : "none");
    }
    /* A timer only while something waits in the outbox; none at all otherwise. */
    if (next_usec > 0 && !self->retry_timer) {
        gint64 delay_ms = MAX((next_usec - g_get_real_time()) / 1000, 100);
        self->retry_timer = g_timeout_add((guint)MIN(delay_ms, (gint64)G_MAXUINT), on_retry_timer, self);
    }
    if (g_application_get_default())
        g_application_release(g_application_get_default());
}

static void on_network_changed(CoronerReports *self, gboolean available)
{
    if (available && self->retry_timer)
        coroner_reports_flush_outbox(self);
}

void coroner_reports_flush_outbox(CoronerReports *self)
{
    if (!self->submission || self->flushing)
        return;
    g_clear_handle_id(&self->retry_timer, g_source_remove);
    self->flushing = TRUE;
    /* The process stays while a flush runs, even when asked to quit. */
    if (g_application_get_default())
        g_application_hold(g_application_get_default());
    coroner_submission_flush_async(self->submission, NULL, on_flushed, g_object_ref(self));
}

/* ---- sending without asking --------------------------------------------- */

static gboolean should_send_automatically(CoronerReports *self, CoronerCrash *crash)
{
    g_autofree char *choice = coroner_app_choice_get(self->settings, coroner_crash_get_app(crash)->key);

    if (g_strcmp0(choice, "never") == 0)
        return FALSE;
    return g_strcmp0(choice, "always") == 0 || g_settings_get_boolean(self->settings, "automatic-sending");
}

typedef struct {
    CoronerReports *reports;
    CoronerCrash *crash;
} AutoSend;

static void auto_send_free(AutoSend *job)
{
    g_object_unref(job->reports);
    g_object_unref(job->crash);
    g_free(job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(AutoSend, auto_send_free)

static void on_auto_sent(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(AutoSend) job = data;
    CoronerReports *self = job->reports;
    CoronerSubmissionOutcome outcome;
    g_autofree char *event_id = NULL;
    g_autofree char *reason = NULL;
    g_autoptr(GError) error = NULL;

    if (!coroner_submission_send_finish(self->submission, result, &outcome, &event_id, &reason, &error)) {
        g_warning("Could not queue the report of %s: %s", coroner_crash_get_id(job->crash), error->message);
        return;
    }
    coroner_reports_track_event(self, job->crash, event_id);
    coroner_reports_set_report_state(self, job->crash,
                                     outcome == CORONER_SUBMISSION_SENT       ? CORONER_REPORT_SENT
                                     : outcome == CORONER_SUBMISSION_REJECTED ? CORONER_REPORT_REJECTED
                                                                              : CORONER_REPORT_QUEUED);
    if (reason)
        coroner_state_set_note(self->state, coroner_crash_get_id(job->crash), "Reason", reason);
    if (outcome == CORONER_SUBMISSION_QUEUED)
        coroner_reports_flush_outbox(self);
}

/*
 * Sends without asking when the user chose so, and only when the crash has a
 * DSN: never for applications nobody receives reports for.
 */
gboolean coroner_reports_send_automatically(CoronerReports *self, CoronerCrash *crash)
{
    const CoronerCrashRecord *record;
    g_autofree char *dsn = NULL;
    g_autoptr(GBytes) envelope = NULL;
    g_autoptr(GError) error = NULL;
    AutoSend *job;

    if (!self->submission || !should_send_automatically(self, crash))
        return FALSE;
    record = coroner_crash_load(crash, NULL);
    if (!record || !(dsn = coroner_reports_resolve_dsn(self, crash, NULL)))
        return FALSE;
    const char *record_path = coroner_crash_get_record_path(crash);
    g_autofree char *store_path = record_path ? g_path_get_dirname(record_path) : NULL;
    envelope = coroner_submission_build(self->submission, record, store_path, dsn, NULL, NULL, NULL, NULL,
                                        &error);
    if (!envelope) {
        g_message("Not sending %s automatically: %s", coroner_crash_get_id(crash), error->message);
        return FALSE;
    }
    job = g_new0(AutoSend, 1);
    job->reports = g_object_ref(self);
    job->crash = g_object_ref(crash);
    coroner_submission_send_async(self->submission, envelope, NULL, on_auto_sent, job);
    return TRUE;
}

/* ---- better backtraces -------------------------------------------------- */

/*
 * The crash is updated even when no page shows it any more (or the window
 * was closed): the better backtrace belongs to that crash, and the review
 * page and the report use it too.
 */
static void on_resymbolized(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(CoronerCrash) crash = data;
    g_autoptr(GError) error = NULL;
    g_autofree char *keep_error = NULL;
    g_autofree char *message = NULL;
    CoronerCrashRecord *record = coroner_resymbolize_finish(result, &keep_error, &error);

    if (!record) {
        message = g_strdup_printf(_("The backtrace could not be made again: %s"), error->message);
        coroner_crash_set_symbolizing(crash, FALSE, message);
        return;
    }
    if (keep_error) {
        g_message("The better backtrace of %s was not kept: %s", coroner_crash_get_id(crash), keep_error);
        message = g_strdup_printf(_("The better backtrace is shown, but it could not be kept: %s"), keep_error);
    }
    coroner_crash_set_record(crash, record);
    coroner_crash_set_symbolizing(crash, FALSE, message);
}

char *coroner_reports_dup_debuginfod_hosts(CoronerReports *self)
{
    const char *env = g_getenv("DEBUGINFOD_URLS");
    g_autofree char *urls = env && *env ? g_strdup(env) : g_settings_get_string(self->settings, "debuginfod-urls");
    g_auto(GStrv) list = g_strsplit_set(urls, " \t", -1);
    GString *hosts = g_string_new(NULL);

    for (guint i = 0; list[i]; i++) {
        g_autoptr(GUri) uri = *list[i] ? g_uri_parse(list[i], G_URI_FLAGS_NONE, NULL) : NULL;
        if (uri && g_uri_get_host(uri))
            g_string_append_printf(hosts, "%s%s", hosts->len ? ", " : "", g_uri_get_host(uri));
    }
    return g_string_free(hosts, FALSE);
}

void coroner_reports_download_symbols(CoronerReports *self, CoronerCrash *crash)
{
    const CoronerCrashRecord *record = coroner_crash_peek_record(crash);
    const char *record_path = coroner_crash_get_record_path(crash);
    g_autofree char *store_path = record_path ? g_path_get_dirname(record_path) : NULL;
    g_autofree char *urls = g_settings_get_string(self->settings, "debuginfod-urls");

    if (!record || coroner_crash_get_symbolizing(crash))
        return;
    /* The symbolizer asks the servers DEBUGINFOD_URLS names; the user's own setting wins. */
    if (!g_getenv("DEBUGINFOD_URLS") && urls && *urls)
        g_setenv("DEBUGINFOD_URLS", urls, TRUE);
    coroner_crash_set_symbolizing(crash, TRUE, NULL);
    coroner_resymbolize_async(record, store_path, NULL, on_resymbolized, g_object_ref(crash));
}

/* ---- GObject ------------------------------------------------------------ */

static void coroner_reports_dispose(GObject *object)
{
    CoronerReports *self = CORONER_REPORTS(object);

    g_clear_handle_id(&self->retry_timer, g_source_remove);
    g_clear_pointer(&self->submission, coroner_submission_free);
    g_clear_object(&self->crashes);
    g_clear_object(&self->state);
    g_clear_object(&self->settings);
    G_OBJECT_CLASS(coroner_reports_parent_class)->dispose(object);
}

static void coroner_reports_class_init(CoronerReportsClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = coroner_reports_dispose;
    signals[SIGNAL_STATE_CHANGED] = g_signal_new("state-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                                 NULL, NULL, NULL, G_TYPE_NONE, 1, CORONER_TYPE_CRASH);
}

static void coroner_reports_init(CoronerReports *self)
{
}

CoronerReports *coroner_reports_new(GSettings *settings, CoronerState *state, CoronerCrashList *crashes)
{
    CoronerReports *self = g_object_new(CORONER_TYPE_REPORTS, NULL);
    g_autoptr(GError) error = NULL;

    self->settings = g_object_ref(settings);
    self->state = g_object_ref(state);
    self->crashes = g_object_ref(crashes);
    self->submission = coroner_submission_new(&error);
    if (!self->submission)
        g_warning("Reports cannot be sent: %s", error->message);
    /* Queued reports go out as soon as the network comes back (netlink, not polling). */
    g_signal_connect_object(g_network_monitor_get_default(), "network-changed", G_CALLBACK(on_network_changed), self,
                            G_CONNECT_SWAPPED);
    return self;
}
