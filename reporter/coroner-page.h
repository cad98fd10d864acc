/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the window's pages (history, crash, review) share: each is a plain
 * GtkWidget whose template's root is its one child.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * Disposes page's template (type is the page's own type) and unparents its
 * root, which the template does not bind.  Call from the page's dispose.
 */
void coroner_page_dispose_template(GtkWidget *page, GType type);

G_END_DECLS
