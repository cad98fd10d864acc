/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Previous crashes, newest first, with what became of each (new, dismissed, queued, sent). */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef struct _CoronerWindow CoronerWindow;

#define CORONER_TYPE_HISTORY_PAGE (coroner_history_page_get_type())
G_DECLARE_FINAL_TYPE(CoronerHistoryPage, coroner_history_page, CORONER, HISTORY_PAGE, GtkWidget)

void coroner_history_page_set_window(CoronerHistoryPage *self, CoronerWindow *window);
void coroner_history_page_focus(CoronerHistoryPage *self);

G_END_DECLS
