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
 *
 * It only wires the parts together: CoronerReports (what happens to
 * crashes and reports), CoronerIntake (new crashes coming in),
 * CoronerNotifier (notifications) and CoronerPresenter (the window).
 */
#pragma once

#include <gio/gio.h>


G_BEGIN_DECLS

#define CORONER_APPLICATION_ID "org.coroner.Reporter"

#define CORONER_TYPE_APPLICATION (coroner_application_get_type())
G_DECLARE_FINAL_TYPE(CoronerApplication, coroner_application, CORONER, APPLICATION, GApplication)

CoronerApplication *coroner_application_new(void);

G_END_DECLS
