/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The report window: the history of crashes, one crash, and the review page.
 * The pages are given the CoronerReports they need; they ask the window for
 * navigation through its actions: win.show-crash(s id), win.review (the
 * crash shown), win.history, win.back; the crash page's toast signal puts
 * a message at the bottom of the window.
 */
#pragma once

#include <adwaita.h>

#include "coroner-reports.h"

G_BEGIN_DECLS

#define CORONER_TYPE_WINDOW (coroner_window_get_type())
G_DECLARE_FINAL_TYPE(CoronerWindow, coroner_window, CORONER, WINDOW, AdwWindow)

CoronerWindow *coroner_window_new(CoronerReports *reports);

void coroner_window_show_history(CoronerWindow *self);
/* The crashes a group notification stood for, titled by what they are ("Crashes of Text Editor and Maps"). */
void coroner_window_show_crashes(CoronerWindow *self, const char *const *ids);
void coroner_window_show_crash(CoronerWindow *self, CoronerCrash *crash);
void coroner_window_show_review(CoronerWindow *self, CoronerCrash *crash);
/* The crash on the crash and review pages, or NULL. */
CoronerCrash *coroner_window_get_crash(CoronerWindow *self);
gboolean coroner_window_is_on_crash_page(CoronerWindow *self);
/* A short message at the bottom of the window. */
void coroner_window_toast(CoronerWindow *self, const char *message);

G_END_DECLS
