/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * New crashes coming in: at login every crash within the retention period
 * that was never announced, then each one as the store and the journal
 * report it (inotify, the journal's fd).  Each is sent without asking when
 * the user chose so, else announced, unless the user muted notifications.
 */
#pragma once

#include "coroner-crash-feed.h"
#include "coroner-notifier.h"
#include "coroner-reports.h"

G_BEGIN_DECLS

#define CORONER_TYPE_INTAKE (coroner_intake_get_type())
G_DECLARE_FINAL_TYPE(CoronerIntake, coroner_intake, CORONER, INTAKE, GObject)

/* Starts watching store_path and journal (may be NULL), then picks up what is there. */
CoronerIntake *coroner_intake_new(CoronerReports *reports, CoronerNotifier *notifier, const char *store_path,
                                  CoronerCrashFeed *journal);

G_END_DECLS
