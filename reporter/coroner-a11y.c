/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-a11y.h"

#include <glib/gi18n.h>

void coroner_a11y_set_name(GtkAccessible *accessible, const char *name)
{
    gtk_accessible_update_property(accessible, GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

static gboolean is_type(GtkWidget *widget, const char *name)
{
    return g_str_equal(G_OBJECT_TYPE_NAME(widget), name);
}

static gboolean inside(GtkWidget *widget, const char *type_name)
{
    for (GtkWidget *w = gtk_widget_get_parent(widget); w; w = gtk_widget_get_parent(w))
        if (is_type(w, type_name))
            return TRUE;
    return FALSE;
}

static void on_expanded(GtkExpander *expander, GParamSpec *pspec, gpointer data)
{
    if (gtk_expander_get_expanded(expander) && gtk_expander_get_child(expander))
        coroner_a11y_name_generic(gtk_expander_get_child(expander));
}

static void name_one(GtkWidget *widget)
{
    if (GTK_IS_SCROLLBAR(widget)) {
        gboolean vertical = gtk_orientable_get_orientation(GTK_ORIENTABLE(widget)) == GTK_ORIENTATION_VERTICAL;
        coroner_a11y_set_name(GTK_ACCESSIBLE(widget), vertical ? _("Vertical scroll bar") : _("Horizontal scroll bar"));
    } else if ((is_type(widget, "GtkRange") && GTK_IS_SCROLLBAR(gtk_widget_get_parent(widget))) ||
               is_type(widget, "GtkBuiltinIcon")) {
        /* A scroll bar's track, a check box's tick: the control around it is what is named. */
        gtk_accessible_update_state(GTK_ACCESSIBLE(widget), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
    } else if (is_type(widget, "AdwGizmo") || is_type(widget, "AdwWindowTitle")) {
        coroner_a11y_set_name(GTK_ACCESSIBLE(widget), inside(widget, "AdwHeaderBar") || is_type(widget, "AdwWindowTitle")
                                                          ? _("Title bar")
                                                          : _("Group"));
    } else if (GTK_IS_EXPANDER(widget)) {
        /* GTK 4.8 calls an expander "GtkExpander" whatever its label says: its label's text is its name. */
        GtkWidget *label = gtk_expander_get_label_widget(GTK_EXPANDER(widget));
        if (GTK_IS_LABEL(label))
            coroner_a11y_set_name(GTK_ACCESSIBLE(widget), gtk_label_get_text(GTK_LABEL(label)));
        /* What it holds joins the widget tree only as it opens: named then. */
        if (!g_object_get_data(G_OBJECT(widget), "coroner-a11y-watched")) {
            g_object_set_data(G_OBJECT(widget), "coroner-a11y-watched", GINT_TO_POINTER(1));
            g_signal_connect(widget, "notify::expanded", G_CALLBACK(on_expanded), NULL);
        }
    } else if (GTK_IS_FRAME(widget) || GTK_IS_VIEWPORT(widget)) {
        coroner_a11y_set_name(GTK_ACCESSIBLE(widget), _("Group"));
    } else if (GTK_IS_LIST_BOX(widget) && !inside(widget, "CoronerHistoryPage")) {
        coroner_a11y_set_name(GTK_ACCESSIBLE(widget), _("List"));
    }
}

void coroner_a11y_name_generic(GtkWidget *root)
{
    name_one(root);
    for (GtkWidget *child = gtk_widget_get_first_child(root); child; child = gtk_widget_get_next_sibling(child))
        coroner_a11y_name_generic(child);
}
