/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-application.h"

#include <glib/gi18n.h>
#include <malloc.h>
#include <unistd.h>

#include "build-config.h"
#include "coroner-backtrace-cache.h"
#include "coroner-crash-feed.h"
#include "coroner-crash-page.h"
#include "coroner-crash-watcher.h"
#include "coroner-notifier.h"
#include "coroner-window.h"

struct _CoronerApplication {
    GApplication parent_instance;

    char *store_path;
    gboolean use_journal;

    GSettings *settings;
    CoronerState *state;
    CoronerCrashFeed *journal;
    CoronerCrashList *crashes;
    CoronerCrashWatcher *watcher;
    CoronerNotifier *notifier;
    CoronerSubmission *submission;
    guint retry_timer;
    gboolean flushing;

    gboolean gtk_ready;
    CoronerWindow *window;
    guint prewarm_source;
    char *prewarm_id;
};

G_DEFINE_FINAL_TYPE(CoronerApplication, coroner_application, G_TYPE_APPLICATION)

static gboolean timing_enabled(void)
{
    return g_getenv("CORONER_REPORTER_TIMING") != NULL;
}

/* ---- window ------------------------------------------------------------ */

static void on_window_destroy(GtkWidget *widget, gpointer data)
{
    CoronerApplication *self = data;

    self->window = NULL;
    /* Back in the background: return the window's memory to the system. */
    malloc_trim(0);
    g_application_release(G_APPLICATION(self));
}

static gboolean ensure_gtk(CoronerApplication *self)
{
    gint64 start = g_get_monotonic_time();

    if (self->gtk_ready)
        return TRUE;
    if (!gtk_init_check()) {
        g_warning("Cannot open a window: no display");
        return FALSE;
    }
    adw_init();
    self->gtk_ready = TRUE;
    if (timing_enabled())
        g_printerr("coroner-reporter: GTK initialised in %.1f ms\n", (double)(g_get_monotonic_time() - start) / 1000.0);
    return TRUE;
}

static CoronerWindow *ensure_window(CoronerApplication *self)
{
    gint64 start = g_get_monotonic_time();

    if (!ensure_gtk(self))
        return NULL;
    if (!self->window) {
        self->window = coroner_window_new(self);
        if (timing_enabled())
            g_printerr("coroner-reporter: window created in %.1f ms\n", (double)(g_get_monotonic_time() - start) / 1000.0);
        g_signal_connect(self->window, "destroy", G_CALLBACK(on_window_destroy), self);
        g_application_hold(G_APPLICATION(self));
    }
    return self->window;
}

/* CORONER_REPORTER_TIMING: when the first frame after an action was painted (bench/reporter). */
static void on_after_paint(GdkFrameClock *clock, gpointer data)
{
    gint64 start = GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(clock), "coroner-start"));

    g_signal_handlers_disconnect_by_func(clock, on_after_paint, data);
    g_printerr("coroner-reporter: window visible %.1f ms after the action\n",
               (double)(g_get_monotonic_time() - start) / 1000.0);
}

static void on_map_timing(GtkWidget *widget, gpointer data)
{
    GdkFrameClock *clock = gtk_widget_get_frame_clock(widget);

    g_signal_handlers_disconnect_by_func(widget, on_map_timing, data);
    if (!clock)
        return;
    g_object_set_data(G_OBJECT(clock), "coroner-start", data);
    g_signal_connect(clock, "after-paint", G_CALLBACK(on_after_paint), NULL);
}

static void present(CoronerApplication *self, const char *crash_id)
{
    gint64 start = g_get_monotonic_time();
    gboolean will_map = !self->window || !gtk_widget_get_visible(GTK_WIDGET(self->window));

    g_clear_handle_id(&self->prewarm_source, g_source_remove);
    CoronerWindow *window = ensure_window(self);

    if (!window)
        return;
    if (crash_id) {
        CoronerCrash *crash = coroner_crash_list_lookup(self->crashes, crash_id);
        if (crash && !(coroner_window_get_crash(window) == crash && coroner_window_is_on_crash_page(window)))
            coroner_window_show_crash(window, crash);
        else if (!crash)
            coroner_window_show_history(window);
    } else {
        coroner_window_show_history(window);
    }
    if (timing_enabled() && will_map)
        g_signal_connect(window, "map", G_CALLBACK(on_map_timing), GSIZE_TO_POINTER((gsize)start));
    gtk_window_present(GTK_WINDOW(window));
    if (timing_enabled())
        g_printerr("coroner-reporter: window built in %.1f ms\n", (double)(g_get_monotonic_time() - start) / 1000.0);
}

/* ---- crashes ----------------------------------------------------------- */

static gboolean should_send_automatically(CoronerApplication *self, CoronerCrash *crash)
{
    g_autofree char *choice = coroner_application_get_app_choice(self, coroner_crash_get_app(crash)->key);

    if (g_strcmp0(choice, "never") == 0)
        return FALSE;
    return g_strcmp0(choice, "always") == 0 || g_settings_get_boolean(self->settings, "automatic-sending");
}

static void on_auto_sent(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(CoronerCrash) crash = data;
    CoronerApplication *self = CORONER_APPLICATION(g_application_get_default());
    CoronerSubmissionOutcome outcome;
    g_autofree char *event_id = NULL;
    g_autofree char *reason = NULL;
    g_autoptr(GError) error = NULL;

    if (!self)
        return;
    if (!coroner_submission_send_finish(self->submission, result, &outcome, &event_id, &reason, &error)) {
        g_warning("Could not queue the report of %s: %s", coroner_crash_get_id(crash), error->message);
        return;
    }
    coroner_application_track_event(self, crash, event_id);
    coroner_application_set_report_state(self, crash,
                                         outcome == CORONER_SUBMISSION_SENT       ? CORONER_REPORT_SENT
                                         : outcome == CORONER_SUBMISSION_REJECTED ? CORONER_REPORT_REJECTED
                                                                                  : CORONER_REPORT_QUEUED);
    if (reason)
        coroner_state_set_note(self->state, coroner_crash_get_id(crash), "Reason", reason);
    if (outcome == CORONER_SUBMISSION_QUEUED)
        coroner_application_flush_outbox(self);
}

/*
 * Sends without asking when the user chose so, and only when the crash has a
 * DSN: never for applications nobody receives reports for.
 */
static gboolean try_send_automatically(CoronerApplication *self, CoronerCrash *crash)
{
    const CoronerCrashRecord *record;
    g_autofree char *dsn = NULL;
    g_autoptr(GBytes) envelope = NULL;
    g_autoptr(GError) error = NULL;

    if (!self->submission || !should_send_automatically(self, crash))
        return FALSE;
    record = coroner_crash_load(crash, NULL);
    if (!record || !(dsn = coroner_submission_resolve_dsn(self->submission, record, NULL)))
        return FALSE;
    envelope = coroner_submission_build(self->submission, record, dsn, NULL, NULL, NULL, &error);
    if (!envelope) {
        g_message("Not sending %s automatically: %s", coroner_crash_get_id(crash), error->message);
        return FALSE;
    }
    coroner_submission_send_async(self->submission, envelope, NULL, on_auto_sent, g_object_ref(crash));
    return TRUE;
}

/* A crash the user has not heard of yet: send it if asked to, else announce it. */
static void handle_new_crash(CoronerApplication *self, CoronerCrash *crash)
{
    const char *id = coroner_crash_get_id(crash);
    g_autofree char *choice = NULL;

    if (coroner_state_get_seen(self->state, id) || coroner_crash_get_state(crash) != CORONER_REPORT_NEW)
        return;
    if (try_send_automatically(self, crash)) {
        coroner_state_set_seen(self->state, id, coroner_crash_get_time(crash));
        return;
    }
    choice = coroner_application_get_app_choice(self, coroner_crash_get_app(crash)->key);
    if (!g_settings_get_boolean(self->settings, "notifications") || g_strcmp0(choice, "never") == 0) {
        coroner_state_set_seen(self->state, id, coroner_crash_get_time(crash));
        return;
    }
    coroner_notifier_add(self->notifier, crash);
}

static void on_record_created(CoronerCrashWatcher *watcher, const char *name, gpointer data)
{
    CoronerApplication *self = data;
    CoronerCrash *crash = coroner_crash_list_add_store_record(self->crashes, name);

    if (crash)
        handle_new_crash(self, crash);
}

static void on_journal_changed(CoronerCrashWatcher *watcher, gpointer data)
{
    CoronerApplication *self = data;
    g_autoptr(GPtrArray) added = coroner_crash_list_read_journal(self->crashes);

    for (guint i = 0; i < added->len; i++)
        handle_new_crash(self, g_ptr_array_index(added, i));
}

/*
 * With the prepare-window setting: a notification went out, the user may
 * press "Report…" any moment, so GTK is loaded now, in an idle callback, and
 * the window appears about twice as fast.  It costs GTK's footprint (some
 * 15 MiB) for the rest of the session, which is why it is off by default:
 * the window then loads GTK when it is first asked for.
 */
static gboolean prewarm_idle(gpointer data)
{
    CoronerApplication *self = data;
    gint64 start = g_get_monotonic_time();
    g_autofree char *id = g_steal_pointer(&self->prewarm_id);
    CoronerCrash *crash = id ? coroner_crash_list_lookup(self->crashes, id) : NULL;
    g_autoptr(GtkWidget) page = NULL;
    int minimum, natural;

    self->prewarm_source = 0;
    if (self->window || !ensure_gtk(self))
        return G_SOURCE_REMOVE;
    /*
     * The crash page alone, outside any window, made and measured once: what
     * takes time in a first window (the stylesheet, fonts, icons) is cached
     * process-wide after that, so the real window is made warm.  No window
     * is made in advance: GTK 4.8 then exposes the real one to assistive
     * technologies as a hidden "filler".
     */
    page = g_object_ref_sink(g_object_new(CORONER_TYPE_CRASH_PAGE, NULL));
    if (crash)
        coroner_crash_page_set_crash(CORONER_CRASH_PAGE(page), crash);
    gtk_widget_measure(page, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &natural, NULL, NULL);
    gtk_widget_measure(page, GTK_ORIENTATION_VERTICAL, MAX(natural, 760), &minimum, &natural, NULL, NULL);
    g_clear_object(&page);
    /* Give back what the throwaway page freed: the process stays in the background. */
    malloc_trim(0);
    if (timing_enabled())
        g_printerr("coroner-reporter: window prepared in %.1f ms\n", (double)(g_get_monotonic_time() - start) / 1000.0);
    return G_SOURCE_REMOVE;
}

static void on_notifier_shown(CoronerNotifier *notifier, const char *id, gpointer data)
{
    CoronerApplication *self = data;

    if (!g_settings_get_boolean(self->settings, "prepare-window") ||
        (self->window && gtk_widget_get_visible(GTK_WIDGET(self->window))))
        return;
    g_free(self->prewarm_id);
    self->prewarm_id = g_strdup(id);
    if (!self->prewarm_source)
        self->prewarm_source = g_idle_add_full(G_PRIORITY_LOW, prewarm_idle, self, NULL);
}

static void on_notifier_report(CoronerNotifier *notifier, const char *id, gpointer data)
{
    present(CORONER_APPLICATION(data), id);
}

static void on_notifier_dismiss(CoronerNotifier *notifier, GStrv ids, gpointer data)
{
    CoronerApplication *self = data;

    for (guint i = 0; ids && ids[i]; i++) {
        CoronerCrash *crash = coroner_crash_list_lookup(self->crashes, ids[i]);
        if (crash && coroner_crash_get_state(crash) == CORONER_REPORT_NEW)
            coroner_application_set_report_state(self, crash, CORONER_REPORT_DISMISSED);
    }
}

void coroner_application_set_report_state(CoronerApplication *self, CoronerCrash *crash,
                                          CoronerReportState state)
{
    const char *id = coroner_crash_get_id(crash);

    coroner_crash_set_state(crash, state);
    coroner_state_set_report(self->state, id, state);
    coroner_state_set_seen(self->state, id, coroner_crash_get_time(crash));
    if (state != CORONER_REPORT_NEW)
        coroner_notifier_withdraw(self->notifier, id);
}

void coroner_application_track_event(CoronerApplication *self, CoronerCrash *crash, const char *event_id)
{
    if (event_id)
        coroner_state_set_note(self->state, coroner_crash_get_id(crash), "EventId", event_id);
}

/* ---- outbox retries ---------------------------------------------------- */

static gboolean on_retry_timer(gpointer data)
{
    CoronerApplication *self = data;

    self->retry_timer = 0;
    coroner_application_flush_outbox(self);
    return G_SOURCE_REMOVE;
}

static void on_flushed(GObject *source, GAsyncResult *result, gpointer data)
{
    CoronerApplication *self = data;
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
                coroner_application_set_report_state(self, crash, CORONER_REPORT_SENT);
            else if (outcome == CORONER_SUBMISSION_REJECTED)
                coroner_application_set_report_state(self, crash, CORONER_REPORT_REJECTED);
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
    g_application_release(G_APPLICATION(self));
}

static void on_network_changed(CoronerApplication *self, gboolean available)
{
    if (available && self->retry_timer)
        coroner_application_flush_outbox(self);
}

void coroner_application_flush_outbox(CoronerApplication *self)
{
    if (!self->submission || self->flushing)
        return;
    g_clear_handle_id(&self->retry_timer, g_source_remove);
    self->flushing = TRUE;
    g_application_hold(G_APPLICATION(self));
    coroner_submission_flush_async(self->submission, NULL, on_flushed, self);
}

/* ---- settings ---------------------------------------------------------- */

char *coroner_application_get_app_choice(CoronerApplication *self, const char *app_key)
{
    g_autoptr(GVariant) choices = g_settings_get_value(self->settings, "app-choices");
    const char *choice = NULL;

    if (app_key && g_variant_lookup(choices, app_key, "&s", &choice))
        return g_strdup(choice);
    return NULL;
}

void coroner_application_set_app_choice(CoronerApplication *self, const char *app_key, const char *choice)
{
    g_autoptr(GVariant) choices = g_settings_get_value(self->settings, "app-choices");
    g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{ss}"));
    GVariantIter iter;
    const char *key, *value;

    g_variant_iter_init(&iter, choices);
    while (g_variant_iter_next(&iter, "{&s&s}", &key, &value))
        if (!g_str_equal(key, app_key))
            g_variant_builder_add(&builder, "{ss}", key, value);
    if (choice)
        g_variant_builder_add(&builder, "{ss}", app_key, choice);
    g_settings_set_value(self->settings, "app-choices", g_variant_builder_end(&builder));
}

CoronerCrashList *coroner_application_get_crashes(CoronerApplication *self)
{
    return self->crashes;
}

CoronerState *coroner_application_get_state(CoronerApplication *self)
{
    return self->state;
}

GSettings *coroner_application_get_settings(CoronerApplication *self)
{
    return self->settings;
}

CoronerSubmission *coroner_application_get_submission(CoronerApplication *self)
{
    return self->submission;
}

/* ---- GApplication ------------------------------------------------------ */

static void action_report(GSimpleAction *action, GVariant *parameter, gpointer data)
{
    present(data, g_variant_get_string(parameter, NULL));
}

static void action_dismiss(GSimpleAction *action, GVariant *parameter, gpointer data)
{
    CoronerApplication *self = data;
    CoronerCrash *crash = coroner_crash_list_lookup(self->crashes, g_variant_get_string(parameter, NULL));

    if (crash)
        coroner_application_set_report_state(self, crash, CORONER_REPORT_DISMISSED);
}

static void action_history(GSimpleAction *action, GVariant *parameter, gpointer data)
{
    present(data, NULL);
}

static void action_quit(GSimpleAction *action, GVariant *parameter, gpointer data)
{
    CoronerApplication *self = data;

    if (self->window)
        gtk_window_destroy(GTK_WINDOW(self->window));
    coroner_state_save(self->state, NULL);
    g_application_quit(G_APPLICATION(self));
}

static const GActionEntry app_actions[] = {
    {"report", action_report, "s", NULL, NULL, {0}},
    {"dismiss", action_dismiss, "s", NULL, NULL, {0}},
    {"history", action_history, NULL, NULL, NULL, {0}},
    {"quit", action_quit, NULL, NULL, NULL, {0}},
};

static char *resolve_store_path(CoronerApplication *self)
{
    g_autofree char *configured = NULL;
    const char *env = g_getenv("CORONER_STORE");

    if (self->store_path)
        return g_strdup(self->store_path);
    if (env && *env)
        return g_strdup(env);
    configured = g_settings_get_string(self->settings, "store-path");
    if (configured && *configured)
        return g_steal_pointer(&configured);
    return g_strdup(CORONER_DEFAULT_STORE);
}

/* At login: every crash of ours within the retention period that was never announced. */
static void pick_up(CoronerApplication *self)
{
    gint64 start = g_get_monotonic_time();
    guint days = g_settings_get_uint(self->settings, "retention-days");
    gint64 cutoff = g_get_real_time() - (gint64)days * 24 * 3600 * G_USEC_PER_SEC;
    g_autoptr(GPtrArray) added = coroner_crash_list_load(self->crashes, cutoff);
    guint announced = 0;

    coroner_state_prune(self->state, cutoff);
    coroner_backtrace_cache_prune(NULL, cutoff);
    /*
     * Naming an application takes its record (for the executable); a
     * thousand crashes of one program must not mean a thousand records read
     * at login.  Crashes of one comm share the match of their newest one;
     * each record is still read in full when its crash is opened.
     */
    g_autoptr(GHashTable) by_comm = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = added->len; i-- > 0;) {
        CoronerCrash *crash = g_ptr_array_index(added, i);
        const char *comm = coroner_crash_get_comm(crash);
        CoronerCrash *representative;

        if (coroner_crash_peek_record(crash) || coroner_state_get_seen(self->state, coroner_crash_get_id(crash)))
            continue;
        representative = g_hash_table_lookup(by_comm, comm);
        if (representative)
            coroner_crash_set_app(crash, coroner_crash_get_app(representative));
        else
            g_hash_table_insert(by_comm, (gpointer)comm, crash);
    }
    for (guint i = 0; i < added->len; i++) {
        CoronerCrash *crash = g_ptr_array_index(added, i);
        if (!coroner_state_get_seen(self->state, coroner_crash_get_id(crash)) &&
            coroner_crash_get_state(crash) == CORONER_REPORT_NEW) {
            handle_new_crash(self, crash);
            announced++;
        }
    }
    coroner_notifier_flush(self->notifier);
    if (timing_enabled())
        g_printerr("coroner-reporter: picked up %u crashes (%u new) in %.1f ms\n", added->len, announced,
                   (double)(g_get_monotonic_time() - start) / 1000.0);
}

static void coroner_application_startup(GApplication *app)
{
    CoronerApplication *self = CORONER_APPLICATION(app);
    g_autoptr(GError) error = NULL;
    g_autofree char *store_path = NULL;

    G_APPLICATION_CLASS(coroner_application_parent_class)->startup(app);
    g_action_map_add_action_entries(G_ACTION_MAP(self), app_actions, G_N_ELEMENTS(app_actions), self);

    self->settings = g_settings_new(CORONER_APPLICATION_ID);
    self->state = coroner_state_new(NULL, &error);
    store_path = resolve_store_path(self);
    if (self->use_journal && g_strcmp0(g_getenv("CORONER_REPORTER_JOURNAL"), "no") != 0) {
        self->journal = coroner_crash_feed_open(getuid(), &error);
        if (!self->journal) {
            g_message("Not reading the journal: %s", error->message);
            g_clear_error(&error);
        }
    }
    self->crashes = coroner_crash_list_new(store_path, getuid(), self->journal, self->state);
    self->notifier = coroner_notifier_new(self->state);
    g_signal_connect(self->notifier, "report", G_CALLBACK(on_notifier_report), self);
    g_signal_connect(self->notifier, "dismiss", G_CALLBACK(on_notifier_dismiss), self);
    g_signal_connect(self->notifier, "shown", G_CALLBACK(on_notifier_shown), self);
    self->submission = coroner_submission_new(&error);
    if (!self->submission) {
        g_warning("Reports cannot be sent: %s", error->message);
        g_clear_error(&error);
    }

    /* Queued reports go out as soon as the network comes back (netlink, not polling). */
    g_signal_connect_object(g_network_monitor_get_default(), "network-changed", G_CALLBACK(on_network_changed), self,
                            G_CONNECT_SWAPPED);

    /* Watch first, then read: a crash landing in between is seen twice and merged by id. */
    self->watcher = coroner_crash_watcher_new(store_path, self->journal);
    g_signal_connect(self->watcher, "record-created", G_CALLBACK(on_record_created), self);
    g_signal_connect(self->watcher, "journal-changed", G_CALLBACK(on_journal_changed), self);
    pick_up(self);
    coroner_application_flush_outbox(self);

    /* The reporter lives as long as the session. */
    g_application_hold(app);
}

static void coroner_application_activate(GApplication *app)
{
    present(CORONER_APPLICATION(app), NULL);
}

static void coroner_application_shutdown(GApplication *app)
{
    CoronerApplication *self = CORONER_APPLICATION(app);

    g_clear_handle_id(&self->retry_timer, g_source_remove);
    g_clear_handle_id(&self->prewarm_source, g_source_remove);
    if (self->state)
        coroner_state_save(self->state, NULL);
    G_APPLICATION_CLASS(coroner_application_parent_class)->shutdown(app);
}

static int coroner_application_handle_local_options(GApplication *app, GVariantDict *options)
{
    CoronerApplication *self = CORONER_APPLICATION(app);
    const char *store = NULL;
    const char *report = NULL;
    g_autoptr(GError) error = NULL;

    if (g_variant_dict_contains(options, "version")) {
        g_print("coroner-reporter %s\n", CORONER_VERSION);
        return 0;
    }
    if (g_variant_dict_lookup(options, "store", "^&ay", &store))
        self->store_path = g_canonicalize_filename(store, NULL);
    if (g_variant_dict_contains(options, "no-journal"))
        self->use_journal = FALSE;

    if (g_variant_dict_contains(options, "history") || g_variant_dict_lookup(options, "report", "&s", &report) ||
        g_variant_dict_contains(options, "quit")) {
        if (!g_application_register(app, NULL, &error)) {
            g_printerr("%s\n", error->message);
            return 1;
        }
        if (g_variant_dict_contains(options, "quit"))
            g_action_group_activate_action(G_ACTION_GROUP(app), "quit", NULL);
        else if (report)
            g_action_group_activate_action(G_ACTION_GROUP(app), "report", g_variant_new_string(report));
        else
            g_action_group_activate_action(G_ACTION_GROUP(app), "history", NULL);
        if (g_application_get_is_remote(app))
            return 0;
        /* We are the first instance: keep running (the hold from startup keeps us alive). */
        return -1;
    }
    return -1;
}

static void coroner_application_dispose(GObject *object)
{
    CoronerApplication *self = CORONER_APPLICATION(object);

    g_clear_object(&self->watcher);
    g_clear_object(&self->notifier);
    g_clear_object(&self->crashes);
    g_clear_pointer(&self->journal, coroner_crash_feed_free);
    g_clear_pointer(&self->submission, coroner_submission_free);
    g_clear_object(&self->state);
    g_clear_object(&self->settings);
    G_OBJECT_CLASS(coroner_application_parent_class)->dispose(object);
}

static void coroner_application_finalize(GObject *object)
{
    g_free(CORONER_APPLICATION(object)->store_path);
    g_free(CORONER_APPLICATION(object)->prewarm_id);
    G_OBJECT_CLASS(coroner_application_parent_class)->finalize(object);
}

static void coroner_application_class_init(CoronerApplicationClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GApplicationClass *app_class = G_APPLICATION_CLASS(klass);

    object_class->dispose = coroner_application_dispose;
    object_class->finalize = coroner_application_finalize;
    app_class->startup = coroner_application_startup;
    app_class->activate = coroner_application_activate;
    app_class->shutdown = coroner_application_shutdown;
    app_class->handle_local_options = coroner_application_handle_local_options;
}

static const GOptionEntry option_entries[] = {
    {"store", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("Read crashes from this store directory"), N_("DIR")},
    {"no-journal", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Do not read crashes from the journal"), NULL},
    {"history", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show previous crashes"), NULL},
    {"report", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Show the crash with this id"), N_("ID")},
    {"quit", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Stop the running reporter"), NULL},
    {"version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version"), NULL},
    {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static void coroner_application_init(CoronerApplication *self)
{
    self->use_journal = TRUE;
    g_application_add_main_option_entries(G_APPLICATION(self), option_entries);
    g_application_set_option_context_summary(G_APPLICATION(self), _("Tells you about crashes and reports them with your consent."));
}

CoronerApplication *coroner_application_new(void)
{
    return g_object_new(CORONER_TYPE_APPLICATION, "application-id", CORONER_APPLICATION_ID, "flags",
                        G_APPLICATION_DEFAULT_FLAGS, NULL);
}
