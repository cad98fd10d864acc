/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Previous crashes, newest first, with what became of each (new, dismissed, queued, sent). */
#pragma once

#include <adwaita.h>

#include "coroner-reports.h"

G_BEGIN_DECLS

#define CORONER_TYPE_HISTORY_PAGE (coroner_history_page_get_type())
G_DECLARE_FINAL_TYPE(CoronerHistoryPage, coroner_history_page, CORONER, HISTORY_PAGE, GtkWidget)

/* What the page shows and changes; the window passes it once. */
void coroner_history_page_set_reports(CoronerHistoryPage *self, CoronerReports *reports);
void coroner_history_page_focus(CoronerHistoryPage *self);
/* Lists only the crashes ids (NULL: all) under title ("Crashes of Text Editor"). */
void coroner_history_page_set_only(CoronerHistoryPage *self, const char *const *ids, const char *title);

G_END_DECLS
