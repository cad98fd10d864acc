/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-preferences.h"

#include <gio/gdesktopappinfo.h>
#include <glib/gi18n.h>

#include "coroner-app-choice.h"

struct _CoronerPreferences {
    AdwPreferencesWindow parent_instance;
    GSettings *settings;
    AdwPreferencesGroup *always_group;
    AdwPreferencesGroup *muted_group;
    GPtrArray *choice_rows; /* rows in the two groups above */
};

G_DEFINE_FINAL_TYPE(CoronerPreferences, coroner_preferences, ADW_TYPE_PREFERENCES_WINDOW)

/* An application key (desktop id, else executable path) in the desktop's words. */
static char *app_name(const char *key)
{
    g_autofree char *desktop_id = g_strconcat(key, ".desktop", NULL);
    g_autoptr(GDesktopAppInfo) info = g_path_is_absolute(key) ? NULL : g_desktop_app_info_new(desktop_id);

    if (info)
        return g_strdup(g_app_info_get_display_name(G_APP_INFO(info)));
    return g_path_get_basename(key);
}

static void on_forget(GtkButton *button, gpointer data)
{
    CoronerPreferences *self = data;

    coroner_app_choice_set(self->settings, g_object_get_data(G_OBJECT(button), "app-key"), NULL);
}

static void add_choice_rows(CoronerPreferences *self, AdwPreferencesGroup *group, const char *choice,
                            const char *button_text, const char *empty_text)
{
    g_auto(GStrv) keys = coroner_app_choice_list(self->settings, choice);

    for (guint i = 0; keys[i]; i++) {
        g_autofree char *name = app_name(keys[i]);
        GtkWidget *row = adw_action_row_new();
        GtkWidget *button = gtk_button_new();
        GtkWidget *label = gtk_label_new_with_mnemonic(button_text);
        g_autofree char *plain = NULL;

        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), name);
        adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(row), FALSE);
        gtk_widget_set_valign(button, GTK_ALIGN_CENTER);
        g_object_set_data_full(G_OBJECT(button), "app-key", g_strdup(keys[i]), g_free);
        /*
         * Its name says which application: "Unmute Text Editor", not a row of
         * "Unmute"s.  The visible label is hidden from the accessibility tree:
         * GTK 4.8 would append its text to the name.
         */
        gtk_button_set_child(GTK_BUTTON(button), label);
        gtk_accessible_update_state(GTK_ACCESSIBLE(label), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
        /* Translators: a button's name for screen readers: "Unmute" and an application name */
        plain = g_strdup_printf(_("%s %s"), gtk_label_get_text(GTK_LABEL(label)), name);
        gtk_accessible_update_property(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_PROPERTY_LABEL, plain, -1);
        g_signal_connect(button, "clicked", G_CALLBACK(on_forget), self);
        adw_action_row_add_suffix(ADW_ACTION_ROW(row), button);
        adw_preferences_group_add(group, row);
        g_ptr_array_add(self->choice_rows, row);
    }
    if (!keys[0]) {
        GtkWidget *row = adw_action_row_new();
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), empty_text);
        adw_preferences_group_add(group, row);
        g_ptr_array_add(self->choice_rows, row);
    }
}

static void render_choices(CoronerPreferences *self)
{
    for (guint i = 0; i < self->choice_rows->len; i++) {
        GtkWidget *row = g_ptr_array_index(self->choice_rows, i);
        adw_preferences_group_remove(ADW_PREFERENCES_GROUP(gtk_widget_get_ancestor(row, ADW_TYPE_PREFERENCES_GROUP)),
                                     row);
    }
    g_ptr_array_set_size(self->choice_rows, 0);
    add_choice_rows(self, self->always_group, "always", _("_Forget"), _("No application is sent automatically."));
    add_choice_rows(self, self->muted_group, "never", _("_Unmute"), _("No application is muted."));
}

static void on_choices_changed(GSettings *settings, const char *key, gpointer data)
{
    render_choices(data);
}

static GtkWidget *switch_row(CoronerPreferences *self, AdwPreferencesGroup *group, const char *key,
                             const char *title, const char *subtitle)
{
    GtkWidget *row = adw_action_row_new();
    GtkWidget *toggle = gtk_switch_new();

    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
    adw_preferences_row_set_use_underline(ADW_PREFERENCES_ROW(row), TRUE);
    if (subtitle)
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
    gtk_widget_set_valign(toggle, GTK_ALIGN_CENTER);
    g_settings_bind(self->settings, key, toggle, "active", G_SETTINGS_BIND_DEFAULT);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), toggle);
    adw_action_row_set_activatable_widget(ADW_ACTION_ROW(row), toggle);
    adw_preferences_group_add(group, row);
    return row;
}

static void build(CoronerPreferences *self, CoronerReports *reports)
{
    GtkWidget *page = adw_preferences_page_new();
    AdwPreferencesGroup *group;
    g_autofree char *hosts = coroner_reports_dup_debuginfod_hosts(reports);
    g_autofree char *symbols = NULL;
    GtkWidget *row, *spin;

    /* What the user chose per application first: this is where those choices are undone. */
    self->muted_group = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
    adw_preferences_group_set_title(self->muted_group, _("Muted Applications"));
    adw_preferences_group_set_description(self->muted_group,
                                          _("Their crashes are listed, but not announced."));
    adw_preferences_page_add(ADW_PREFERENCES_PAGE(page), self->muted_group);
    self->always_group = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
    adw_preferences_group_set_title(self->always_group, _("Sent Without Asking"));
    adw_preferences_page_add(ADW_PREFERENCES_PAGE(page), self->always_group);
    group = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
    adw_preferences_group_set_title(group, _("Crashes"));
    switch_row(self, group, "notifications", _("_Notify About New Crashes"), NULL);
    switch_row(self, group, "automatic-sending", _("Send Reports _Automatically"),
               _("Only for applications whose developers receive reports"));
    row = adw_action_row_new();
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), _("Days to Keep Crashes"));
    spin = gtk_spin_button_new_with_range(1, 365, 1);
    gtk_widget_set_valign(spin, GTK_ALIGN_CENTER);
    g_settings_bind(self->settings, "retention-days", spin, "value", G_SETTINGS_BIND_DEFAULT);
    gtk_accessible_update_property(GTK_ACCESSIBLE(spin), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Days to Keep Crashes"), -1);
    adw_action_row_add_suffix(ADW_ACTION_ROW(row), spin);
    adw_preferences_group_add(group, row);
    adw_preferences_page_add(ADW_PREFERENCES_PAGE(page), group);

    group = ADW_PREFERENCES_GROUP(adw_preferences_group_new());
    adw_preferences_group_set_title(group, _("Debugging Symbols"));
    /* Translators: %s is a server's host name, such as debuginfod.debian.net */
    symbols = g_strdup_printf(_("From %s, when a backtrace lacks them. The server learns which versions of programs you use."),
                              *hosts ? hosts : _("no server"));
    switch_row(self, group, "debuginfod", _("_Download Debugging Symbols"), symbols);
    adw_preferences_page_add(ADW_PREFERENCES_PAGE(page), group);

    render_choices(self);
    g_signal_connect_object(self->settings, "changed::app-choices", G_CALLBACK(on_choices_changed), self, 0);

    adw_preferences_window_add(ADW_PREFERENCES_WINDOW(self), ADW_PREFERENCES_PAGE(page));
}

static void coroner_preferences_dispose(GObject *object)
{
    CoronerPreferences *self = CORONER_PREFERENCES(object);

    g_clear_object(&self->settings);
    G_OBJECT_CLASS(coroner_preferences_parent_class)->dispose(object);
}

static void coroner_preferences_finalize(GObject *object)
{
    g_ptr_array_unref(CORONER_PREFERENCES(object)->choice_rows);
    G_OBJECT_CLASS(coroner_preferences_parent_class)->finalize(object);
}

static void coroner_preferences_class_init(CoronerPreferencesClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = coroner_preferences_dispose;
    G_OBJECT_CLASS(klass)->finalize = coroner_preferences_finalize;
}

static void coroner_preferences_init(CoronerPreferences *self)
{
    self->choice_rows = g_ptr_array_new();
}

CoronerPreferences *coroner_preferences_new(GtkWindow *parent, CoronerReports *reports)
{
    CoronerPreferences *self = g_object_new(CORONER_TYPE_PREFERENCES, "transient-for", parent, "modal", TRUE,
                                            "search-enabled", FALSE, "title", _("Preferences"), "default-height", 760, NULL);

    self->settings = g_object_ref(coroner_reports_get_settings(reports));
    build(self, reports);
    return self;
}
