/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.coroner.Reporter: a single-instance, D-Bus activatable GApplication
 * that lives for the graphical session.
 *
 * It is deliberately a plain GApplication, not a GtkApplication: while it
 * only watches for crashes and shows notifications it never initialises GTK,
 * so the background process stays small and wakes for nothing.  GTK and
 * libadwaita are initialised the first time a window is needed.
 *
 * Actions (also over D-Bus, org.gtk.Actions / org.freedesktop.Application):
 *   app.report(s id)   show one crash     app.dismiss(s id)   dismiss it
 *   app.history        show the list      app.quit
 */
#pragma once

#include <gio/gio.h>

#include "coroner-crash-list.h"
#include "coroner-state.h"
#include "coroner-submission.h"

G_BEGIN_DECLS

#define CORONER_APPLICATION_ID "org.coroner.Reporter"

#define CORONER_TYPE_APPLICATION (coroner_application_get_type())
G_DECLARE_FINAL_TYPE(CoronerApplication, coroner_application, CORONER, APPLICATION, GApplication)

CoronerApplication *coroner_application_new(void);

CoronerCrashList *coroner_application_get_crashes(CoronerApplication *self);
CoronerState *coroner_application_get_state(CoronerApplication *self);
GSettings *coroner_application_get_settings(CoronerApplication *self);
/* NULL when the Sentry client could not start (the reason is in the log). */
CoronerSubmission *coroner_application_get_submission(CoronerApplication *self);

/* Records what the user did with a crash and updates list, notifications and state file. */
void coroner_application_set_report_state(CoronerApplication *self, CoronerCrash *crash,
                                          CoronerReportState state);
/* Remembers which outbox event belongs to crash, so a later retry can mark it sent. */
void coroner_application_track_event(CoronerApplication *self, CoronerCrash *crash, const char *event_id);
/* Schedules retries of queued reports. */
void coroner_application_flush_outbox(CoronerApplication *self);

/* The application's per-app choice ("always", "never" or NULL). */
char *coroner_application_get_app_choice(CoronerApplication *self, const char *app_key);
void coroner_application_set_app_choice(CoronerApplication *self, const char *app_key, const char *choice);

G_END_DECLS
