/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Names for what a screen reader can reach.  GTK 4.8 (Debian 12) names every
 * object without a label after its type: a header bar's boxes "AdwGizmo", a
 * scroll bar "GtkScrollbar", a frame "GtkFrame", a stack's page
 * "GtkStackPage", an expander "GtkExpander" whatever its label says.  Screen
 * readers read that out; this gives each a name in words, or hides the inner
 * parts of a control that has one.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * Names (or hides) the unnamed objects of GTK's and libadwaita's own types
 * under root, an expander after its label.  What a collapsed expander holds is
 * outside the widget tree until it opens: each expander found names its
 * contents again whenever it opens.
 */
void coroner_a11y_name_generic(GtkWidget *root);

/* Sets widget's accessible name (a label, not a relation). */
void coroner_a11y_set_name(GtkAccessible *accessible, const char *name);

G_END_DECLS
