/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-intake.h"

#include "coroner-app-choice.h"
#include "coroner-backtrace-cache.h"
#include "coroner-crash-watcher.h"

struct _CoronerIntake {
    GObject parent_instance;

    CoronerReports *reports;
    CoronerNotifier *notifier;
    CoronerCrashWatcher *watcher;
};

G_DEFINE_FINAL_TYPE(CoronerIntake, coroner_intake, G_TYPE_OBJECT)

/* A crash the user has not heard of yet: send it if asked to, else announce it. */
static void handle_new_crash(CoronerIntake *self, CoronerCrash *crash)
{
    CoronerState *state = coroner_reports_get_state(self->reports);
    GSettings *settings = coroner_reports_get_settings(self->reports);
    const char *id = coroner_crash_get_id(crash);
    g_autofree char *choice = NULL;

    if (coroner_state_get_seen(state, id) || coroner_crash_get_state(crash) != CORONER_REPORT_NEW)
        return;
    if (coroner_reports_send_automatically(self->reports, crash)) {
        coroner_state_set_seen(state, id, coroner_crash_get_time(crash));
        return;
    }
    choice = coroner_app_choice_get(settings, coroner_crash_get_app(crash)->key);
    /*
     * A group peer's live dump (its record is in memory once the application
     * was matched) is not a crash: the process ran on.  It is listed, linked to
     * the crash it belongs to, but never announced.
     */
    const CoronerCrashRecord *record = coroner_crash_peek_record(crash);
    gboolean live_dump = record && record->live_dump;
    if (live_dump || !g_settings_get_boolean(settings, "notifications") || g_strcmp0(choice, "never") == 0) {
        coroner_state_set_seen(state, id, coroner_crash_get_time(crash));
        return;
    }
    coroner_notifier_add(self->notifier, crash);
}

static void on_record_created(CoronerCrashWatcher *watcher, const char *name, gpointer data)
{
    CoronerIntake *self = data;
    CoronerCrash *crash = coroner_crash_list_add_store_record(coroner_reports_get_crashes(self->reports), name);

    if (crash)
        handle_new_crash(self, crash);
}

static void on_journal_changed(CoronerCrashWatcher *watcher, gpointer data)
{
    CoronerIntake *self = data;
    g_autoptr(GPtrArray) added = coroner_crash_list_read_journal(coroner_reports_get_crashes(self->reports));

    for (guint i = 0; i < added->len; i++)
        handle_new_crash(self, g_ptr_array_index(added, i));
}

/* At login: every crash of ours within the retention period that was never announced. */
static void pick_up(CoronerIntake *self)
{
    CoronerState *state = coroner_reports_get_state(self->reports);
    gint64 start = g_get_monotonic_time();
    guint days = g_settings_get_uint(coroner_reports_get_settings(self->reports), "retention-days");
    gint64 cutoff = g_get_real_time() - (gint64)days * 24 * 3600 * G_USEC_PER_SEC;
    g_autoptr(GPtrArray) added = coroner_crash_list_load(coroner_reports_get_crashes(self->reports), cutoff);
    guint announced = 0;

    coroner_state_prune(state, cutoff);
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

        if (coroner_crash_peek_record(crash) || coroner_state_get_seen(state, coroner_crash_get_id(crash)))
            continue;
        representative = g_hash_table_lookup(by_comm, comm);
        if (representative)
            coroner_crash_set_app(crash, coroner_crash_get_app(representative));
        else
            g_hash_table_insert(by_comm, (gpointer)comm, crash);
    }
    for (guint i = 0; i < added->len; i++) {
        CoronerCrash *crash = g_ptr_array_index(added, i);
        if (!coroner_state_get_seen(state, coroner_crash_get_id(crash)) &&
            coroner_crash_get_state(crash) == CORONER_REPORT_NEW) {
            handle_new_crash(self, crash);
            announced++;
        }
    }
    coroner_notifier_flush(self->notifier);
    if (g_getenv("CORONER_REPORTER_TIMING"))
        g_printerr("coroner-reporter: picked up %u crashes (%u new) in %.1f ms\n", added->len, announced,
                   (double)(g_get_monotonic_time() - start) / 1000.0);
}

static void coroner_intake_dispose(GObject *object)
{
    CoronerIntake *self = CORONER_INTAKE(object);

    g_clear_object(&self->watcher);
    g_clear_object(&self->notifier);
    g_clear_object(&self->reports);
    G_OBJECT_CLASS(coroner_intake_parent_class)->dispose(object);
}

static void coroner_intake_class_init(CoronerIntakeClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = coroner_intake_dispose;
}

static void coroner_intake_init(CoronerIntake *self)
{
}

CoronerIntake *coroner_intake_new(CoronerReports *reports, CoronerNotifier *notifier, const char *store_path,
                                  CoronerCrashFeed *journal)
{
    CoronerIntake *self = g_object_new(CORONER_TYPE_INTAKE, NULL);

    self->reports = g_object_ref(reports);
    self->notifier = g_object_ref(notifier);
    /* Watch first, then read: a crash landing in between is seen twice and merged by id. */
    self->watcher = coroner_crash_watcher_new(store_path, journal);
    g_signal_connect(self->watcher, "record-created", G_CALLBACK(on_record_created), self);
    g_signal_connect(self->watcher, "journal-changed", G_CALLBACK(on_journal_changed), self);
    pick_up(self);
    return self;
}
