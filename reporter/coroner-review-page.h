/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The review page: exactly what will be sent (the Sentry client's envelope
 * bytes, each JSON item pretty-printed, attachments listed), a comment, an
 * optional e-mail address, and Send / Don't Send / "Always send reports for
 * this application".  Sending shows progress, then sent, queued or rejected.
 */
#pragma once

#include <adwaita.h>

#include "coroner-reports.h"

G_BEGIN_DECLS

#define CORONER_TYPE_REVIEW_PAGE (coroner_review_page_get_type())
G_DECLARE_FINAL_TYPE(CoronerReviewPage, coroner_review_page, CORONER, REVIEW_PAGE, GtkWidget)

/* What the page shows and changes; the window passes it once. */
void coroner_review_page_set_reports(CoronerReviewPage *self, CoronerReports *reports);
void coroner_review_page_set_crash(CoronerReviewPage *self, CoronerCrash *crash);
void coroner_review_page_focus(CoronerReviewPage *self);

G_END_DECLS
