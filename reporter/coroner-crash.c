/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-crash.h"

#include <fcntl.h>
#include <glib/gi18n.h>

#include "coroner-backtrace-cache.h"
#include "coroner-format.h"
#include "module-paths.h"
#include "store.h"

struct _CoronerCrash {
    GObject parent_instance;
    char *id;
    char *comm;
    char *record_path;
    gint64 usec;
    gint64 pid;
    CoronerCrashOrigin source;
    CoronerCrashRecord *record;
    gboolean load_failed;
    gboolean cache_checked; /* the kept better backtrace, if any, was looked for */
    CoronerAppMatch *app;
    CoronerReportState state;
    gboolean symbolizing;
    char *symbolize_message;
    char *app_id;
    gboolean app_id_checked;
};

G_DEFINE_FINAL_TYPE(CoronerCrash, coroner_crash, G_TYPE_OBJECT)

enum { PROP_0, PROP_ID, PROP_TITLE, PROP_SUBTITLE, PROP_STATE, PROP_ICON_NAME, PROP_SYMBOLIZING, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_RECORD_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void coroner_crash_finalize(GObject *object)
{
    CoronerCrash *self = CORONER_CRASH(object);

    g_free(self->id);
    g_free(self->comm);
    g_free(self->record_path);
    g_free(self->symbolize_message);
    g_free(self->app_id);
    g_clear_pointer(&self->record, coroner_crash_record_free);
    g_clear_pointer(&self->app, coroner_app_match_free);
    G_OBJECT_CLASS(coroner_crash_parent_class)->finalize(object);
}

static char *dup_subtitle(CoronerCrash *self)
{
    g_autofree char *when = coroner_format_when(self->usec, g_get_real_time());

    /* Translators: "today at 10:42 · New": when a crash happened and its report state */
    return g_strdup_printf(_("%s · %s"), when, coroner_report_state_describe(self->state));
}

static void coroner_crash_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    CoronerCrash *self = CORONER_CRASH(object);

    switch (prop_id) {
    case PROP_ID:
        g_value_set_string(value, self->id);
        break;
    case PROP_TITLE:
        g_value_set_string(value, coroner_crash_get_app(self)->name);
        break;
    case PROP_SUBTITLE:
        g_value_take_string(value, dup_subtitle(self));
        break;
    case PROP_STATE:
        g_value_set_string(value, coroner_report_state_to_string(self->state));
        break;
    case PROP_ICON_NAME:
        g_value_set_string(value, coroner_crash_get_app(self)->icon_name);
        break;
    case PROP_SYMBOLIZING:
        g_value_set_boolean(value, self->symbolizing);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void coroner_crash_class_init(CoronerCrashClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->finalize = coroner_crash_finalize;
    object_class->get_property = coroner_crash_get_property;
    properties[PROP_ID] = g_param_spec_string("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    properties[PROP_TITLE] = g_param_spec_string("title", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    properties[PROP_SUBTITLE] =
        g_param_spec_string("subtitle", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    properties[PROP_STATE] = g_param_spec_string("state", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    properties[PROP_ICON_NAME] =
        g_param_spec_string("icon-name", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    properties[PROP_SYMBOLIZING] =
        g_param_spec_boolean("symbolizing", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);
    signals[SIGNAL_RECORD_CHANGED] =
        g_signal_new("record-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void coroner_crash_init(CoronerCrash *self)
{
    self->pid = -1;
}

static char *comm_from_id(const char *id)
{
    char *comm = NULL;

    return coroner_parse_entry_id(id, &comm, NULL, NULL, NULL, NULL) ? comm : g_strdup(id);
}

CoronerCrash *coroner_crash_new_from_store(const char *store_path, const char *id, gint64 usec,
                                           gint64 pid)
{
    CoronerCrash *self = g_object_new(CORONER_TYPE_CRASH, NULL);
    g_autofree char *name = g_strconcat(id, CORONER_RECORD_SUFFIX, NULL);

    self->id = g_strdup(id);
    self->comm = comm_from_id(id);
    self->record_path = g_build_filename(store_path, name, NULL);
    self->usec = usec;
    self->pid = pid;
    self->source = CORONER_CRASH_ORIGIN_STORE;
    return self;
}

CoronerCrash *coroner_crash_new_from_record(CoronerCrashRecord *record, CoronerCrashOrigin source)
{
    CoronerCrash *self = g_object_new(CORONER_TYPE_CRASH, NULL);

    self->id = g_strdup(record->id);
    self->comm = record->process.comm ? g_strdup(record->process.comm) : comm_from_id(record->id);
    self->usec = record->timestamp_usec;
    self->pid = record->process.pid;
    self->source = source;
    self->record = record;
    return self;
}

const char *coroner_crash_get_id(CoronerCrash *self)
{
    return self->id;
}

gint64 coroner_crash_get_time(CoronerCrash *self)
{
    return self->usec;
}

gint64 coroner_crash_get_pid(CoronerCrash *self)
{
    return self->pid;
}

CoronerCrashOrigin coroner_crash_get_origin(CoronerCrash *self)
{
    return self->source;
}

const char *coroner_crash_get_comm(CoronerCrash *self)
{
    return self->comm;
}

const char *coroner_crash_get_record_path(CoronerCrash *self)
{
    return self->record_path;
}

/*
 * A backtrace the user already made better (coroner-backtrace-cache.c) wins
 * over the record's own, for the page, the review and what is sent alike.
 */
static void use_kept_backtrace(CoronerCrash *self)
{
    g_autoptr(GError) error = NULL;

    self->cache_checked = TRUE;
    if (!coroner_backtrace_cache_apply(NULL, self->record, &error) && error)
        g_message("Not using the kept backtrace of %s: %s", self->id, error->message);
    coroner_crash_record_resolve_module_paths(self->record);
}

const CoronerCrashRecord *coroner_crash_load(CoronerCrash *self, GError **error)
{
    if (!self->record) {
        if (!self->record_path) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The crash record is not available."));
            return NULL;
        }
        self->record = coroner_crash_record_load_at(AT_FDCWD, self->record_path, error);
        self->load_failed = self->record == NULL;
        if (!self->record)
            return NULL;
    }
    if (!self->cache_checked)
        use_kept_backtrace(self);
    return self->record;
}

const CoronerCrashRecord *coroner_crash_peek_record(CoronerCrash *self)
{
    return self->record;
}

void coroner_crash_set_record(CoronerCrash *self, CoronerCrashRecord *record)
{
    g_clear_pointer(&self->record, coroner_crash_record_free);
    self->record = record;
    /* The caller's record is the newest word (a backtrace just made better). */
    self->cache_checked = TRUE;
    coroner_crash_record_resolve_module_paths(self->record);
    g_signal_emit(self, signals[SIGNAL_RECORD_CHANGED], 0);
}

gboolean coroner_crash_get_symbolizing(CoronerCrash *self)
{
    return self->symbolizing;
}

const char *coroner_crash_get_symbolize_message(CoronerCrash *self)
{
    return self->symbolize_message;
}

void coroner_crash_set_symbolizing(CoronerCrash *self, gboolean symbolizing, const char *message)
{
    g_free(self->symbolize_message);
    self->symbolize_message = g_strdup(message);
    if (self->symbolizing == symbolizing)
        return;
    self->symbolizing = symbolizing;
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_SYMBOLIZING]);
}

const CoronerAppMatch *coroner_crash_get_app(CoronerCrash *self)
{
    if (!self->app) {
        const CoronerCrashRecord *record = self->record;
        if (!record && !self->load_failed)
            record = coroner_crash_load(self, NULL);
        const CoronerAppInfo *app = record ? record->app : NULL;
        self->app = coroner_app_match(app ? app->app_id : NULL, app ? app->name : NULL,
                                      record ? record->process.exe : NULL, self->comm);
    }
    return self->app;
}

void coroner_crash_set_app(CoronerCrash *self, const CoronerAppMatch *app)
{
    g_clear_pointer(&self->app, coroner_app_match_free);
    self->app = coroner_app_match_copy(app);
}

const char *coroner_crash_get_app_id(CoronerCrash *self)
{
    const CoronerCrashRecord *record = coroner_crash_load(self, NULL);
    const CoronerAppMatch *match;

    if (record && record->app && record->app->app_id && *record->app->app_id)
        return record->app->app_id;
    if (!self->app_id_checked) {
        self->app_id_checked = TRUE;
        /* A Flatpak app's id, from its /.flatpak-info (the record's container labels). */
        if (record && record->container && g_strcmp0(record->container->runtime, "flatpak") == 0 &&
            record->container->app_id && *record->container->app_id)
            self->app_id = g_strdup(record->container->app_id);
        if (!self->app_id && (match = coroner_crash_get_app(self)) && match->desktop_id)
            self->app_id = g_strdup(match->key);
    }
    return self->app_id;
}

CoronerReportState coroner_crash_get_state(CoronerCrash *self)
{
    return self->state;
}

void coroner_crash_set_state(CoronerCrash *self, CoronerReportState state)
{
    if (self->state == state)
        return;
    self->state = state;
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_STATE]);
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_SUBTITLE]);
}

char *coroner_crash_dup_title(CoronerCrash *self)
{
    /* Translators: %s is an application name */
    return g_strdup_printf(_("%s crashed"), coroner_crash_get_app(self)->name);
}

char *coroner_crash_dup_summary(CoronerCrash *self)
{
    const CoronerCrashRecord *record = coroner_crash_load(self, NULL);
    g_autofree char *when = coroner_format_when(self->usec, g_get_real_time());
    int signal_number = record ? record->signal.number : 0;
    g_autofree char *sentence = NULL;

    const CoronerAppInfo *app = record ? record->app : NULL;

    if (app && app->exception_type && *app->exception_type) {
        /* An uncaught exception says more than the SIGABRT it ends in. */
        g_autofree char *exception = app->exception_what && *app->exception_what
                                         ? g_strdup_printf("%s: %s", app->exception_type, app->exception_what)
                                         : g_strdup(app->exception_type);
        /* Translators: "It stopped today at 10:42 because of an error it did not handle: std::runtime_error: …" */
        return g_strdup_printf(_("It stopped %s because of an error it did not handle: %s."), when, exception);
    }
    /* Translators: "It stopped today at 10:42 because it tried to use memory …" */
    sentence = g_strdup_printf(_("It stopped %s because %s."), when, coroner_format_signal_reason(signal_number));
    return g_steal_pointer(&sentence);
}
