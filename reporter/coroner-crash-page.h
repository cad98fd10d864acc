/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One crash: what crashed and when, the backtrace and its quality, the details.
 * Signal toast (const char *message): a short message for the window to show.
 */
#pragma once

#include <adwaita.h>

#include "coroner-reports.h"

G_BEGIN_DECLS

#define CORONER_TYPE_CRASH_PAGE (coroner_crash_page_get_type())
G_DECLARE_FINAL_TYPE(CoronerCrashPage, coroner_crash_page, CORONER, CRASH_PAGE, GtkWidget)

/* A page on its own (the window's is made from its template). */
CoronerCrashPage *coroner_crash_page_new(CoronerReports *reports);
/* What the page shows and changes; the window passes it once. */
void coroner_crash_page_set_reports(CoronerCrashPage *self, CoronerReports *reports);
void coroner_crash_page_set_crash(CoronerCrashPage *self, CoronerCrash *crash);
void coroner_crash_page_focus(CoronerCrashPage *self);

G_END_DECLS
