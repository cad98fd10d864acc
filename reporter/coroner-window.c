/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-window.h"

#include <glib/gi18n.h>

#include "coroner-a11y.h"
#include "coroner-crash-page.h"
#include "coroner-history-page.h"
#include "coroner-preferences.h"
#include "coroner-review-page.h"

struct _CoronerWindow {
    AdwWindow parent_instance;

    CoronerReports *reports;
    CoronerCrash *crash; /* the crash on the crash and review pages */
    char *list_title;    /* the history's title while it lists a group's crashes */

    AdwToastOverlay *toasts;
    AdwWindowTitle *window_title;
    GtkButton *back_button;
    GtkStack *stack;
    CoronerHistoryPage *history_page;
    CoronerCrashPage *crash_page;
    CoronerReviewPage *review_page;
};

G_DEFINE_FINAL_TYPE(CoronerWindow, coroner_window, ADW_TYPE_WINDOW)

/*
 * Shows one page and hides the others.  GTK 4.8 keeps a stack's hidden pages
 * in the accessibility tree as if they were on screen; hiding them keeps
 * screen readers (and our AT-SPI tests) on the page the user sees.
 */
static void show_page(CoronerWindow *self, const char *name)
{
    GtkWidget *page = gtk_stack_get_child_by_name(self->stack, name);

    gtk_widget_set_visible(page, TRUE);
    gtk_stack_set_visible_child(self->stack, page);
    for (GtkWidget *child = gtk_widget_get_first_child(GTK_WIDGET(self->stack)); child;
         child = gtk_widget_get_next_sibling(child))
        if (child != page)
            gtk_widget_set_visible(child, FALSE);
    coroner_a11y_name_generic(GTK_WIDGET(self));
}

static void update_chrome(CoronerWindow *self)
{
    const char *page = gtk_stack_get_visible_child_name(self->stack);
    gboolean history = g_strcmp0(page, "history") == 0;

    gtk_widget_set_visible(GTK_WIDGET(self->back_button), !history);
    if (history) {
        adw_window_title_set_title(self->window_title, self->list_title ? self->list_title : _("Previous Crashes"));
        adw_window_title_set_subtitle(self->window_title, NULL);
    } else if (self->crash) {
        g_autofree char *title = coroner_crash_dup_title(self->crash);
        adw_window_title_set_title(self->window_title,
                                   g_strcmp0(page, "review") == 0 ? _("Review Report") : _("Crash Details"));
        adw_window_title_set_subtitle(self->window_title, title);
    }
}

/* Shows the page name with its title and back button, and puts the focus on it. */
static void show(CoronerWindow *self, const char *name)
{
    show_page(self, name);
    update_chrome(self);
    if (g_str_equal(name, "history"))
        coroner_history_page_focus(self->history_page);
    else if (g_str_equal(name, "crash"))
        coroner_crash_page_focus(self->crash_page);
    else
        coroner_review_page_focus(self->review_page);
}

void coroner_window_show_history(CoronerWindow *self)
{
    g_clear_pointer(&self->list_title, g_free);
    coroner_history_page_set_only(self->history_page, NULL, NULL);
    show(self, "history");
}

/* "Crashes of Text Editor", "Crashes of Text Editor and Maps", "Crashes of Text Editor, Maps and 3 More". */
static char *group_title(CoronerReports *reports, const char *const *ids)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; ids[i]; i++) {
        CoronerCrash *crash = coroner_crash_list_lookup(coroner_reports_get_crashes(reports), ids[i]);
        const char *name = crash ? coroner_crash_get_app(crash)->name : NULL;
        if (name && !g_ptr_array_find_with_equal_func(names, name, g_str_equal, NULL))
            g_ptr_array_add(names, g_strdup(name));
    }
    if (names->len == 0)
        return g_strdup(_("Previous Crashes"));
    if (names->len == 1)
        /* Translators: %s is an application name */
        return g_strdup_printf(_("Crashes of %s"), (char *)names->pdata[0]);
    if (names->len == 2)
        /* Translators: two application names */
        return g_strdup_printf(_("Crashes of %s and %s"), (char *)names->pdata[0], (char *)names->pdata[1]);
    return g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "Crashes of %s, %s and %u More",
                                       "Crashes of %s, %s and %u More", names->len - 2),
                           (char *)names->pdata[0], (char *)names->pdata[1], names->len - 2);
}

void coroner_window_show_crashes(CoronerWindow *self, const char *const *ids)
{
    g_free(self->list_title);
    self->list_title = group_title(self->reports, ids);
    coroner_history_page_set_only(self->history_page, ids, self->list_title);
    show(self, "history");
}

void coroner_window_show_crash(CoronerWindow *self, CoronerCrash *crash)
{
    g_set_object(&self->crash, crash);
    coroner_crash_page_set_crash(self->crash_page, crash);
    show(self, "crash");
}

void coroner_window_show_review(CoronerWindow *self, CoronerCrash *crash)
{
    g_set_object(&self->crash, crash);
    coroner_review_page_set_crash(self->review_page, crash);
    show(self, "review");
}

CoronerCrash *coroner_window_get_crash(CoronerWindow *self)
{
    return self->crash;
}

gboolean coroner_window_is_on_crash_page(CoronerWindow *self)
{
    return g_strcmp0(gtk_stack_get_visible_child_name(self->stack), "crash") == 0;
}

void coroner_window_toast(CoronerWindow *self, const char *message)
{
    AdwToast *toast = adw_toast_new(message);

    /* Twice libadwaita's default: time to hear it read out, or to find it with a screen reader. */
    adw_toast_set_timeout(toast, 10);
    adw_toast_overlay_add_toast(self->toasts, toast);
}

static void action_back(GtkWidget *widget, const char *name, GVariant *parameter)
{
    CoronerWindow *self = CORONER_WINDOW(widget);
    const char *page = gtk_stack_get_visible_child_name(self->stack);

    if (g_strcmp0(page, "review") == 0 && self->crash)
        coroner_window_show_crash(self, self->crash);
    else
        coroner_window_show_history(self);
}

static void action_history(GtkWidget *widget, const char *name, GVariant *parameter)
{
    coroner_window_show_history(CORONER_WINDOW(widget));
}

static void action_show_crash(GtkWidget *widget, const char *name, GVariant *parameter)
{
    CoronerWindow *self = CORONER_WINDOW(widget);
    CoronerCrash *crash = coroner_crash_list_lookup(coroner_reports_get_crashes(self->reports),
                                                    g_variant_get_string(parameter, NULL));

    if (crash)
        coroner_window_show_crash(self, crash);
}

static void action_review(GtkWidget *widget, const char *name, GVariant *parameter)
{
    CoronerWindow *self = CORONER_WINDOW(widget);

    if (self->crash)
        coroner_window_show_review(self, self->crash);
}

static void action_preferences(GtkWidget *widget, const char *name, GVariant *parameter)
{
    CoronerWindow *self = CORONER_WINDOW(widget);

    gtk_window_present(GTK_WINDOW(coroner_preferences_new(GTK_WINDOW(self), self->reports)));
}

static void on_page_toast(CoronerWindow *self, const char *message)
{
    coroner_window_toast(self, message);
}

static void coroner_window_dispose(GObject *object)
{
    CoronerWindow *self = CORONER_WINDOW(object);

    g_clear_object(&self->crash);
    g_clear_object(&self->reports);
    g_clear_pointer(&self->list_title, g_free);
    gtk_widget_dispose_template(GTK_WIDGET(self), CORONER_TYPE_WINDOW);
    G_OBJECT_CLASS(coroner_window_parent_class)->dispose(object);
}

static void coroner_window_class_init(CoronerWindowClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    object_class->dispose = coroner_window_dispose;
    g_type_ensure(CORONER_TYPE_HISTORY_PAGE);
    g_type_ensure(CORONER_TYPE_CRASH_PAGE);
    g_type_ensure(CORONER_TYPE_REVIEW_PAGE);
    gtk_widget_class_set_template_from_resource(widget_class, "/org/coroner/Reporter/coroner-window.ui");
    gtk_widget_class_bind_template_child(widget_class, CoronerWindow, toasts);
    gtk_widget_class_bind_template_child(widget_class, CoronerWindow, window_title);
    gtk_widget_class_bind_template_child(widget_class, CoronerWindow, back_button);
    gtk_widget_class_bind_template_child(widget_class, CoronerWindow, stack);
    gtk_widget_class_bind_template_child(widget_class, CoronerWindow, history_page);
    gtk_widget_class_bind_template_child(widget_class, CoronerWindow, crash_page);
    gtk_widget_class_bind_template_child(widget_class, CoronerWindow, review_page);
    gtk_widget_class_install_action(widget_class, "win.back", NULL, action_back);
    gtk_widget_class_install_action(widget_class, "win.history", NULL, action_history);
    /* What the pages ask of the window: they know its actions, not the window. */
    gtk_widget_class_install_action(widget_class, "win.show-crash", "s", action_show_crash);
    gtk_widget_class_install_action(widget_class, "win.review", NULL, action_review);
    gtk_widget_class_install_action(widget_class, "win.preferences", NULL, action_preferences);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_comma, GDK_CONTROL_MASK, "win.preferences", NULL);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Escape, 0, "win.back", NULL);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_h, GDK_CONTROL_MASK, "win.history", NULL);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void coroner_window_init(CoronerWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    g_signal_connect_swapped(self->crash_page, "toast", G_CALLBACK(on_page_toast), self);
    /* Each page is a panel a screen reader names: what it shows, not "GtkStackPage". */
    coroner_a11y_set_name(GTK_ACCESSIBLE(gtk_stack_get_page(self->stack, GTK_WIDGET(self->history_page))),
                          _("Previous Crashes"));
    coroner_a11y_set_name(GTK_ACCESSIBLE(gtk_stack_get_page(self->stack, GTK_WIDGET(self->crash_page))),
                          _("Crash Details"));
    coroner_a11y_set_name(GTK_ACCESSIBLE(gtk_stack_get_page(self->stack, GTK_WIDGET(self->review_page))),
                          _("Review Report"));
}

CoronerWindow *coroner_window_new(CoronerReports *reports)
{
    CoronerWindow *self = g_object_new(CORONER_TYPE_WINDOW, NULL);

    self->reports = g_object_ref(reports);
    gtk_window_set_icon_name(GTK_WINDOW(self), "org.coroner.Reporter");
    coroner_history_page_set_reports(self->history_page, reports);
    coroner_crash_page_set_reports(self->crash_page, reports);
    coroner_review_page_set_reports(self->review_page, reports);
    return self;
}
