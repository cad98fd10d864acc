/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the user chose per application, kept in the GSettings key
 * app-choices (application key → choice): "always" (send reports without
 * asking), "never" (list its crashes, but do not announce them), or nothing.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The choice for app_key ("always", "never"), or NULL.  Caller frees. */
char *coroner_app_choice_get(GSettings *settings, const char *app_key);
/* Sets the choice for app_key; NULL forgets it. */
void coroner_app_choice_set(GSettings *settings, const char *app_key, const char *choice);
/* Every application key with that choice (for the Preferences dialog).  Caller frees. */
GStrv coroner_app_choice_list(GSettings *settings, const char *choice);

G_END_DECLS
