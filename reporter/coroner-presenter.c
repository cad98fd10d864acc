/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-presenter.h"

#include <adwaita.h>
#include <malloc.h>

#include "coroner-crash-page.h"
#include "coroner-window.h"

struct _CoronerPresenter {
    GObject parent_instance;

    GApplication *app; /* borrowed: the application owns us */
    CoronerReports *reports;
    gboolean gtk_ready;
    CoronerWindow *window;
    guint prewarm_source;
    char *prewarm_id;
};

G_DEFINE_FINAL_TYPE(CoronerPresenter, coroner_presenter, G_TYPE_OBJECT)

static gboolean timing_enabled(void)
{
    return g_getenv("CORONER_REPORTER_TIMING") != NULL;
}

static void on_window_destroy(GtkWidget *widget, gpointer data)
{
    CoronerPresenter *self = data;

    self->window = NULL;
    /* Back in the background: return the window's memory to the system. */
    malloc_trim(0);
    g_application_release(self->app);
}

static gboolean ensure_gtk(CoronerPresenter *self)
{
    gint64 start = g_get_monotonic_time();

    if (self->gtk_ready)
        return TRUE;
    if (!gtk_init_check()) {
        g_warning("Cannot open a window: no display");
        return FALSE;
    }
    adw_init();
    self->gtk_ready = TRUE;
    if (timing_enabled())
        g_printerr("coroner-reporter: GTK initialised in %.1f ms\n", (double)(g_get_monotonic_time() - start) / 1000.0);
    return TRUE;
}

static CoronerWindow *ensure_window(CoronerPresenter *self)
{
    gint64 start = g_get_monotonic_time();

    if (!ensure_gtk(self))
        return NULL;
    if (!self->window) {
        self->window = coroner_window_new(self->reports);
        if (timing_enabled())
            g_printerr("coroner-reporter: window created in %.1f ms\n", (double)(g_get_monotonic_time() - start) / 1000.0);
        g_signal_connect(self->window, "destroy", G_CALLBACK(on_window_destroy), self);
        g_application_hold(self->app);
    }
    return self->window;
}

/* CORONER_REPORTER_TIMING: when the first frame after an action was painted (bench/reporter). */
static void on_after_paint(GdkFrameClock *clock, gpointer data)
{
    gint64 start = GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(clock), "coroner-start"));

    g_signal_handlers_disconnect_by_func(clock, on_after_paint, data);
    g_printerr("coroner-reporter: window visible %.1f ms after the action\n",
               (double)(g_get_monotonic_time() - start) / 1000.0);
}

static void on_map_timing(GtkWidget *widget, gpointer data)
{
    GdkFrameClock *clock = gtk_widget_get_frame_clock(widget);

    g_signal_handlers_disconnect_by_func(widget, on_map_timing, data);
    if (!clock)
        return;
    g_object_set_data(G_OBJECT(clock), "coroner-start", data);
    g_signal_connect(clock, "after-paint", G_CALLBACK(on_after_paint), NULL);
}

static void present(CoronerPresenter *self, const char *crash_id, const char *const *group)
{
    gint64 start = g_get_monotonic_time();
    gboolean will_map = !self->window || !gtk_widget_get_visible(GTK_WIDGET(self->window));
    CoronerWindow *window;

    g_clear_handle_id(&self->prewarm_source, g_source_remove);
    window = ensure_window(self);
    if (!window)
        return;
    if (crash_id) {
        CoronerCrash *crash = coroner_crash_list_lookup(coroner_reports_get_crashes(self->reports), crash_id);
        if (crash && !(coroner_window_get_crash(window) == crash && coroner_window_is_on_crash_page(window)))
            coroner_window_show_crash(window, crash);
        else if (!crash)
            coroner_window_show_history(window);
    } else if (group) {
        coroner_window_show_crashes(window, group);
    } else {
        coroner_window_show_history(window);
    }
    if (timing_enabled() && will_map)
        g_signal_connect(window, "map", G_CALLBACK(on_map_timing), GSIZE_TO_POINTER((gsize)start));
    gtk_window_present(GTK_WINDOW(window));
    if (timing_enabled())
        g_printerr("coroner-reporter: window built in %.1f ms\n", (double)(g_get_monotonic_time() - start) / 1000.0);
}

void coroner_presenter_present(CoronerPresenter *self, const char *crash_id)
{
    present(self, crash_id, NULL);
}

void coroner_presenter_present_group(CoronerPresenter *self, const char *const *ids)
{
    present(self, NULL, ids);
}

/*
 * With the prepare-window setting: a notification went out, the user may
 * press "Report…" any moment, so GTK is loaded now, in an idle callback, and
 * the window appears about twice as fast.  It costs GTK's footprint (some
 * 15 MiB) for the rest of the session, which is why it is off by default:
 * the window then loads GTK when it is first asked for.
 */
static gboolean prewarm_idle(gpointer data)
{
    CoronerPresenter *self = data;
    gint64 start = g_get_monotonic_time();
    g_autofree char *id = g_steal_pointer(&self->prewarm_id);
    CoronerCrash *crash = id ? coroner_crash_list_lookup(coroner_reports_get_crashes(self->reports), id) : NULL;
    g_autoptr(GtkWidget) page = NULL;
    int minimum, natural;

    self->prewarm_source = 0;
    if (self->window || !ensure_gtk(self))
        return G_SOURCE_REMOVE;
    /*
     * The crash page alone, outside any window, made and measured once: what
     * takes time in a first window (the stylesheet, fonts, icons) is cached
     * process-wide after that, so the real window is made warm.  No window
     * is made in advance: GTK 4.8 then exposes the real one to assistive
     * technologies as a hidden "filler".
     */
    page = GTK_WIDGET(g_object_ref_sink(coroner_crash_page_new(self->reports)));
    if (crash)
        coroner_crash_page_set_crash(CORONER_CRASH_PAGE(page), crash);
    gtk_widget_measure(page, GTK_ORIENTATION_HORIZONTAL, -1, &minimum, &natural, NULL, NULL);
    gtk_widget_measure(page, GTK_ORIENTATION_VERTICAL, MAX(natural, 760), &minimum, &natural, NULL, NULL);
    g_clear_object(&page);
    /* Give back what the throwaway page freed: the process stays in the background. */
    malloc_trim(0);
    if (timing_enabled())
        g_printerr("coroner-reporter: window prepared in %.1f ms\n", (double)(g_get_monotonic_time() - start) / 1000.0);
    return G_SOURCE_REMOVE;
}

void coroner_presenter_prepare(CoronerPresenter *self, const char *crash_id)
{
    if (!g_settings_get_boolean(coroner_reports_get_settings(self->reports), "prepare-window") ||
        (self->window && gtk_widget_get_visible(GTK_WIDGET(self->window))))
        return;
    g_free(self->prewarm_id);
    self->prewarm_id = g_strdup(crash_id);
    if (!self->prewarm_source)
        self->prewarm_source = g_idle_add_full(G_PRIORITY_LOW, prewarm_idle, self, NULL);
}

void coroner_presenter_close(CoronerPresenter *self)
{
    if (self->window)
        gtk_window_destroy(GTK_WINDOW(self->window));
}

static void coroner_presenter_dispose(GObject *object)
{
    CoronerPresenter *self = CORONER_PRESENTER(object);

    g_clear_handle_id(&self->prewarm_source, g_source_remove);
    g_clear_object(&self->reports);
    G_OBJECT_CLASS(coroner_presenter_parent_class)->dispose(object);
}

static void coroner_presenter_finalize(GObject *object)
{
    g_free(CORONER_PRESENTER(object)->prewarm_id);
    G_OBJECT_CLASS(coroner_presenter_parent_class)->finalize(object);
}

static void coroner_presenter_class_init(CoronerPresenterClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = coroner_presenter_dispose;
    G_OBJECT_CLASS(klass)->finalize = coroner_presenter_finalize;
}

static void coroner_presenter_init(CoronerPresenter *self)
{
}

CoronerPresenter *coroner_presenter_new(GApplication *app, CoronerReports *reports)
{
    CoronerPresenter *self = g_object_new(CORONER_TYPE_PRESENTER, NULL);

    self->app = app;
    self->reports = g_object_ref(reports);
    return self;
}
