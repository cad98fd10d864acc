/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The review page: exactly what will be sent (the Sentry client's envelope
 * bytes, each JSON item pretty-printed, attachments listed), a comment, an
 * optional e-mail address, and Send / Don't Send / "Always send reports for
 * this application".  Sending shows progress, then sent, queued or rejected.
 */
#pragma once

#include <adwaita.h>

#include "coroner-crash.h"

G_BEGIN_DECLS

typedef struct _CoronerWindow CoronerWindow;

#define CORONER_TYPE_REVIEW_PAGE (coroner_review_page_get_type())
G_DECLARE_FINAL_TYPE(CoronerReviewPage, coroner_review_page, CORONER, REVIEW_PAGE, GtkWidget)

void coroner_review_page_set_window(CoronerReviewPage *self, CoronerWindow *window);
void coroner_review_page_set_crash(CoronerReviewPage *self, CoronerCrash *crash);
void coroner_review_page_focus(CoronerReviewPage *self);

G_END_DECLS
