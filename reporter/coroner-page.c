/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-page.h"

void coroner_page_dispose_template(GtkWidget *page, GType type)
{
    gtk_widget_dispose_template(page, type);
    /* The template's root is not a bound child: unparent it ourselves. */
    for (GtkWidget *child; (child = gtk_widget_get_first_child(page));)
        gtk_widget_unparent(child);
}
