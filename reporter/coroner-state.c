/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-state.h"
#include "coroner-format.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

/*
 * Layout:
 *   [crash core.crasher.1000.<boot>.<pid>.<usec>]
 *   State=new|dismissed|queued|sent|rejected
 *   Seen=true
 *   Time=<usec>
 *   Reason=…
 *   [app org.gnome.TextEditor]
 *   Day=2025-11-22
 *   Count=3
 *   Announced=2025-11-22   (the last day a notification named it)
 */

struct _CoronerState {
    GObject parent_instance;
    char *path;
    GKeyFile *keyfile;
    guint save_source;
};

G_DEFINE_FINAL_TYPE(CoronerState, coroner_state, G_TYPE_OBJECT)

static const char *const state_names[] = {"new", "dismissed", "queued", "sent", "rejected"};

const char *coroner_report_state_to_string(CoronerReportState state)
{
    if ((guint)state < G_N_ELEMENTS(state_names))
        return state_names[state];
    return "new";
}

CoronerReportState coroner_report_state_from_string(const char *text)
{
    for (guint i = 0; text && i < G_N_ELEMENTS(state_names); i++)
        if (g_str_equal(text, state_names[i]))
            return (CoronerReportState)i;
    return CORONER_REPORT_NEW;
}

const char *coroner_report_state_describe(CoronerReportState state)
{
    static const char *const descriptions[] = {
        [CORONER_REPORT_NEW] = N_("New"),
        [CORONER_REPORT_DISMISSED] = N_("Dismissed"),
        [CORONER_REPORT_QUEUED] = N_("Queued for sending"),
        [CORONER_REPORT_SENT] = N_("Sent"),
        [CORONER_REPORT_REJECTED] = N_("Rejected"),
    };
    return coroner_format_label(descriptions, G_N_ELEMENTS(descriptions), state, N_("New"));
}

static char *crash_group(const char *id)
{
    return g_strconcat("crash ", id, NULL);
}

static char *app_group(const char *app_key)
{
    return g_strconcat("app ", app_key, NULL);
}

static gboolean save_idle(gpointer data)
{
    CoronerState *self = data;
    g_autoptr(GError) error = NULL;

    self->save_source = 0;
    if (!coroner_state_save(self, &error))
        g_warning("Could not save %s: %s", self->path, error->message);
    return G_SOURCE_REMOVE;
}

static void schedule_save(CoronerState *self)
{
    if (self->save_source == 0)
        self->save_source = g_idle_add_full(G_PRIORITY_DEFAULT_IDLE, save_idle, self, NULL);
}

static void coroner_state_finalize(GObject *object)
{
    CoronerState *self = CORONER_STATE(object);

    if (self->save_source) {
        g_source_remove(self->save_source);
        self->save_source = 0;
        coroner_state_save(self, NULL);
    }
    g_free(self->path);
    g_key_file_unref(self->keyfile);
    G_OBJECT_CLASS(coroner_state_parent_class)->finalize(object);
}

static void coroner_state_class_init(CoronerStateClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = coroner_state_finalize;
}

static void coroner_state_init(CoronerState *self)
{
    self->keyfile = g_key_file_new();
}

CoronerState *coroner_state_new(const char *path, GError **error)
{
    g_autoptr(CoronerState) self = g_object_new(CORONER_TYPE_STATE, NULL);
    g_autoptr(GError) local_error = NULL;

    self->path = path ? g_strdup(path)
                      : g_build_filename(g_get_user_state_dir(), "coroner", "reporter-state.ini", NULL);
    if (!g_key_file_load_from_file(self->keyfile, self->path, G_KEY_FILE_KEEP_COMMENTS, &local_error)) {
        if (!g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            /* A damaged state file must not stop the reporter: at worst old crashes are announced again. */
            g_warning("Ignoring unreadable %s: %s", self->path, local_error->message);
        }
    }
    return g_steal_pointer(&self);
}

const char *coroner_state_get_path(CoronerState *self)
{
    return self->path;
}

CoronerReportState coroner_state_get_report(CoronerState *self, const char *id)
{
    g_autofree char *group = crash_group(id);
    g_autofree char *value = g_key_file_get_string(self->keyfile, group, "State", NULL);

    return coroner_report_state_from_string(value);
}

void coroner_state_set_report(CoronerState *self, const char *id, CoronerReportState state)
{
    g_autofree char *group = crash_group(id);
    g_autoptr(GError) error = NULL;

    g_key_file_set_string(self->keyfile, group, "State", coroner_report_state_to_string(state));
    /* What the user decided is written at once; announcements are batched. */
    g_clear_handle_id(&self->save_source, g_source_remove);
    if (!coroner_state_save(self, &error))
        g_warning("Could not save %s: %s", self->path, error->message);
}

gboolean coroner_state_get_seen(CoronerState *self, const char *id)
{
    g_autofree char *group = crash_group(id);

    return g_key_file_get_boolean(self->keyfile, group, "Seen", NULL);
}

void coroner_state_set_seen(CoronerState *self, const char *id, gint64 crash_usec)
{
    g_autofree char *group = crash_group(id);

    g_key_file_set_boolean(self->keyfile, group, "Seen", TRUE);
    g_key_file_set_int64(self->keyfile, group, "Time", crash_usec);
    if (!g_key_file_has_key(self->keyfile, group, "State", NULL))
        g_key_file_set_string(self->keyfile, group, "State", "new");
    schedule_save(self);
}

char *coroner_state_get_note(CoronerState *self, const char *id, const char *key)
{
    g_autofree char *group = crash_group(id);

    return g_key_file_get_string(self->keyfile, group, key, NULL);
}

void coroner_state_set_note(CoronerState *self, const char *id, const char *key, const char *value)
{
    g_autofree char *group = crash_group(id);

    if (value)
        g_key_file_set_string(self->keyfile, group, key, value);
    else
        g_key_file_remove_key(self->keyfile, group, key, NULL);
    schedule_save(self);
}

static char *local_day(gint64 usec)
{
    g_autoptr(GDateTime) time = g_date_time_new_from_unix_local(usec / G_USEC_PER_SEC);

    return time ? g_date_time_format(time, "%Y-%m-%d") : g_strdup("unknown");
}

void coroner_state_set_announced(CoronerState *self, const char *app_key, gint64 usec)
{
    g_autofree char *group = app_group(app_key);
    g_autofree char *day = local_day(usec);

    g_key_file_set_string(self->keyfile, group, "Announced", day);
    schedule_save(self);
}

gboolean coroner_state_was_announced(CoronerState *self, const char *app_key, gint64 usec)
{
    g_autofree char *group = app_group(app_key);
    g_autofree char *day = local_day(usec);
    g_autofree char *announced = g_key_file_get_string(self->keyfile, group, "Announced", NULL);

    return g_strcmp0(day, announced) == 0;
}

guint coroner_state_get_count(CoronerState *self, const char *app_key, gint64 crash_usec)
{
    g_autofree char *group = app_group(app_key);
    g_autofree char *day = local_day(crash_usec);
    g_autofree char *stored_day = g_key_file_get_string(self->keyfile, group, "Day", NULL);

    if (g_strcmp0(day, stored_day) != 0)
        return 0;
    return (guint)g_key_file_get_integer(self->keyfile, group, "Count", NULL);
}

guint coroner_state_count_crash(CoronerState *self, const char *app_key, gint64 crash_usec)
{
    g_autofree char *group = app_group(app_key);
    g_autofree char *day = local_day(crash_usec);
    g_autofree char *stored_day = g_key_file_get_string(self->keyfile, group, "Day", NULL);
    guint count = 0;

    if (g_strcmp0(day, stored_day) == 0)
        count = (guint)g_key_file_get_integer(self->keyfile, group, "Count", NULL);
    count++;
    g_key_file_set_string(self->keyfile, group, "Day", day);
    g_key_file_set_integer(self->keyfile, group, "Count", (int)count);
    schedule_save(self);
    return count;
}

char *coroner_state_find_by_note(CoronerState *self, const char *key, const char *value)
{
    g_auto(GStrv) groups = g_key_file_get_groups(self->keyfile, NULL);

    for (guint i = 0; groups[i]; i++) {
        if (!g_str_has_prefix(groups[i], "crash "))
            continue;
        g_autofree char *note = g_key_file_get_string(self->keyfile, groups[i], key, NULL);
        if (g_strcmp0(note, value) == 0)
            return g_strdup(groups[i] + strlen("crash "));
    }
    return NULL;
}

void coroner_state_prune(CoronerState *self, gint64 cutoff_usec)
{
    g_auto(GStrv) groups = g_key_file_get_groups(self->keyfile, NULL);
    gboolean changed = FALSE;

    for (guint i = 0; groups[i]; i++) {
        if (!g_str_has_prefix(groups[i], "crash "))
            continue;
        gint64 time = g_key_file_get_int64(self->keyfile, groups[i], "Time", NULL);
        if (time > 0 && time < cutoff_usec) {
            g_key_file_remove_group(self->keyfile, groups[i], NULL);
            changed = TRUE;
        }
    }
    if (changed)
        schedule_save(self);
}

gboolean coroner_state_save(CoronerState *self, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(self->path);
    g_autofree char *data = NULL;
    gsize length = 0;

    if (g_mkdir_with_parents(dir, 0700) < 0) {
        int saved_errno = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved_errno), "%s: %s", dir,
                    g_strerror(saved_errno));
        return FALSE;
    }
    data = g_key_file_to_data(self->keyfile, &length, NULL);
    /* g_file_set_contents_full writes a temporary file, fsyncs it and renames it over. */
    return g_file_set_contents_full(self->path, data, (gssize)length,
                                    G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                    0600, error);
}
