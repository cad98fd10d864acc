/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Preferences: notifications and automatic sending (global), the
 * applications sent without asking and the muted ones (each can be undone
 * here), downloading debugging symbols (naming the server), and how long
 * crashes are kept.  Everything is a GSettings key; the dialog only shows
 * and changes them.
 */
#pragma once

#include <adwaita.h>

#include "coroner-reports.h"

G_BEGIN_DECLS

#define CORONER_TYPE_PREFERENCES (coroner_preferences_get_type())
G_DECLARE_FINAL_TYPE(CoronerPreferences, coroner_preferences, CORONER, PREFERENCES, AdwPreferencesWindow)

CoronerPreferences *coroner_preferences_new(GtkWindow *parent, CoronerReports *reports);

G_END_DECLS
