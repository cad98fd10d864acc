/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-application.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "build-config.h"
#include "coroner-app-choice.h"
#include "coroner-crash-feed.h"
#include "coroner-intake.h"
#include "coroner-notifier.h"
#include "coroner-presenter.h"
#include "coroner-reports.h"

struct _CoronerApplication {
    GApplication parent_instance;

    char *store_path;
    gboolean use_journal;
    gboolean presented; /* a command-line option already showed a page: activate must not replace it */

    CoronerState *state;
    CoronerCrashFeed *journal;
    CoronerReports *reports;
    CoronerNotifier *notifier;
    CoronerIntake *intake;
    CoronerPresenter *presenter;
};

G_DEFINE_FINAL_TYPE(CoronerApplication, coroner_application, G_TYPE_APPLICATION)

static void on_notifier_shown(CoronerNotifier *notifier, const char *id, gpointer data)
{
    coroner_presenter_prepare(CORONER_APPLICATION(data)->presenter, id);
}

static void on_notifier_report(CoronerNotifier *notifier, const char *id, gpointer data)
{
    coroner_presenter_present(CORONER_APPLICATION(data)->presenter, id);
}

static void on_notifier_report_group(CoronerNotifier *notifier, GStrv ids, gpointer data)
{
    coroner_presenter_present_group(CORONER_APPLICATION(data)->presenter, (const char *const *)ids);
}

static void on_notifier_dismiss(CoronerNotifier *notifier, GStrv ids, gpointer data)
{
    CoronerApplication *self = data;

    for (guint i = 0; ids && ids[i]; i++) {
        CoronerCrash *crash = coroner_crash_list_lookup(coroner_reports_get_crashes(self->reports), ids[i]);
        if (crash && coroner_crash_get_state(crash) == CORONER_REPORT_NEW)
            coroner_reports_set_report_state(self->reports, crash, CORONER_REPORT_DISMISSED);
    }
}

static void on_notifier_mute(CoronerNotifier *notifier, const char *app_key, gpointer data)
{
    CoronerApplication *self = data;

    coroner_app_choice_set(coroner_reports_get_settings(self->reports), app_key, "never");
}

/* An application muted anywhere (notification, crash page, Preferences): its notification goes too. */
static void on_app_choices_changed(GSettings *settings, const char *key, gpointer data)
{
    CoronerApplication *self = data;
    g_auto(GStrv) muted = coroner_app_choice_list(settings, "never");

    for (guint i = 0; muted[i]; i++)
        coroner_notifier_withdraw_app(self->notifier, muted[i]);
}

/* Whatever the user decided about a crash, its notification has done its job. */
static void on_report_state_changed(CoronerReports *reports, CoronerCrash *crash, gpointer data)
{
    CoronerApplication *self = data;

    if (coroner_crash_get_state(crash) != CORONER_REPORT_NEW)
        coroner_notifier_withdraw(self->notifier, coroner_crash_get_id(crash));
}

/* ---- GApplication ------------------------------------------------------ */

static void action_report(GSimpleAction *action, GVariant *parameter, gpointer data)
{
    CoronerApplication *self = data;

    coroner_presenter_present(self->presenter, g_variant_get_string(parameter, NULL));
}

static void action_dismiss(GSimpleAction *action, GVariant *parameter, gpointer data)
{
    CoronerApplication *self = data;
    CoronerCrash *crash =
        coroner_crash_list_lookup(coroner_reports_get_crashes(self->reports), g_variant_get_string(parameter, NULL));

    if (crash)
        coroner_reports_set_report_state(self->reports, crash, CORONER_REPORT_DISMISSED);
}

static void action_history(GSimpleAction *action, GVariant *parameter, gpointer data)
{
    CoronerApplication *self = data;

    coroner_presenter_present(self->presenter, NULL);
}

static void action_quit(GSimpleAction *action, GVariant *parameter, gpointer data)
{
    CoronerApplication *self = data;

    coroner_presenter_close(self->presenter);
    coroner_state_save(self->state, NULL);
    g_application_quit(G_APPLICATION(self));
}

static const GActionEntry app_actions[] = {
    {"report", action_report, "s", NULL, NULL, {0}},
    {"dismiss", action_dismiss, "s", NULL, NULL, {0}},
    {"history", action_history, NULL, NULL, NULL, {0}},
    {"quit", action_quit, NULL, NULL, NULL, {0}},
};

static char *resolve_store_path(CoronerApplication *self, GSettings *settings)
{
    g_autofree char *configured = NULL;
    const char *env = g_getenv("CORONER_STORE");

    if (self->store_path)
        return g_strdup(self->store_path);
    if (env && *env)
        return g_strdup(env);
    configured = g_settings_get_string(settings, "store-path");
    if (configured && *configured)
        return g_steal_pointer(&configured);
    return g_strdup(CORONER_DEFAULT_STORE);
}

static void coroner_application_startup(GApplication *app)
{
    CoronerApplication *self = CORONER_APPLICATION(app);
    g_autoptr(GError) error = NULL;
    g_autofree char *store_path = NULL;
    g_autoptr(GSettings) settings = NULL;
    g_autoptr(CoronerCrashList) crashes = NULL;

    G_APPLICATION_CLASS(coroner_application_parent_class)->startup(app);
    g_action_map_add_action_entries(G_ACTION_MAP(self), app_actions, G_N_ELEMENTS(app_actions), self);

    settings = g_settings_new(CORONER_APPLICATION_ID);
    self->state = coroner_state_new(NULL, &error);
    store_path = resolve_store_path(self, settings);
    if (self->use_journal && g_strcmp0(g_getenv("CORONER_REPORTER_JOURNAL"), "no") != 0) {
        self->journal = coroner_crash_feed_open(getuid(), store_path, &error);
        if (!self->journal) {
            g_message("Not reading the journal: %s", error->message);
            g_clear_error(&error);
        }
    }
    crashes = coroner_crash_list_new(store_path, getuid(), self->journal, self->state);
    self->reports = coroner_reports_new(settings, self->state, crashes);
    g_signal_connect(self->reports, "state-changed", G_CALLBACK(on_report_state_changed), self);
    self->presenter = coroner_presenter_new(app, self->reports);
    self->notifier = coroner_notifier_new(self->state);
    g_signal_connect(self->notifier, "report", G_CALLBACK(on_notifier_report), self);
    g_signal_connect(self->notifier, "report-group", G_CALLBACK(on_notifier_report_group), self);
    g_signal_connect(self->notifier, "dismiss", G_CALLBACK(on_notifier_dismiss), self);
    g_signal_connect(self->notifier, "shown", G_CALLBACK(on_notifier_shown), self);
    g_signal_connect(self->notifier, "mute", G_CALLBACK(on_notifier_mute), self);
    g_signal_connect_object(settings, "changed::app-choices", G_CALLBACK(on_app_choices_changed), self, 0);
    self->intake = coroner_intake_new(self->reports, self->notifier, store_path, self->journal);
    coroner_reports_flush_outbox(self->reports);

    /* The reporter lives as long as the session. */
    g_application_hold(app);
}

static void coroner_application_activate(GApplication *app)
{
    CoronerApplication *self = CORONER_APPLICATION(app);

    /* Started as `coroner-reporter --report=ID`: that page stays. */
    if (self->presented) {
        self->presented = FALSE;
        return;
    }
    coroner_presenter_present(self->presenter, NULL);
}

static void coroner_application_shutdown(GApplication *app)
{
    CoronerApplication *self = CORONER_APPLICATION(app);

    g_clear_object(&self->intake);
    g_clear_object(&self->presenter);
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
        self->presented = !g_variant_dict_contains(options, "quit");
        return -1;
    }
    return -1;
}

static void coroner_application_dispose(GObject *object)
{
    CoronerApplication *self = CORONER_APPLICATION(object);

    g_clear_object(&self->intake);
    g_clear_object(&self->presenter);
    g_clear_object(&self->notifier);
    g_clear_object(&self->reports);
    g_clear_pointer(&self->journal, coroner_crash_feed_free);
    g_clear_object(&self->state);
    G_OBJECT_CLASS(coroner_application_parent_class)->dispose(object);
}

static void coroner_application_finalize(GObject *object)
{
    g_free(CORONER_APPLICATION(object)->store_path);
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
