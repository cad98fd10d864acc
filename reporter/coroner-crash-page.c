/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-crash-page.h"

#include <gio/gdesktopappinfo.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "coroner-a11y.h"
#include "coroner-app-choice.h"
#include "coroner-backtrace-text.h"
#include "coroner-bug-tracker.h"
#include "coroner-debug-hint.h"
#include "coroner-format.h"
#include "coroner-page.h"
#include "coroner-report-text.h"

struct _CoronerCrashPage {
    GtkWidget parent_instance;
    CoronerReports *reports;
    CoronerCrash *crash; /* observed: record-changed, notify::symbolizing */
    GCancellable *cancellable;
    GPtrArray *detail_rows;   /* widgets added to details_group */
    GPtrArray *thread_rows;   /* expanders added to threads_box */

    GtkScrolledWindow *page_scroller;
    GtkScrolledWindow *backtrace_scroller;
    GtkImage *app_icon;
    GtkLabel *title_label;
    GtkLabel *version_label;
    GtkLabel *summary_label;
    GtkButton *restart_button;
    GtkButton *dismiss_button;
    GtkButton *bug_button;
    GtkButton *review_button;
    GtkButton *copy_report_button;
    GtkButton *save_button;
    GtkLabel *destination_label;
    char *bug_tracker; /* where Report Bug… goes, NULL when the application names none */
    GtkExpander *technical_expander; /* the backtrace and everything else only a developer reads */
    AdwActionRow *notify_row;
    GtkSwitch *notify_switch;
    GtkLevelBar *quality_bar;
    GtkLabel *quality_label;
    GtkLabel *hint_label;
    GtkButton *debuginfod_button;
    GtkButton *copy_button;
    GtkLabel *crashed_thread_label;
    GtkTextView *backtrace_view;
    GtkBox *threads_box;
    AdwPreferencesGroup *details_group;
};

G_DEFINE_FINAL_TYPE(CoronerCrashPage, coroner_crash_page, GTK_TYPE_WIDGET)

/* A short message at the bottom of the window. */
enum { SIGNAL_TOAST, N_SIGNALS };
static guint signals[N_SIGNALS];

static void toast(CoronerCrashPage *self, const char *message)
{
    g_signal_emit(self, signals[SIGNAL_TOAST], 0, message);
}

/*
 * Buttons carry a GtkLabel child that names them (labelled-by) rather than a
 * label: GTK 4.8 would otherwise name them twice, underscore included.
 */
static void set_button_text(GtkButton *button, const char *text)
{
    GtkWidget *label = gtk_label_new_with_mnemonic(text);

    gtk_button_set_child(button, label);
    gtk_accessible_update_relation(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
}

/*
 * A backtrace scrolls sideways only.  The mouse wheel over it scrolls the
 * page, as over any other part of it, unless the backtrace has the keyboard
 * focus (the user clicked into it): the wheel is not trapped by a box that
 * happens to pass under the pointer.
 */
static gboolean on_backtrace_wheel(GtkEventControllerScroll *controller, double dx, double dy, gpointer data)
{
    CoronerCrashPage *self = data;
    GtkWidget *scroller = gtk_event_controller_get_widget(GTK_EVENT_CONTROLLER(controller));
    GtkWidget *view = gtk_scrolled_window_get_child(GTK_SCROLLED_WINDOW(scroller));
    GtkAdjustment *page = gtk_scrolled_window_get_vadjustment(self->page_scroller);
    double step;

    if (dy == 0 || (view && gtk_widget_has_focus(view)))
        return FALSE;
    /* The step GTK's own scrolled window takes for one wheel click. */
    step = gtk_event_controller_scroll_get_unit(controller) == GDK_SCROLL_UNIT_WHEEL
               ? pow(gtk_adjustment_get_page_size(page), 2.0 / 3.0)
               : 1.0;
    gtk_adjustment_set_value(page, gtk_adjustment_get_value(page) + dy * step);
    return TRUE;
}

static void forward_wheel(CoronerCrashPage *self, GtkWidget *scroller)
{
    GtkEventController *wheel = gtk_event_controller_scroll_new(GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);

    gtk_event_controller_set_propagation_phase(wheel, GTK_PHASE_CAPTURE);
    g_signal_connect(wheel, "scroll", G_CALLBACK(on_backtrace_wheel), self);
    gtk_widget_add_controller(scroller, wheel);
}

static void add_detail(CoronerCrashPage *self, const char *title, const char *value)
{
    GtkWidget *row;

    if (!value || !*value)
        return;
    row = adw_action_row_new();
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
    adw_action_row_set_subtitle(ADW_ACTION_ROW(row), value);
    adw_preferences_row_set_use_markup(ADW_PREFERENCES_ROW(row), FALSE);
    gtk_widget_add_css_class(row, "property");
    adw_preferences_group_add(self->details_group, row);
    g_ptr_array_add(self->detail_rows, row);
}

static void clear_dynamic(CoronerCrashPage *self)
{
    for (guint i = 0; i < self->detail_rows->len; i++)
        adw_preferences_group_remove(self->details_group, g_ptr_array_index(self->detail_rows, i));
    g_ptr_array_set_size(self->detail_rows, 0);
    for (guint i = 0; i < self->thread_rows->len; i++)
        gtk_box_remove(self->threads_box, g_ptr_array_index(self->thread_rows, i));
    g_ptr_array_set_size(self->thread_rows, 0);
}

static GtkWidget *monospace_view(const char *text, const char *accessible_name)
{
    GtkWidget *view = gtk_text_view_new();

    gtk_text_view_set_editable(GTK_TEXT_VIEW(view), FALSE);
    gtk_text_view_set_monospace(GTK_TEXT_VIEW(view), TRUE);
    gtk_text_view_set_wrap_mode(GTK_TEXT_VIEW(view), GTK_WRAP_NONE);
    gtk_text_view_set_top_margin(GTK_TEXT_VIEW(view), 8);
    gtk_text_view_set_bottom_margin(GTK_TEXT_VIEW(view), 8);
    gtk_text_view_set_left_margin(GTK_TEXT_VIEW(view), 8);
    gtk_text_buffer_set_text(gtk_text_view_get_buffer(GTK_TEXT_VIEW(view)), text, -1);
    gtk_accessible_update_property(GTK_ACCESSIBLE(view), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible_name, -1);
    return view;
}

static void show_hint(CoronerCrashPage *self, const char *text, gboolean offer_debuginfod)
{
    gtk_label_set_text(self->hint_label, text ? text : "");
    gtk_widget_set_visible(GTK_WIDGET(self->hint_label), text != NULL);
    gtk_widget_set_visible(GTK_WIDGET(self->debuginfod_button), offer_debuginfod);
}

static void on_packages(GObject *source, GAsyncResult *result, gpointer data)
{
    CoronerCrashPage *self = data;
    g_auto(GStrv) packages = coroner_debug_hint_packages_finish(result, NULL);
    GSettings *settings;
    gboolean debuginfod;
    g_autofree char *text = NULL;

    if (!packages || !self->reports) {
        g_object_unref(self);
        return;
    }
    settings = coroner_reports_get_settings(self->reports);
    debuginfod = g_settings_get_boolean(settings, "debuginfod");
    if (packages[0]) {
        g_autofree char *list = g_strjoinv(" ", packages);
        if (debuginfod)
            /* Translators: %s is a list of Debian packages */
            text = g_strdup_printf(_("Some parts of the program have no debugging symbols. Install them with “sudo apt install %s” to see more."), list);
        else
            text = g_strdup_printf(_("Some parts of the program have no debugging symbols. Install them with “sudo apt install %s”, or download them automatically."), list);
    } else if (!debuginfod) {
        text = g_strdup(_("Some parts of the program have no debugging symbols. They can be downloaded automatically from a debuginfod server."));
    } else {
        text = g_strdup(_("Some parts of the program have no debugging symbols, and none could be found."));
    }
    show_hint(self, text, !debuginfod);
    g_object_unref(self);
}

static void on_notify_switched(GtkSwitch *widget, GParamSpec *pspec, gpointer data);

static void render_quality(CoronerCrashPage *self, const CoronerCrashRecord *record)
{
    CoronerQuality quality = coroner_debug_hint_quality(record);
    g_auto(GStrv) missing = coroner_debug_hint_missing_modules(record);
    double value = record && record->backtrace_quality >= 0 ? record->backtrace_quality
                   : quality == CORONER_QUALITY_GOOD        ? 1.0
                   : quality == CORONER_QUALITY_PARTIAL     ? 0.5
                   : quality == CORONER_QUALITY_POOR        ? 0.2
                                                            : 0.0;

    gtk_level_bar_set_value(self->quality_bar, value);
    gtk_label_set_text(self->quality_label, coroner_debug_hint_quality_label(quality));
    show_hint(self, NULL, FALSE);
    if (quality == CORONER_QUALITY_UNKNOWN) {
        show_hint(self, record && record->backtrace_error ? record->backtrace_error
                                                          : _("The backtrace has not been made yet."),
                  FALSE);
        return;
    }
    if (missing[0])
        coroner_debug_hint_packages_async(missing, self->cancellable, on_packages, g_object_ref(self));
}

static void render_backtrace(CoronerCrashPage *self, const CoronerCrashRecord *record)
{
    GtkTextBuffer *buffer = gtk_text_view_get_buffer(self->backtrace_view);

    if (!record || !record->threads || record->threads->len == 0) {
        gtk_label_set_text(self->crashed_thread_label, "");
        gtk_text_buffer_set_text(buffer, record && record->backtrace_error ? record->backtrace_error
                                                                           : _("No backtrace is available."),
                                 -1);
        gtk_widget_set_sensitive(GTK_WIDGET(self->copy_button), FALSE);
        return;
    }
    gtk_widget_set_sensitive(GTK_WIDGET(self->copy_button), TRUE);
    {
        const CoronerThread *crashed = g_ptr_array_index(record->threads, 0);
        g_autofree char *heading = coroner_backtrace_text_heading(crashed);
        g_autofree char *text = coroner_backtrace_text_thread(crashed);
        gtk_label_set_text(self->crashed_thread_label, heading);
        gtk_text_buffer_set_text(buffer, text, -1);
    }
    for (guint i = 1; i < record->threads->len; i++) {
        const CoronerThread *thread = g_ptr_array_index(record->threads, i);
        g_autofree char *heading = coroner_backtrace_text_heading(thread);
        g_autofree char *text = coroner_backtrace_text_thread(thread);
        GtkWidget *expander = gtk_expander_new(heading);
        GtkWidget *frame = gtk_frame_new(NULL);
        GtkWidget *scroller = gtk_scrolled_window_new();

        gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(scroller), GTK_POLICY_AUTOMATIC, GTK_POLICY_NEVER);
        forward_wheel(self, scroller);
        gtk_scrolled_window_set_child(GTK_SCROLLED_WINDOW(scroller), monospace_view(text, heading));
        gtk_frame_set_child(GTK_FRAME(frame), scroller);
        gtk_expander_set_child(GTK_EXPANDER(expander), frame);
        gtk_box_append(self->threads_box, expander);
        g_ptr_array_add(self->thread_rows, expander);
    }
}

static void render_details(CoronerCrashPage *self, const CoronerCrashRecord *record)
{
    g_autofree char *signal = NULL;
    g_autofree char *pid = NULL;
    g_autofree char *when = NULL;
    g_autoptr(GDateTime) time = NULL;

    if (!record)
        return;
    signal = coroner_format_signal(record->signal.number);
    if (record->signal.has_address) {
        g_autofree char *address = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", (guint64)record->signal.address);
        /* Translators: "SIGSEGV (Segmentation fault) at address 0x0" */
        g_autofree char *with_address = g_strdup_printf(_("%s at address %s"), signal, address);
        g_free(signal);
        signal = g_steal_pointer(&with_address);
    }
    add_detail(self, _("Signal"), signal);
    time = g_date_time_new_from_unix_local(record->timestamp_usec / G_USEC_PER_SEC);
    when = time ? g_date_time_format(time, "%c") : NULL;
    add_detail(self, _("Time"), when);
    add_detail(self, _("Program"), record->process.exe);
    add_detail(self, _("Command line"), record->process.cmdline);
    pid = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)record->process.pid);
    add_detail(self, _("Process ID"), pid);
    if (record->app) {
        add_detail(self, _("Application ID"), record->app->app_id);
        add_detail(self, _("Version"), record->app->version);
        if (record->app->exception_type) {
            g_autofree char *exception = g_strdup_printf("%s: %s", record->app->exception_type,
                                                         record->app->exception_what ? record->app->exception_what : "");
            add_detail(self, _("Exception"), exception);
        }
        for (guint i = 0; record->app->annotations && i < record->app->annotations->len; i++) {
            const CoronerAnnotation *annotation = g_ptr_array_index(record->app->annotations, i);
            add_detail(self, annotation->key, annotation->value);
        }
    }
    add_detail(self, _("Crash signature"), record->signature);
    add_detail(self, _("Core dump"), record->core.state == CORONER_CORE_PRESENT     ? _("Stored")
                                     : record->core.state == CORONER_CORE_TRUNCATED ? _("Stored, but cut short")
                                     : record->core.state == CORONER_CORE_NONE      ? _("Not wanted by the program")
                                                                                    : _("Missing"));
    if (record->modules && record->modules->len > 0) {
        GString *modules = g_string_new(NULL);
        for (guint i = 0; i < record->modules->len; i++) {
            const CoronerModule *module = g_ptr_array_index(record->modules, i);
            if (i > 0)
                g_string_append_c(modules, '\n');
            g_string_append(modules, module->path ? module->path : "?");
            if (!module->has_debug_info)
                g_string_append_printf(modules, " (%s)", _("no debugging symbols"));
        }
        add_detail(self, _("Modules"), modules->str);
        g_string_free(modules, TRUE);
    }
    add_detail(self, _("Crash id"), record->id);
}

/* ---- notifying about this application ---------------------------------- */

/*
 * The switch is the per-application "never" of the app-choices setting, and
 * its undo: off means the application's crashes are kept and listed but not
 * announced.  Turning it off also ends "always send": a report is never sent
 * about an application the user does not want to hear of.
 */
static void render_notify(CoronerCrashPage *self)
{
    GSettings *settings = self->reports ? coroner_reports_get_settings(self->reports) : NULL;
    const CoronerAppMatch *match = coroner_crash_get_app(self->crash);
    g_autofree char *choice = settings ? coroner_app_choice_get(settings, match->key) : NULL;
    /* Translators: %s is an application name */
    g_autofree char *subtitle = g_strdup_printf(_("When this is off, crashes of %s are still listed here, but not announced."),
                                                match->name);

    adw_action_row_set_subtitle(self->notify_row, subtitle);
    g_signal_handlers_block_by_func(self->notify_switch, on_notify_switched, self);
    gtk_switch_set_active(self->notify_switch, g_strcmp0(choice, "never") != 0);
    g_signal_handlers_unblock_by_func(self->notify_switch, on_notify_switched, self);
    gtk_widget_set_sensitive(GTK_WIDGET(self->notify_row), settings != NULL);
}

static void on_notify_switched(GtkSwitch *widget, GParamSpec *pspec, gpointer data)
{
    CoronerCrashPage *self = data;
    GSettings *settings;
    const CoronerAppMatch *match;
    g_autofree char *choice = NULL;
    g_autofree char *message = NULL;
    gboolean notify = gtk_switch_get_active(widget);

    if (!self->crash || !self->reports)
        return;
    settings = coroner_reports_get_settings(self->reports);
    match = coroner_crash_get_app(self->crash);
    choice = coroner_app_choice_get(settings, match->key);
    if (notify && g_strcmp0(choice, "never") == 0) {
        coroner_app_choice_set(settings, match->key, NULL);
        /* Translators: %s is an application name */
        message = g_strdup_printf(_("You will be told again when %s crashes."), match->name);
    } else if (!notify && g_strcmp0(choice, "never") != 0) {
        coroner_app_choice_set(settings, match->key, "never");
        /* Translators: %s is an application name */
        message = g_strdup_printf(_("You will not be told about crashes of %s any more."), match->name);
    }
    if (message)
        toast(self, message);
}

/*
 * Review Report… only when the report has somewhere to go; without, Report
 * Bug… when the application names a bug tracker.  Copy Report and Save
 * Report… always: the report is the user's to pass on.
 */
static void render_actions(CoronerCrashPage *self, const CoronerCrashRecord *record)
{
    const CoronerAppMatch *match = coroner_crash_get_app(self->crash);
    g_autofree char *dsn = self->reports ? coroner_reports_resolve_dsn(self->reports, self->crash, NULL) : NULL;

    g_clear_pointer(&self->bug_tracker, g_free);
    if (!dsn)
        self->bug_tracker = coroner_bug_tracker_lookup(match->desktop_id,
                                                       record && record->app ? record->app->bug_address : NULL);
    gtk_widget_set_visible(GTK_WIDGET(self->review_button), dsn != NULL);
    gtk_widget_set_visible(GTK_WIDGET(self->bug_button), self->bug_tracker != NULL);
    gtk_widget_set_visible(GTK_WIDGET(self->restart_button), match->desktop_id != NULL);
    if (!dsn) {
        g_autofree char *text =
            self->bug_tracker
                /* Translators: %s is an application name */
                ? g_strdup_printf(_("Reports about %s cannot be sent from here. Report Bug… copies the report and opens its bug tracker, where you can paste it."),
                                  match->name)
                : g_strdup_printf(_("Reports about %s cannot be sent from here: nobody has set up where they go. You can copy the report or save it to a file and pass it on."),
                                  match->name);
        gtk_label_set_text(self->destination_label, text);
    }
    gtk_widget_set_visible(GTK_WIDGET(self->destination_label), dsn == NULL);
}

static void render_version(CoronerCrashPage *self, const CoronerCrashRecord *record)
{
    const char *version = record && record->app ? record->app->version : NULL;
    g_autofree char *text = NULL;

    if (version && *version)
        /* Translators: %s is an application's version, such as 46.1 */
        text = g_strdup_printf(_("Version %s"), version);
    gtk_label_set_text(self->version_label, text ? text : "");
    gtk_widget_set_visible(GTK_WIDGET(self->version_label), text != NULL);
}

static void render(CoronerCrashPage *self)
{
    g_autoptr(GError) error = NULL;
    const CoronerCrashRecord *record;
    g_autofree char *title = NULL;
    g_autofree char *summary = NULL;

    clear_dynamic(self);
    if (!self->crash)
        return;
    record = coroner_crash_load(self->crash, &error);
    title = coroner_crash_dup_title(self->crash);
    summary = coroner_crash_dup_summary(self->crash);
    gtk_image_set_from_icon_name(self->app_icon, coroner_crash_get_app(self->crash)->icon_name);
    gtk_label_set_text(self->title_label, title);
    render_version(self, record);
    if (!record && error) {
        g_autofree char *with_error = g_strdup_printf("%s\n%s", summary, error->message);
        gtk_label_set_text(self->summary_label, with_error);
    } else {
        gtk_label_set_text(self->summary_label, summary);
    }
    gtk_widget_set_sensitive(GTK_WIDGET(self->dismiss_button),
                             coroner_crash_get_state(self->crash) == CORONER_REPORT_NEW);
    render_actions(self, record);
    render_notify(self);
    render_quality(self, record);
    render_backtrace(self, record);
    render_details(self, record);
    coroner_a11y_name_generic(GTK_WIDGET(self));
}

static void on_record_changed(CoronerCrash *crash, gpointer data)
{
    render(data);
}

static void update_symbols_button(CoronerCrashPage *self)
{
    gboolean busy = self->crash && coroner_crash_get_symbolizing(self->crash);

    gtk_widget_set_sensitive(GTK_WIDGET(self->debuginfod_button), !busy);
    set_button_text(self->debuginfod_button, busy ? _("Downloading Symbols…") : _("Download Symbo_ls and Retry"));
}

static void on_symbolizing_changed(CoronerCrash *crash, GParamSpec *pspec, gpointer data)
{
    CoronerCrashPage *self = data;
    const char *message = coroner_crash_get_symbolize_message(crash);

    update_symbols_button(self);
    if (!coroner_crash_get_symbolizing(crash) && message)
        toast(self, message);
}

static void observe(CoronerCrashPage *self, CoronerCrash *crash)
{
    if (self->crash) {
        g_signal_handlers_disconnect_by_data(self->crash, self);
        g_clear_object(&self->crash);
    }
    if (!crash)
        return;
    self->crash = g_object_ref(crash);
    g_signal_connect(crash, "record-changed", G_CALLBACK(on_record_changed), self);
    g_signal_connect(crash, "notify::symbolizing", G_CALLBACK(on_symbolizing_changed), self);
}

void coroner_crash_page_set_crash(CoronerCrashPage *self, CoronerCrash *crash)
{
    g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    self->cancellable = g_cancellable_new();
    observe(self, crash);
    render(self);
    update_symbols_button(self);
    /* Each crash opens with its technical details folded away and at its top, however the one before was left. */
    gtk_expander_set_expanded(self->technical_expander, FALSE);
    gtk_adjustment_set_value(gtk_scrolled_window_get_vadjustment(self->page_scroller), 0);
}

void coroner_crash_page_set_reports(CoronerCrashPage *self, CoronerReports *reports)
{
    g_set_object(&self->reports, reports);
}

CoronerCrashPage *coroner_crash_page_new(CoronerReports *reports)
{
    CoronerCrashPage *self = g_object_new(CORONER_TYPE_CRASH_PAGE, NULL);

    coroner_crash_page_set_reports(self, reports);
    return self;
}

void coroner_crash_page_focus(CoronerCrashPage *self)
{
    if (gtk_widget_get_visible(GTK_WIDGET(self->review_button)))
        gtk_widget_grab_focus(GTK_WIDGET(self->review_button));
    else if (gtk_widget_get_visible(GTK_WIDGET(self->bug_button)))
        gtk_widget_grab_focus(GTK_WIDGET(self->bug_button));
    else
        gtk_widget_grab_focus(GTK_WIDGET(self->copy_report_button));
}

static void on_review(GtkButton *button, gpointer data)
{
    CoronerCrashPage *self = data;

    if (self->crash)
        gtk_widget_activate_action(GTK_WIDGET(self), "win.review", NULL);
}

static void on_dismiss(GtkButton *button, gpointer data)
{
    CoronerCrashPage *self = data;

    if (!self->crash)
        return;
    coroner_reports_set_report_state(self->reports, self->crash, CORONER_REPORT_DISMISSED);
    toast(self, _("The crash was dismissed."));
    gtk_widget_activate_action(GTK_WIDGET(self), "win.history", NULL);
}

static void on_copy(GtkButton *button, gpointer data)
{
    CoronerCrashPage *self = data;
    const CoronerCrashRecord *record = self->crash ? coroner_crash_peek_record(self->crash) : NULL;
    g_autofree char *text = NULL;

    if (!record)
        return;
    text = coroner_backtrace_text_all(record);
    gdk_clipboard_set_text(gtk_widget_get_clipboard(GTK_WIDGET(self)), text);
    toast(self, _("The backtrace was copied."));
}


static void copy_report(CoronerCrashPage *self)
{
    g_autofree char *text = coroner_report_text(self->crash);

    gdk_clipboard_set_text(gtk_widget_get_clipboard(GTK_WIDGET(self)), text);
}

static void on_copy_report(GtkButton *button, gpointer data)
{
    CoronerCrashPage *self = data;

    if (!self->crash)
        return;
    copy_report(self);
    toast(self, _("The report was copied."));
}

static void on_bug_opened(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(CoronerCrashPage) self = data;
    g_autoptr(GError) error = NULL;

    if (!g_app_info_launch_default_for_uri_finish(result, &error)) {
        g_autofree char *message = g_strdup_printf(_("The bug tracker could not be opened: %s"), error->message);
        toast(self, message);
    }
}

static void on_report_bug(GtkButton *button, gpointer data)
{
    CoronerCrashPage *self = data;
    g_autoptr(GdkAppLaunchContext) context = NULL;

    if (!self->crash || !self->bug_tracker)
        return;
    /* The report goes to the clipboard first: the tracker's form is where it is pasted. */
    copy_report(self);
    toast(self, _("The report was copied. Paste it into the bug report."));
    context = gdk_display_get_app_launch_context(gtk_widget_get_display(GTK_WIDGET(self)));
    g_app_info_launch_default_for_uri_async(self->bug_tracker, G_APP_LAUNCH_CONTEXT(context), NULL, on_bug_opened,
                                            g_object_ref(self));
}

static void on_restart(GtkButton *button, gpointer data)
{
    CoronerCrashPage *self = data;
    const CoronerAppMatch *match = self->crash ? coroner_crash_get_app(self->crash) : NULL;
    g_autoptr(GDesktopAppInfo) info = match && match->desktop_id ? g_desktop_app_info_new(match->desktop_id) : NULL;
    g_autoptr(GdkAppLaunchContext) context = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;

    if (!info)
        return;
    context = gdk_display_get_app_launch_context(gtk_widget_get_display(GTK_WIDGET(self)));
    if (g_app_info_launch(G_APP_INFO(info), NULL, G_APP_LAUNCH_CONTEXT(context), &error))
        /* Translators: %s is an application name */
        message = g_strdup_printf(_("%s was started again."), match->name);
    else
        message = g_strdup_printf(_("%s could not be started: %s"), match->name, error->message);
    toast(self, message);
}

static void on_saved(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(CoronerCrashPage) self = data;
    g_autoptr(GError) error = NULL;
    g_autofree char *message = NULL;

    if (g_file_replace_contents_finish(G_FILE(source), result, NULL, &error)) {
        g_autofree char *name = g_file_get_parse_name(G_FILE(source));
        /* Translators: %s is a file name */
        message = g_strdup_printf(_("The report was saved as %s."), name);
    } else {
        message = g_strdup_printf(_("The report could not be saved: %s"), error->message);
    }
    toast(self, message);
}

static void on_save_response(GtkNativeDialog *dialog, int response, gpointer data)
{
    g_autoptr(CoronerCrashPage) self = data;
    g_autoptr(GFile) file = NULL;

    if (response == GTK_RESPONSE_ACCEPT && self->crash &&
        (file = gtk_file_chooser_get_file(GTK_FILE_CHOOSER(dialog)))) {
        char *text = coroner_report_text(self->crash);
        g_autoptr(GBytes) bytes = g_bytes_new_take(text, strlen(text));
        g_file_replace_contents_bytes_async(file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL,
                                            on_saved, g_object_ref(self));
    }
    g_object_unref(dialog);
}

/*
 * GtkFileChooserNative: the portal's dialog where there is one, GTK's own
 * otherwise (GtkFileDialog needs GTK 4.10; Debian 12 has 4.8).
 */
static void on_save(GtkButton *button, gpointer data)
{
    CoronerCrashPage *self = data;
    GtkNative *native = gtk_widget_get_native(GTK_WIDGET(self));
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    GtkFileChooserNative *dialog;
    g_autofree char *name = NULL;
    const char *documents = g_get_user_special_dir(G_USER_DIRECTORY_DOCUMENTS);
    g_autoptr(GFile) folder = g_file_new_for_path(documents && g_file_test(documents, G_FILE_TEST_IS_DIR)
                                                      ? documents
                                                      : g_get_home_dir());

    if (!self->crash)
        return;
    dialog = gtk_file_chooser_native_new(_("Save Report"), GTK_IS_WINDOW(native) ? GTK_WINDOW(native) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
    gtk_native_dialog_set_modal(GTK_NATIVE_DIALOG(dialog), TRUE);
    name = coroner_report_text_file_name(self->crash);
    gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(dialog), folder, NULL);
    gtk_file_chooser_set_current_name(GTK_FILE_CHOOSER(dialog), name);
    G_GNUC_END_IGNORE_DEPRECATIONS
    g_signal_connect(dialog, "response", G_CALLBACK(on_save_response), g_object_ref(self));
    gtk_native_dialog_show(GTK_NATIVE_DIALOG(dialog));
}

static void download_symbols(CoronerCrashPage *self)
{
    g_settings_set_boolean(coroner_reports_get_settings(self->reports), "debuginfod", TRUE);
    coroner_reports_download_symbols(self->reports, self->crash);
}

static void on_debuginfod_answer(AdwMessageDialog *dialog, const char *response, gpointer data)
{
    g_autoptr(CoronerCrashPage) self = data;

    if (g_str_equal(response, "download") && self->crash && self->reports)
        download_symbols(self);
}

/*
 * Downloading symbols tells a server which programs (build ids) the user
 * runs: it is asked once, naming the server; the answer is the debuginfod
 * setting, which Preferences can turn off again.
 */
static void on_debuginfod(GtkButton *button, gpointer data)
{
    CoronerCrashPage *self = data;
    GSettings *settings;
    g_autofree char *servers = NULL;
    g_autofree char *body = NULL;
    GtkWidget *dialog;
    GtkNative *native;

    if (!self->crash || !self->reports)
        return;
    settings = coroner_reports_get_settings(self->reports);
    if (g_settings_get_boolean(settings, "debuginfod")) {
        download_symbols(self);
        return;
    }
    servers = coroner_reports_dup_debuginfod_hosts(self->reports);
    /* Translators: %s is a server's host name, such as debuginfod.debian.net */
    body = g_strdup_printf(_("Debugging symbols will be downloaded from %s, now and for later crashes. The server learns which versions of programs and libraries you use. You can turn this off in Preferences."),
                           *servers ? servers : _("no server"));
    native = gtk_widget_get_native(GTK_WIDGET(self));
    dialog = adw_message_dialog_new(GTK_IS_WINDOW(native) ? GTK_WINDOW(native) : NULL,
                                    _("Download Debugging Symbols?"), body);
    /* The title names the dialog for the window system and assistive technologies. */
    gtk_window_set_title(GTK_WINDOW(dialog), _("Download Debugging Symbols?"));
    adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog), "cancel", _("_Cancel"), "download", _("_Download"),
                                     NULL);
    adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "download", ADW_RESPONSE_SUGGESTED);
    adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "download");
    adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    g_signal_connect(dialog, "response", G_CALLBACK(on_debuginfod_answer), g_object_ref(self));
    gtk_window_present(GTK_WINDOW(dialog));
}

static void coroner_crash_page_dispose(GObject *object)
{
    CoronerCrashPage *self = CORONER_CRASH_PAGE(object);

    g_cancellable_cancel(self->cancellable);
    g_clear_object(&self->cancellable);
    g_clear_pointer(&self->bug_tracker, g_free);
    observe(self, NULL);
    g_clear_object(&self->reports);
    coroner_page_dispose_template(GTK_WIDGET(object), CORONER_TYPE_CRASH_PAGE);
    G_OBJECT_CLASS(coroner_crash_page_parent_class)->dispose(object);
}

static void coroner_crash_page_finalize(GObject *object)
{
    CoronerCrashPage *self = CORONER_CRASH_PAGE(object);

    g_ptr_array_unref(self->detail_rows);
    g_ptr_array_unref(self->thread_rows);
    G_OBJECT_CLASS(coroner_crash_page_parent_class)->finalize(object);
}

static void coroner_crash_page_class_init(CoronerCrashPageClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->dispose = coroner_crash_page_dispose;
    G_OBJECT_CLASS(klass)->finalize = coroner_crash_page_finalize;
    signals[SIGNAL_TOAST] = g_signal_new("toast", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_STRING);
    gtk_widget_class_set_template_from_resource(widget_class, "/org/coroner/Reporter/coroner-crash-page.ui");
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, page_scroller);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, backtrace_scroller);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, app_icon);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, title_label);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, version_label);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, summary_label);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, restart_button);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, dismiss_button);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, bug_button);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, review_button);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, copy_report_button);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, save_button);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, destination_label);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, technical_expander);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, notify_row);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, notify_switch);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, quality_bar);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, quality_label);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, hint_label);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, debuginfod_button);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, copy_button);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, crashed_thread_label);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, backtrace_view);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, threads_box);
    gtk_widget_class_bind_template_child(widget_class, CoronerCrashPage, details_group);
}

static void coroner_crash_page_init(CoronerCrashPage *self)
{
    self->detail_rows = g_ptr_array_new();
    self->thread_rows = g_ptr_array_new();
    gtk_widget_init_template(GTK_WIDGET(self));
    forward_wheel(self, GTK_WIDGET(self->backtrace_scroller));
    g_signal_connect(self->review_button, "clicked", G_CALLBACK(on_review), self);
    g_signal_connect(self->dismiss_button, "clicked", G_CALLBACK(on_dismiss), self);
    g_signal_connect(self->restart_button, "clicked", G_CALLBACK(on_restart), self);
    g_signal_connect(self->bug_button, "clicked", G_CALLBACK(on_report_bug), self);
    g_signal_connect(self->copy_report_button, "clicked", G_CALLBACK(on_copy_report), self);
    g_signal_connect(self->save_button, "clicked", G_CALLBACK(on_save), self);
    g_signal_connect(self->copy_button, "clicked", G_CALLBACK(on_copy), self);
    g_signal_connect(self->debuginfod_button, "clicked", G_CALLBACK(on_debuginfod), self);
    g_signal_connect(self->notify_switch, "notify::active", G_CALLBACK(on_notify_switched), self);
}
