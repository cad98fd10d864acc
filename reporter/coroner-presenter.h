/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The report window's life: GTK and libadwaita are initialised the first
 * time a window is needed (never while the reporter only watches), the
 * window is made on demand and freed when closed, and, with the
 * prepare-window setting, warmed up while a notification is on screen.
 * CORONER_REPORTER_TIMING prints how long each step took (bench/reporter).
 */
#pragma once

#include <gio/gio.h>

#include "coroner-reports.h"

G_BEGIN_DECLS

#define CORONER_TYPE_PRESENTER (coroner_presenter_get_type())
G_DECLARE_FINAL_TYPE(CoronerPresenter, coroner_presenter, CORONER, PRESENTER, GObject)

/* app is borrowed (held while a window is open); reports is referenced. */
CoronerPresenter *coroner_presenter_new(GApplication *app, CoronerReports *reports);

/* Shows crash_id's page (NULL, or a crash no longer known: the list of crashes). */
void coroner_presenter_present(CoronerPresenter *self, const char *crash_id);
/* Shows the crashes ids a group notification stood for. */
void coroner_presenter_present_group(CoronerPresenter *self, const char *const *ids);
/* A notification about crash_id (NULL: a group) went out: prepare the window if the settings say so. */
void coroner_presenter_prepare(CoronerPresenter *self, const char *crash_id);
/* Closes the window, if one is open. */
void coroner_presenter_close(CoronerPresenter *self);

G_END_DECLS
