/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-notifier.h"

#include <glib/gi18n.h>
#include <libnotify/notify.h>

#include "coroner-format.h"

/* A notification on screen and the crashes it stands for. */
typedef struct {
    CoronerNotifier *notifier; /* borrowed */
    NotifyNotification *notification;
    char *key;        /* application key, or "" for a group */
    GPtrArray *ids;   /* crash ids it stands for */
    GPtrArray *apps;  /* application keys it names */
    GPtrArray *names; /* and their display names */
} Shown;

struct _CoronerNotifier {
    GObject parent_instance;
    CoronerState *state;
    GPtrArray *pending;    /* CoronerCrash* */
    GHashTable *shown;     /* key → Shown* */
    guint timer;
    gint64 first_pending_usec;
};

G_DEFINE_FINAL_TYPE(CoronerNotifier, coroner_notifier, G_TYPE_OBJECT)

enum { REPORT, REPORT_GROUP, DISMISS, SHOWN, MUTE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void shown_free(Shown *shown)
{
    g_signal_handlers_disconnect_by_data(shown->notification, shown);
    g_object_unref(shown->notification);
    g_free(shown->key);
    g_ptr_array_unref(shown->ids);
    g_ptr_array_unref(shown->apps);
    g_ptr_array_unref(shown->names);
    g_free(shown);
}

static void coroner_notifier_dispose(GObject *object)
{
    CoronerNotifier *self = CORONER_NOTIFIER(object);

    g_clear_handle_id(&self->timer, g_source_remove);
    /*
     * The reporter is quitting: its notifications' actions are answered by this
     * process only, so a notification left on screen would be a button that
     * does nothing.  The crashes stay in the history.
     */
    if (self->shown) {
        GHashTableIter iter;
        Shown *shown;
        g_hash_table_iter_init(&iter, self->shown);
        while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&shown))
            notify_notification_close(shown->notification, NULL);
    }
    g_clear_pointer(&self->shown, g_hash_table_unref);
    g_clear_pointer(&self->pending, g_ptr_array_unref);
    g_clear_object(&self->state);
    G_OBJECT_CLASS(coroner_notifier_parent_class)->dispose(object);
}

static void coroner_notifier_class_init(CoronerNotifierClass *klass)
{
    G_OBJECT_CLASS(klass)->dispose = coroner_notifier_dispose;
    signals[SHOWN] = g_signal_new("shown", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 1, G_TYPE_STRING);
    signals[REPORT] = g_signal_new("report", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 1, G_TYPE_STRING);
    signals[REPORT_GROUP] = g_signal_new("report-group", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                         NULL, G_TYPE_NONE, 1, G_TYPE_STRV);
    signals[MUTE] = g_signal_new("mute", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 1, G_TYPE_STRING);
    signals[DISMISS] = g_signal_new("dismiss", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 1, G_TYPE_STRV);
}

static void coroner_notifier_init(CoronerNotifier *self)
{
    self->pending = g_ptr_array_new_with_free_func(g_object_unref);
    self->shown = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)shown_free);
}

CoronerNotifier *coroner_notifier_new(CoronerState *state)
{
    CoronerNotifier *self = g_object_new(CORONER_TYPE_NOTIFIER, NULL);

    self->state = g_object_ref(state);
    if (!notify_is_initted())
        notify_init("Crash Reports");
    return self;
}

static void shown_free_later(Shown *shown);

static void on_action(NotifyNotification *notification, char *action, gpointer data)
{
    Shown *shown = data;
    CoronerNotifier *self = shown->notifier;
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

    for (guint i = 0; i < shown->ids->len; i++)
        g_strv_builder_add(builder, g_ptr_array_index(shown->ids, i));
    g_auto(GStrv) ids = g_strv_builder_end(builder);
    g_autoptr(CoronerNotifier) keep = g_object_ref(self);

    if (g_str_equal(action, "dismiss")) {
        g_signal_emit(self, signals[DISMISS], 0, ids);
    } else if (g_str_equal(action, "mute")) {
        g_signal_emit(self, signals[MUTE], 0, shown->key);
    } else {
        /* "default" and "report": one crash opens its page, a group the list of its crashes. */
        gboolean single = shown->key[0] != '\0' && shown->ids->len >= 1;
        if (single)
            g_signal_emit(self, signals[REPORT], 0, (const char *)g_ptr_array_index(shown->ids, shown->ids->len - 1));
        else
            g_signal_emit(self, signals[REPORT_GROUP], 0, ids);
    }
    /* Acted on: it has done its job (servers differ in whether they close it themselves). */
    if (g_hash_table_lookup(self->shown, shown->key) == shown && g_hash_table_size(self->shown) > 0) {
        notify_notification_close(shown->notification, NULL);
        g_hash_table_steal(self->shown, shown->key);
        shown_free_later(shown);
    }
}

/* libnotify emits from the notification itself: free it only once that emission is over. */
static void shown_free_later(Shown *shown)
{
    g_signal_handlers_disconnect_by_data(shown->notification, shown);
    g_idle_add_once((GSourceOnceFunc)shown_free, shown);
}

static void on_closed(NotifyNotification *notification, gpointer data)
{
    Shown *shown = data;

    g_hash_table_steal(shown->notifier->shown, shown->key);
    shown_free_later(shown);
}

static void show(CoronerNotifier *self, Shown *shown, const char *summary, const char *body, const char *icon)
{
    g_autoptr(GError) error = NULL;

    notify_notification_update(shown->notification, summary, body, icon);
    if (!notify_notification_show(shown->notification, &error)) {
        g_warning("Could not show a notification: %s", error->message);
        return;
    }
    g_signal_emit(self, signals[SHOWN], 0,
                  shown->key[0] && shown->ids->len ? (const char *)g_ptr_array_index(shown->ids, shown->ids->len - 1) : NULL);
}

static Shown *shown_new(CoronerNotifier *self, const char *key)
{
    Shown *shown = g_new0(Shown, 1);

    shown->notifier = self;
    shown->key = g_strdup(key);
    shown->ids = g_ptr_array_new_with_free_func(g_free);
    shown->apps = g_ptr_array_new_with_free_func(g_free);
    shown->names = g_ptr_array_new_with_free_func(g_free);
    shown->notification = notify_notification_new("", NULL, NULL);
    notify_notification_set_app_name(shown->notification, _("Crash Reports"));
    notify_notification_set_category(shown->notification, "x-coroner.crash");
    notify_notification_set_hint(shown->notification, "desktop-entry", g_variant_new_string("org.coroner.Reporter"));
    notify_notification_add_action(shown->notification, "default", _("Report…"), on_action, shown, NULL);
    notify_notification_add_action(shown->notification, "dismiss", _("Dismiss"), on_action, shown, NULL);
    /* One application's notification can silence that application (a group names several). */
    if (*key)
        notify_notification_add_action(shown->notification, "mute", _("Don’t Notify Again for This App"), on_action,
                                       shown, NULL);
    g_signal_connect(shown->notification, "closed", G_CALLBACK(on_closed), shown);
    g_hash_table_insert(self->shown, shown->key, shown);
    return shown;
}

static gboolean has_string(GPtrArray *array, const char *text)
{
    for (guint i = 0; i < array->len; i++)
        if (g_str_equal(g_ptr_array_index(array, i), text))
            return TRUE;
    return FALSE;
}

static void add_crashes(Shown *shown, GPtrArray *crashes)
{
    for (guint i = 0; i < crashes->len; i++) {
        CoronerCrash *crash = g_ptr_array_index(crashes, i);
        const CoronerAppMatch *app = coroner_crash_get_app(crash);
        if (!has_string(shown->ids, coroner_crash_get_id(crash)))
            g_ptr_array_add(shown->ids, g_strdup(coroner_crash_get_id(crash)));
        if (!has_string(shown->apps, app->key)) {
            g_ptr_array_add(shown->apps, g_strdup(app->key));
            g_ptr_array_add(shown->names, g_strdup(app->name));
        }
    }
}

/* One application: a new notification, or the one still shown updated with the count. */
static void announce_app(CoronerNotifier *self, GPtrArray *crashes, guint count_today)
{
    CoronerCrash *last = g_ptr_array_index(crashes, crashes->len - 1);
    const CoronerAppMatch *app = coroner_crash_get_app(last);
    Shown *shown = g_hash_table_lookup(self->shown, app->key);
    g_autofree char *summary = coroner_crash_dup_title(last);
    g_autofree char *body = NULL;

    if (!shown)
        shown = shown_new(self, app->key);
    add_crashes(shown, crashes);
    if (count_today > 1)
        body = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "It crashed %u time today. You can report the problem to help fix it.",
                                           "It crashed %u times today. You can report the problem to help fix it.",
                                           count_today),
                               count_today);
    else {
        g_autofree char *when = coroner_format_when(coroner_crash_get_time(last), g_get_real_time());
        /* Translators: %s is "today at 10:42" */
        body = g_strdup_printf(_("It stopped unexpectedly %s. You can report the problem to help fix it."), when);
    }
    show(self, shown, summary, body, app->icon_name);
    coroner_state_set_announced(self->state, app->key, g_get_real_time());
}

/*
 * Several applications: one notification naming them.  A notification still
 * on screen becomes that group notification (the server replaces it in
 * place), so a storm never puts more than one bubble on the screen.
 */
static void announce_group(CoronerNotifier *self, GPtrArray *crashes)
{
    Shown *group = g_hash_table_lookup(self->shown, "");
    g_autofree char *summary = NULL;
    g_autoptr(GString) body = g_string_new(NULL);
    GHashTableIter iter;
    Shown *other;

    if (!group && g_hash_table_size(self->shown) > 0) {
        /* Turn the notification on screen into the group. */
        g_hash_table_iter_init(&iter, self->shown);
        g_hash_table_iter_next(&iter, NULL, (gpointer *)&group);
        g_hash_table_iter_steal(&iter);
        g_free(group->key);
        group->key = g_strdup("");
        g_hash_table_insert(self->shown, group->key, group);
    }
    if (!group)
        group = shown_new(self, "");
    /* Any other notification still shown joins the group. */
    g_hash_table_iter_init(&iter, self->shown);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&other)) {
        if (other == group)
            continue;
        for (guint i = 0; i < other->ids->len; i++)
            if (!has_string(group->ids, g_ptr_array_index(other->ids, i)))
                g_ptr_array_add(group->ids, g_strdup(g_ptr_array_index(other->ids, i)));
        for (guint i = 0; i < other->apps->len; i++)
            if (!has_string(group->apps, g_ptr_array_index(other->apps, i))) {
                g_ptr_array_add(group->apps, g_strdup(g_ptr_array_index(other->apps, i)));
                g_ptr_array_add(group->names, g_strdup(g_ptr_array_index(other->names, i)));
            }
        notify_notification_close(other->notification, NULL);
        g_hash_table_iter_steal(&iter);
        shown_free_later(other);
    }
    add_crashes(group, crashes);

    guint n_apps = group->names->len;
    summary = g_strdup_printf(g_dngettext(GETTEXT_PACKAGE, "%u application crashed", "%u applications crashed", n_apps),
                              n_apps);
    for (guint i = 0; i < n_apps && i < 3; i++) {
        if (i > 0)
            g_string_append(body, _(", "));
        g_string_append(body, g_ptr_array_index(group->names, i));
    }
    if (n_apps > 3)
        g_string_append_printf(body, g_dngettext(GETTEXT_PACKAGE, " and %u more", " and %u more", n_apps - 3),
                               n_apps - 3);
    g_string_append(body, ". ");
    g_string_append(body, _("You can report the problems to help fix them."));
    show(self, group, summary, body->str, "org.coroner.Reporter");
    for (guint i = 0; i < group->apps->len; i++)
        coroner_state_set_announced(self->state, g_ptr_array_index(group->apps, i), g_get_real_time());
}

void coroner_notifier_flush(CoronerNotifier *self)
{
    g_autoptr(GPtrArray) pending = self->pending;
    g_autoptr(GHashTable) by_app = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
    g_autoptr(GPtrArray) order = g_ptr_array_new();    /* app keys in order of first crash */
    g_autoptr(GPtrArray) fresh = g_ptr_array_new();    /* crashes of apps not announced today */
    g_autoptr(GPtrArray) fresh_apps = g_ptr_array_new();
    g_autoptr(GHashTable) counts = g_hash_table_new(g_str_hash, g_str_equal);
    Shown *group;

    g_clear_handle_id(&self->timer, g_source_remove);
    self->pending = g_ptr_array_new_with_free_func(g_object_unref);

    for (guint i = 0; i < pending->len; i++) {
        CoronerCrash *crash = g_ptr_array_index(pending, i);
        const CoronerAppMatch *app = coroner_crash_get_app(crash);
        guint count = coroner_state_get_seen(self->state, coroner_crash_get_id(crash))
                          ? coroner_state_get_count(self->state, app->key, coroner_crash_get_time(crash))
                          : coroner_state_count_crash(self->state, app->key, coroner_crash_get_time(crash));
        coroner_state_set_seen(self->state, coroner_crash_get_id(crash), coroner_crash_get_time(crash));
        g_hash_table_insert(counts, app->key, GUINT_TO_POINTER(count));

        GPtrArray *list = g_hash_table_lookup(by_app, app->key);
        if (!list) {
            list = g_ptr_array_new();
            g_hash_table_insert(by_app, app->key, list);
            g_ptr_array_add(order, app->key);
        }
        g_ptr_array_add(list, crash);
    }

    /*
     * An application whose own notification is on screen: that notification
     * is updated with the new count.  One in the group on screen: the group
     * takes the crashes silently.  One announced earlier today whose
     * notification is gone: only counted (the history shows it).  The rest
     * are announced.
     */
    group = g_hash_table_lookup(self->shown, "");
    for (guint i = 0; i < order->len; i++) {
        const char *key = g_ptr_array_index(order, i);
        GPtrArray *list = g_hash_table_lookup(by_app, key);

        if (g_hash_table_contains(self->shown, key)) {
            announce_app(self, list, GPOINTER_TO_UINT(g_hash_table_lookup(counts, key)));
        } else if (group && has_string(group->apps, key)) {
            add_crashes(group, list);
        } else if (!coroner_state_was_announced(self->state, key, g_get_real_time())) {
            g_ptr_array_add(fresh_apps, (gpointer)key);
            for (guint j = 0; j < list->len; j++)
                g_ptr_array_add(fresh, g_ptr_array_index(list, j));
        }
    }
    if (fresh_apps->len == 0)
        return;
    if (fresh_apps->len == 1 && g_hash_table_size(self->shown) == 0) {
        const char *key = g_ptr_array_index(fresh_apps, 0);
        announce_app(self, fresh, GPOINTER_TO_UINT(g_hash_table_lookup(counts, key)));
    } else {
        announce_group(self, fresh);
    }
}

static gboolean on_timer(gpointer data)
{
    CoronerNotifier *self = data;

    self->timer = 0;
    coroner_notifier_flush(self);
    return G_SOURCE_REMOVE;
}

void coroner_notifier_add(CoronerNotifier *self, CoronerCrash *crash)
{
    gint64 now = g_get_monotonic_time();
    guint delay = CORONER_NOTIFIER_GROUP_MS;

    for (guint i = 0; i < self->pending->len; i++)
        if (g_ptr_array_index(self->pending, i) == crash)
            return;
    if (self->pending->len == 0)
        self->first_pending_usec = now;
    g_ptr_array_add(self->pending, g_object_ref(crash));

    gint64 waited_ms = (now - self->first_pending_usec) / 1000;
    if (waited_ms + delay > CORONER_NOTIFIER_GROUP_MAX_MS)
        delay = waited_ms >= CORONER_NOTIFIER_GROUP_MAX_MS ? 0 : (guint)(CORONER_NOTIFIER_GROUP_MAX_MS - waited_ms);
    g_clear_handle_id(&self->timer, g_source_remove);
    self->timer = g_timeout_add(delay, on_timer, self);
}

void coroner_notifier_withdraw_app(CoronerNotifier *self, const char *app_key)
{
    Shown *shown = app_key ? g_hash_table_lookup(self->shown, app_key) : NULL;

    if (!shown)
        return;
    notify_notification_close(shown->notification, NULL);
    g_hash_table_steal(self->shown, shown->key);
    shown_free_later(shown);
}

void coroner_notifier_withdraw(CoronerNotifier *self, const char *id)
{
    GHashTableIter iter;
    Shown *shown;

    g_hash_table_iter_init(&iter, self->shown);
    while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&shown)) {
        for (guint i = 0; i < shown->ids->len; i++) {
            if (g_str_equal(g_ptr_array_index(shown->ids, i), id)) {
                notify_notification_close(shown->notification, NULL);
                g_hash_table_iter_steal(&iter);
                shown_free_later(shown);
                return;
            }
        }
    }
}
