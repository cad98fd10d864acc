/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-history-page.h"

#include <glib/gi18n.h>

#include "coroner-crash.h"
#include "coroner-page.h"

/*
 * The list shows the newest crashes only: a crash-looping program can leave
 * thousands, and a row per crash would make the window slow to open.  The
 * heading says how many there are in all.
 */
#define HISTORY_ROWS 100

struct _CoronerHistoryPage {
    GtkWidget parent_instance;
    GListModel *model; /* all crashes */
    GtkFilterListModel *shown;  /* model, or only the crashes of a group notification */
    GHashTable *only;           /* crash ids shown, NULL: all */
    char *title;                /* what the list is, NULL: "Previous Crashes" */
    GtkSliceListModel *newest;
    GtkLabel *heading;
    GtkStack *stack;
    GtkListBox *list;
};

G_DEFINE_FINAL_TYPE(CoronerHistoryPage, coroner_history_page, GTK_TYPE_WIDGET)

static GtkWidget *create_row(gpointer item, gpointer data)
{
    CoronerCrash *crash = item;
    GtkWidget *row = adw_action_row_new();
    GtkWidget *icon = gtk_image_new_from_icon_name(coroner_crash_get_app(crash)->icon_name);
    GtkWidget *arrow = gtk_image_new_from_icon_name("go-next-symbolic");

    gtk_image_set_pixel_size(GTK_IMAGE(icon), 32);
    adw_action_row_add_prefix(ADW_ACTION_ROW(row), icon);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), arrow);
    gtk_list_box_row_set_activatable(GTK_LIST_BOX_ROW(row), TRUE);
    g_object_bind_property(crash, "title", row, "title", G_BINDING_SYNC_CREATE);
    g_object_bind_property(crash, "subtitle", row, "subtitle", G_BINDING_SYNC_CREATE);
    g_object_set_data_full(G_OBJECT(row), "crash", g_object_ref(crash), g_object_unref);
    return row;
}

static void update_empty(CoronerHistoryPage *self)
{
    guint n = self->shown ? g_list_model_get_n_items(G_LIST_MODEL(self->shown)) : 0;
    gboolean empty = n == 0;

    if (self->title) {
        gtk_label_set_text(self->heading, self->title);
    } else if (n > HISTORY_ROWS) {
        g_autofree char *heading = g_strdup_printf(
            g_dngettext(GETTEXT_PACKAGE, "Previous Crashes (the newest %u of %u)", "Previous Crashes (the newest %u of %u)", n),
            HISTORY_ROWS, n);
        gtk_label_set_text(self->heading, heading);
    } else {
        gtk_label_set_text(self->heading, _("Previous Crashes"));
    }

    GtkWidget *shown = gtk_stack_get_child_by_name(self->stack, empty ? "empty" : "list");
    GtkWidget *hidden = gtk_stack_get_child_by_name(self->stack, empty ? "list" : "empty");

    /* Hidden rather than just not visible: see show_page() in coroner-window.c. */
    gtk_widget_set_visible(shown, TRUE);
    gtk_stack_set_visible_child(self->stack, shown);
    gtk_widget_set_visible(hidden, FALSE);
}

static void on_items_changed(GListModel *model, guint position, guint removed, guint added, gpointer data)
{
    update_empty(data);
}

static void on_row_activated(GtkListBox *list, GtkListBoxRow *row, gpointer data)
{
    CoronerHistoryPage *self = data;
    CoronerCrash *crash = g_object_get_data(G_OBJECT(row), "crash");

    if (crash)
        gtk_widget_activate_action(GTK_WIDGET(self), "win.show-crash", "s", coroner_crash_get_id(crash));
}

void coroner_history_page_set_reports(CoronerHistoryPage *self, CoronerReports *reports)
{
    g_set_object(&self->model, G_LIST_MODEL(coroner_reports_get_crashes(reports)));
}

static gboolean is_shown(gpointer item, gpointer data)
{
    CoronerHistoryPage *self = data;

    return !self->only || g_hash_table_contains(self->only, coroner_crash_get_id(item));
}

/* The rows are made the first time the list is shown, not with the window. */
static void ensure_bound(CoronerHistoryPage *self)
{
    if (self->newest || !self->model)
        return;
    self->shown = gtk_filter_list_model_new(g_object_ref(self->model),
                                            GTK_FILTER(gtk_custom_filter_new(is_shown, self, NULL)));
    self->newest = gtk_slice_list_model_new(g_object_ref(G_LIST_MODEL(self->shown)), 0, HISTORY_ROWS);
    gtk_list_box_bind_model(self->list, G_LIST_MODEL(self->newest), create_row, self, NULL);
    g_signal_connect_object(self->shown, "items-changed", G_CALLBACK(on_items_changed), self, 0);
    update_empty(self);
}

void coroner_history_page_set_only(CoronerHistoryPage *self, const char *const *ids, const char *title)
{
    g_clear_pointer(&self->only, g_hash_table_unref);
    g_clear_pointer(&self->title, g_free);
    if (ids) {
        self->only = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        for (guint i = 0; ids[i]; i++)
            g_hash_table_add(self->only, g_strdup(ids[i]));
        self->title = g_strdup(title);
    }
    ensure_bound(self);
    gtk_filter_changed(gtk_filter_list_model_get_filter(self->shown), GTK_FILTER_CHANGE_DIFFERENT);
    update_empty(self);
}

void coroner_history_page_focus(CoronerHistoryPage *self)
{
    ensure_bound(self);
    GtkListBoxRow *first = gtk_list_box_get_row_at_index(self->list, 0);

    if (first)
        gtk_widget_grab_focus(GTK_WIDGET(first));
}

static void coroner_history_page_dispose(GObject *object)
{
    CoronerHistoryPage *self = CORONER_HISTORY_PAGE(object);

    if (self->newest)
        gtk_list_box_bind_model(self->list, NULL, NULL, NULL, NULL);
    g_clear_object(&self->newest);
    g_clear_object(&self->shown);
    g_clear_pointer(&self->only, g_hash_table_unref);
    g_clear_pointer(&self->title, g_free);
    g_clear_object(&self->model);
    coroner_page_dispose_template(GTK_WIDGET(object), CORONER_TYPE_HISTORY_PAGE);
    G_OBJECT_CLASS(coroner_history_page_parent_class)->dispose(object);
}

static void coroner_history_page_class_init(CoronerHistoryPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->dispose = coroner_history_page_dispose;
    gtk_widget_class_set_template_from_resource(widget_class, "/org/coroner/Reporter/coroner-history-page.ui");
    gtk_widget_class_bind_template_child(widget_class, CoronerHistoryPage, stack);
    gtk_widget_class_bind_template_child(widget_class, CoronerHistoryPage, list);
    gtk_widget_class_bind_template_child(widget_class, CoronerHistoryPage, heading);
}

static void coroner_history_page_init(CoronerHistoryPage *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_signal_connect(self->list, "row-activated", G_CALLBACK(on_row_activated), self);
}
