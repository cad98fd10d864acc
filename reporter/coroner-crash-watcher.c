/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-crash-watcher.h"

#include "store.h"

struct _CoronerCrashWatcher {
    GObject parent_instance;
    char *store_path;
    GFileMonitor *monitor;
    GFileMonitor *parent_monitor; /* while the store does not exist yet */
    CoronerCrashFeed *journal; /* borrowed */
};

G_DEFINE_FINAL_TYPE(CoronerCrashWatcher, coroner_crash_watcher, G_TYPE_OBJECT)

enum { RECORD_CREATED, JOURNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void coroner_crash_watcher_dispose(GObject *object)
{
    CoronerCrashWatcher *self = CORONER_CRASH_WATCHER(object);

    if (self->monitor)
        g_file_monitor_cancel(self->monitor);
    g_clear_object(&self->monitor);
    if (self->parent_monitor)
        g_file_monitor_cancel(self->parent_monitor);
    g_clear_object(&self->parent_monitor);
    g_clear_pointer(&self->store_path, g_free);
    G_OBJECT_CLASS(coroner_crash_watcher_parent_class)->dispose(object);
}

static void coroner_crash_watcher_class_init(CoronerCrashWatcherClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = coroner_crash_watcher_dispose;
    signals[RECORD_CREATED] = g_signal_new("record-created", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                           NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
    signals[JOURNAL_CHANGED] = g_signal_new("journal-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void coroner_crash_watcher_init(CoronerCrashWatcher *self)
{
}

static void on_store_changed(GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
                             gpointer data)
{
    CoronerCrashWatcher *self = data;
    GFile *target = file;
    g_autofree char *name = NULL;

    switch (event) {
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
        break;
    case G_FILE_MONITOR_EVENT_MOVED_IN:
        break;
    case G_FILE_MONITOR_EVENT_RENAMED:
        target = other;
        break;
    default:
        return;
    }
    if (!target)
        return;
    name = g_file_get_basename(target);
    if (name && g_str_has_suffix(name, CORONER_RECORD_SUFFIX) && name[0] != '.')
        g_signal_emit(self, signals[RECORD_CREATED], 0, name);
}

static gboolean on_journal(gpointer data)
{
    g_signal_emit(data, signals[JOURNAL_CHANGED], 0);
    return G_SOURCE_CONTINUE;
}

static void watch_store(CoronerCrashWatcher *self);

/*
 * GLib watches a directory that does not exist by re-checking it on a timer;
 * to stay idle until the handler creates the store, watch its parent instead.
 */
static void on_parent_changed(GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event,
                              gpointer data)
{
    CoronerCrashWatcher *self = data;

    if (!g_file_test(self->store_path, G_FILE_TEST_IS_DIR))
        return;
    g_file_monitor_cancel(self->parent_monitor);
    g_clear_object(&self->parent_monitor);
    watch_store(self);
    /* Records written before the monitor was in place. */
    g_autoptr(GDir) dir = g_dir_open(self->store_path, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir)))
        if (g_str_has_suffix(name, CORONER_RECORD_SUFFIX) && name[0] != '.')
            g_signal_emit(self, signals[RECORD_CREATED], 0, name);
}

static void watch_store(CoronerCrashWatcher *self)
{
    g_autoptr(GError) error = NULL;

    if (g_file_test(self->store_path, G_FILE_TEST_IS_DIR)) {
        g_autoptr(GFile) dir = g_file_new_for_path(self->store_path);
        self->monitor = g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
        if (self->monitor)
            g_signal_connect(self->monitor, "changed", G_CALLBACK(on_store_changed), self);
        else
            g_message("Not watching %s: %s", self->store_path, error->message);
    } else {
        g_autofree char *parent_path = g_path_get_dirname(self->store_path);
        g_autoptr(GFile) parent = g_file_new_for_path(parent_path);
        self->parent_monitor = g_file_monitor_directory(parent, G_FILE_MONITOR_NONE, NULL, &error);
        if (self->parent_monitor)
            g_signal_connect(self->parent_monitor, "changed", G_CALLBACK(on_parent_changed), self);
        else
            g_message("Not watching %s: %s", parent_path, error->message);
    }
}

CoronerCrashWatcher *coroner_crash_watcher_new(const char *store_path, CoronerCrashFeed *journal)
{
    CoronerCrashWatcher *self = g_object_new(CORONER_TYPE_CRASH_WATCHER, NULL);

    if (store_path) {
        self->store_path = g_strdup(store_path);
        watch_store(self);
    }
    self->journal = journal;
    if (journal)
        coroner_crash_feed_watch(journal, on_journal, self);
    return self;
}
