/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Notifications (libnotify) about crashes: one per crash, named and drawn
 * like the application that crashed; crashes close together become one
 * notification ("3 applications crashed"); an application that keeps
 * crashing is counted ("crashed 3 times today") in the notification already
 * shown instead of announced again.
 *
 * Crashes wait CORONER_NOTIFIER_GROUP_MS (restarted by each new crash, at
 * most CORONER_NOTIFIER_GROUP_MAX_MS in all) before they are shown; the timer
 * exists only while crashes wait.
 */
#pragma once

#include <gio/gio.h>

#include "coroner-crash.h"
#include "coroner-state.h"

G_BEGIN_DECLS

#define CORONER_NOTIFIER_GROUP_MS 1500
#define CORONER_NOTIFIER_GROUP_MAX_MS 5000

#define CORONER_TYPE_NOTIFIER (coroner_notifier_get_type())
G_DECLARE_FINAL_TYPE(CoronerNotifier, coroner_notifier, CORONER, NOTIFIER, GObject)

/*
 * Signals:
 *   report (const char *id): "Report…" was chosen on one crash's notification
 *   report-group (GStrv ids): "Report…" was chosen on a group notification
 *   dismiss (GStrv ids): "Dismiss" was chosen
 *   shown (const char *id): a notification went out; id NULL for a group
 *   mute (const char *app_key): "Don’t Notify Again for This App" was chosen
 */
CoronerNotifier *coroner_notifier_new(CoronerState *state);

/* Queues a crash to announce (marks it seen once shown). */
void coroner_notifier_add(CoronerNotifier *self, CoronerCrash *crash);
/* Shows what is queued now (at login: everything found is one group). */
void coroner_notifier_flush(CoronerNotifier *self);
/* Closes the notification of app_key (not a group naming it), if one is shown. */
void coroner_notifier_withdraw_app(CoronerNotifier *self, const char *app_key);
/* Closes the notification that announced id, if it is still shown. */
void coroner_notifier_withdraw(CoronerNotifier *self, const char *id);

G_END_DECLS
