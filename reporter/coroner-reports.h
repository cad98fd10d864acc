/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What happens to the user's crashes: their list, what the user decided
 * about each (dismissed, queued, sent), where reports go, sending them (by
 * hand or automatically) and retrying what is queued, and making a
 * backtrace better with downloaded symbols.  The window's pages are given
 * this object; they never reach for the application.
 *
 * Signals:
 *   state-changed (CoronerCrash *crash): the user's decision about crash
 *     changed (the application withdraws its notification)
 */
#pragma once

#include <gio/gio.h>

#include "coroner-crash-list.h"
#include "coroner-state.h"
#include "coroner-submission.h"

G_BEGIN_DECLS

#define CORONER_TYPE_REPORTS (coroner_reports_get_type())
G_DECLARE_FINAL_TYPE(CoronerReports, coroner_reports, CORONER, REPORTS, GObject)

/* Keeps references to all three; opens the Sentry client (reports cannot be sent when it fails: logged). */
CoronerReports *coroner_reports_new(GSettings *settings, CoronerState *state, CoronerCrashList *crashes);

CoronerCrashList *coroner_reports_get_crashes(CoronerReports *self);
CoronerState *coroner_reports_get_state(CoronerReports *self);
GSettings *coroner_reports_get_settings(CoronerReports *self);
/* NULL when the Sentry client could not start (the reason is in the log). */
CoronerSubmission *coroner_reports_get_submission(CoronerReports *self);

/*
 * The DSN crash's report goes to, looked up with the application's id
 * (the hook's, else the matched .desktop file's), or NULL with error.
 */
char *coroner_reports_resolve_dsn(CoronerReports *self, CoronerCrash *crash, GError **error);

/* Records what the user did with a crash (list, state file) and emits state-changed. */
void coroner_reports_set_report_state(CoronerReports *self, CoronerCrash *crash, CoronerReportState state);
/* Remembers which outbox event belongs to crash, so a later retry can mark it sent. */
void coroner_reports_track_event(CoronerReports *self, CoronerCrash *crash, const char *event_id);
/* The event id crash's report went out (or was queued) under, or NULL.  Caller frees. */
char *coroner_reports_get_event_id(CoronerReports *self, CoronerCrash *crash);
/* Retries queued reports now, and schedules the next retry while any wait. */
void coroner_reports_flush_outbox(CoronerReports *self);

/* Sends crash's report without asking when the user chose so and it has a DSN; FALSE when not. */
gboolean coroner_reports_send_automatically(CoronerReports *self, CoronerCrash *crash);

/* The debuginfod servers symbols come from, by host name: DEBUGINFOD_URLS, else the setting.  Caller frees. */
char *coroner_reports_dup_debuginfod_hosts(CoronerReports *self);

/*
 * Makes crash's backtrace again with symbols from debuginfod, in a worker
 * thread.  The crash says it is busy (coroner_crash_get_symbolizing) and
 * gets the better record when done; pages observe the crash.
 */
void coroner_reports_download_symbols(CoronerReports *self, CoronerCrash *crash);

G_END_DECLS
