/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One crash: what crashed and when, the backtrace and its quality, the details. */
#pragma once

#include <adwaita.h>

#include "coroner-crash.h"

G_BEGIN_DECLS

typedef struct _CoronerWindow CoronerWindow;

#define CORONER_TYPE_CRASH_PAGE (coroner_crash_page_get_type())
G_DECLARE_FINAL_TYPE(CoronerCrashPage, coroner_crash_page, CORONER, CRASH_PAGE, GtkWidget)

void coroner_crash_page_set_window(CoronerCrashPage *self, CoronerWindow *window);
void coroner_crash_page_set_crash(CoronerCrashPage *self, CoronerCrash *crash);
void coroner_crash_page_focus(CoronerCrashPage *self);

G_END_DECLS
