/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-event.h"

#include <inttypes.h>
#include <signal.h>
#include <string.h>

#include "build-config.h"
#include "sentry-breadcrumbs.h"
#include "sentry-dsn.h"
#include "sentry-envelope.h"
#include "str-util.h"
#include "keyed.h"

/* Sentry truncates tag values longer than this; we cut them ourselves, predictably. */
#define MAX_TAG_VALUE 200

char *coroner_sentry_event_id_new(void)
{
    g_autofree char *uuid = g_uuid_string_random();
    GString *id = g_string_sized_new(32);
    for (const char *p = uuid; *p; p++)
        if (*p != '-')
            g_string_append_c(id, g_ascii_tolower(*p));
    return g_string_free(id, FALSE);
}

gboolean coroner_sentry_event_id_is_valid(const char *id)
{
    if (!id || strlen(id) != 32)
        return FALSE;
    for (const char *p = id; *p; p++)
        if (!g_ascii_isdigit(*p) && !(*p >= 'a' && *p <= 'f'))
            return FALSE;
    return TRUE;
}

char *coroner_sentry_feedback_event_id(const char *associated_event_id)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(sum, (const guchar *)"coroner-feedback:", -1);
    g_checksum_update(sum, (const guchar *)associated_event_id, -1);
    guint8 digest[32];
    gsize n = sizeof digest;
    g_checksum_get_digest(sum, digest, &n);
    /* Version 5 and RFC 4122 variant bits, so it reads as a proper name-based UUID. */
    digest[6] = (guint8)((digest[6] & 0x0f) | 0x50);
    digest[8] = (guint8)((digest[8] & 0x3f) | 0x80);
    return coroner_hex_encode(digest, 16);
}

char *coroner_sentry_debug_id_from_build_id(const char *build_id_hex)
{
    if (!build_id_hex)
        return NULL;
    size_t n = strlen(build_id_hex);
    if (n == 0 || n % 2 != 0)
        return NULL;
    guint8 b[16] = {0};
    for (size_t i = 0; i < n / 2; i++) {
        int hi = g_ascii_xdigit_value(build_id_hex[2 * i]);
        int lo = g_ascii_xdigit_value(build_id_hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return NULL;
        if (i < 16)
            b[i] = (guint8)(hi << 4 | lo);
    }
    return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                           b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11],
                           b[12], b[13], b[14], b[15]);
}

char *coroner_sentry_signal_full_name(int number, const char *record_name)
{
    if (record_name && *record_name)
        return g_str_has_prefix(record_name, "SIG") && !g_ascii_isdigit(record_name[3])
                   ? g_strdup(record_name)
                   : g_strconcat("SIG", record_name, NULL);
    const char *abbrev = number > 0 ? sigabbrev_np(number) : NULL;
    return abbrev ? g_strconcat("SIG", abbrev, NULL) : g_strdup_printf("SIG%d", number);
}

/* The si_code names Sentry shows beside the signal (asm-generic/siginfo.h). */
static const char *signal_code_name(int signo, int code)
{
    switch (code) {
    case SI_USER: return "SI_USER";
    case SI_KERNEL: return "SI_KERNEL";
    case SI_QUEUE: return "SI_QUEUE";
    case SI_TIMER: return "SI_TIMER";
    case SI_MESGQ: return "SI_MESGQ";
    case SI_ASYNCIO: return "SI_ASYNCIO";
    case SI_TKILL: return "SI_TKILL";
    default: break;
    }
    if (signo == SIGSEGV) {
        static const char *const names[] = {NULL, "SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR",
                                            "SEGV_PKUERR"};
        return code > 0 && code < (int)G_N_ELEMENTS(names) ? names[code] : NULL;
    }
    if (signo == SIGBUS) {
        static const char *const names[] = {NULL, "BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR"};
        return code > 0 && code < (int)G_N_ELEMENTS(names) ? names[code] : NULL;
    }
    if (signo == SIGFPE) {
        static const char *const names[] = {NULL,         "FPE_INTDIV", "FPE_INTOVF",
                                            "FPE_FLTDIV", "FPE_FLTOVF", "FPE_FLTUND",
                                            "FPE_FLTRES", "FPE_FLTINV", "FPE_FLTSUB"};
        return code > 0 && code < (int)G_N_ELEMENTS(names) ? names[code] : NULL;
    }
    if (signo == SIGILL) {
        static const char *const names[] = {NULL,         "ILL_ILLOPC", "ILL_ILLOPN",
                                            "ILL_ILLADR", "ILL_ILLTRP", "ILL_PRVOPC",
                                            "ILL_PRVREG", "ILL_COPROC", "ILL_BADSTK"};
        return code > 0 && code < (int)G_N_ELEMENTS(names) ? names[code] : NULL;
    }
    return NULL;
}

static char *hex_address(uint64_t value)
{
    return g_strdup_printf("0x%" PRIx64, value);
}

static void set_hex(JsonObject *o, const char *member, uint64_t value)
{
    g_autofree char *hex = hex_address(value);
    json_object_set_string_member(o, member, hex);
}

static void set_string_if(JsonObject *o, const char *member, const char *value)
{
    if (value && *value)
        json_object_set_string_member(o, member, value);
}

/* A frame belongs to the application unless it lives in a system library directory. */
static gboolean frame_in_app(const CoronerCrashRecord *r, const char *module)
{
    if (!module || !*module)
        return FALSE;
    if (r->process.exe && strcmp(module, r->process.exe) == 0)
        return TRUE;
    static const char *const system_dirs[] = {"/usr/", "/lib/", "/lib64/", "/lib32/", "/bin/",
                                              "/sbin/", "/snap/core", "[vdso]", "linux-vdso"};
    for (gsize i = 0; i < G_N_ELEMENTS(system_dirs); i++)
        if (g_str_has_prefix(module, system_dirs[i]))
            return FALSE;
    return TRUE;
}

/* Record frames are innermost first; Sentry wants the crashing frame last. */
static JsonObject *build_stacktrace(const CoronerCrashRecord *r, const CoronerThread *t)
{
    JsonArray *frames = json_array_new();
    for (guint i = t->frames->len; i-- > 0;) {
        const CoronerFrame *f = t->frames->pdata[i];
        JsonObject *o = json_object_new();
        set_hex(o, "instruction_addr", f->pc);
        set_string_if(o, "function", f->function);
        set_string_if(o, "package", f->module);
        set_string_if(o, "filename", f->file);
        if (f->line > 0)
            json_object_set_int_member(o, "lineno", f->line);
        json_object_set_boolean_member(o, "in_app", frame_in_app(r, f->module));
        json_array_add_object_element(frames, o);
    }
    JsonObject *st = json_object_new();
    json_object_set_array_member(st, "frames", frames);
    return st;
}

static JsonObject *build_threads(const CoronerCrashRecord *r)
{
    JsonArray *values = json_array_new();
    int64_t crashed = coroner_crash_record_crashed_tid(r);
    if (r->threads->len > 0) {
        for (guint i = 0; i < r->threads->len; i++) {
            const CoronerThread *t = r->threads->pdata[i];
            JsonObject *o = json_object_new();
            json_object_set_int_member(o, "id", t->tid);
            set_string_if(o, "name", t->name);
            json_object_set_boolean_member(o, "crashed", t->crashed);
            json_object_set_boolean_member(o, "current", t->tid == crashed);
            if (t->frames->len > 0)
                json_object_set_object_member(o, "stacktrace", build_stacktrace(r, t));
            json_array_add_object_element(values, o);
        }
    } else {
        /* Not symbolized (yet): the threads /proc listed still tell which one crashed. */
        for (guint i = 0; i < r->process.threads->len; i++) {
            const CoronerThreadName *t = r->process.threads->pdata[i];
            JsonObject *o = json_object_new();
            json_object_set_int_member(o, "id", t->tid);
            set_string_if(o, "name", t->name);
            json_object_set_boolean_member(o, "crashed", t->tid == crashed);
            json_object_set_boolean_member(o, "current", t->tid == crashed);
            json_array_add_object_element(values, o);
        }
    }
    JsonObject *threads = json_object_new();
    json_object_set_array_member(threads, "values", values);
    return threads;
}

static JsonObject *build_signal_exception(const CoronerCrashRecord *r)
{
    g_autofree char *name = coroner_sentry_signal_full_name(r->signal.number, r->signal.name);
    const char *descr = r->signal.number > 0 ? sigdescr_np(r->signal.number) : NULL;
    GString *value = g_string_new(descr ? descr : name);
    if (r->signal.has_address)
        g_string_append_printf(value, " at address 0x%" PRIx64, r->signal.address);

    JsonObject *sig = json_object_new();
    json_object_set_int_member(sig, "number", r->signal.number);
    if (r->signal.has_code) {
        json_object_set_int_member(sig, "code", r->signal.code);
        const char *code_name = signal_code_name(r->signal.number, r->signal.code);
        if (code_name)
            json_object_set_string_member(sig, "code_name", code_name);
    }
    json_object_set_string_member(sig, "name", name);
    JsonObject *meta = json_object_new();
    json_object_set_object_member(meta, "signal", sig);

    JsonObject *mech = json_object_new();
    json_object_set_string_member(mech, "type", "signalhandler");
    json_object_set_boolean_member(mech, "handled", FALSE);
    json_object_set_boolean_member(mech, "synthetic", TRUE);
    json_object_set_object_member(mech, "meta", meta);

    JsonObject *ex = json_object_new();
    json_object_set_string_member(ex, "type", name);
    json_object_set_string_member(ex, "value", value->str);
    json_object_set_object_member(ex, "mechanism", mech);
    int64_t tid = coroner_crash_record_crashed_tid(r);
    if (tid > 0)
        json_object_set_int_member(ex, "thread_id", tid);
    const CoronerThread *t = coroner_crash_record_crashed_thread(r);
    if (t && t->frames->len > 0)
        json_object_set_object_member(ex, "stacktrace", build_stacktrace(r, t));
    g_string_free(value, TRUE);
    return ex;
}

static JsonObject *build_exception(const CoronerCrashRecord *r)
{
    JsonArray *values = json_array_new();
    /*
     * Sentry lists chained exceptions oldest first and shows the last one as
     * the cause of the crash: the uncaught C++ exception came first, the
     * SIGABRT it led to last.
     */
    if (r->app && r->app->exception_type && *r->app->exception_type) {
        JsonObject *ex = json_object_new();
        json_object_set_string_member(ex, "type", r->app->exception_type);
        set_string_if(ex, "value", r->app->exception_what);
        JsonObject *mech = json_object_new();
        json_object_set_string_member(mech, "type", "cxx_exception");
        json_object_set_boolean_member(mech, "handled", FALSE);
        json_object_set_object_member(ex, "mechanism", mech);
        json_array_add_object_element(values, ex);
    }
    json_array_add_object_element(values, build_signal_exception(r));
    JsonObject *exception = json_object_new();
    json_object_set_array_member(exception, "values", values);
    return exception;
}

static JsonObject *build_debug_meta(const CoronerCrashRecord *r)
{
    JsonArray *images = json_array_new();
    for (guint i = 0; i < r->modules->len; i++) {
        const CoronerModule *m = r->modules->pdata[i];
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "type", "elf");
        set_string_if(o, "code_file", m->path);
        g_autofree char *debug_id = coroner_sentry_debug_id_from_build_id(m->build_id);
        if (debug_id) {
            json_object_set_string_member(o, "code_id", m->build_id);
            json_object_set_string_member(o, "debug_id", debug_id);
        }
        set_hex(o, "image_addr", m->start);
        json_object_set_int_member(o, "image_size", m->end > m->start ? (gint64)(m->end - m->start) : 0);
        json_array_add_object_element(images, o);
    }
    JsonObject *meta = json_object_new();
    json_object_set_array_member(meta, "images", images);
    return meta;
}

static const char *app_id_of(const CoronerCrashRecord *r)
{
    if (r->app && r->app->app_id && *r->app->app_id)
        return r->app->app_id;
    if (r->app && r->app->name && *r->app->name)
        return r->app->name;
    return r->process.comm;
}

static JsonObject *build_contexts(const CoronerCrashRecord *r, const CoronerSentryMachine *m)
{
    JsonObject *os = json_object_new();
    json_object_set_string_member(os, "type", "os");
    set_string_if(os, "name", m->os_name);
    set_string_if(os, "version", m->os_version);
    set_string_if(os, "build", m->os_build);
    set_string_if(os, "kernel_version", m->kernel_version);
    set_string_if(os, "raw_description", m->os_pretty_name);

    JsonObject *device = json_object_new();
    json_object_set_string_member(device, "type", "device");
    set_string_if(device, "arch", m->arch);
    if (m->memory_size > 0)
        json_object_set_int_member(device, "memory_size", (gint64)m->memory_size);

    JsonObject *app = json_object_new();
    json_object_set_string_member(app, "type", "app");
    set_string_if(app, "app_identifier", app_id_of(r));
    set_string_if(app, "app_name", r->app && r->app->name ? r->app->name : r->process.comm);
    if (r->app)
        set_string_if(app, "app_version", r->app->version);

    JsonObject *contexts = json_object_new();
    json_object_set_object_member(contexts, "os", os);
    json_object_set_object_member(contexts, "device", device);
    json_object_set_object_member(contexts, "app", app);
    return contexts;
}

static const char *level_from_priority(int priority)
{
    if (priority < 0)
        return "info";
    if (priority <= 2)
        return "fatal";
    if (priority == 3)
        return "error";
    if (priority == 4)
        return "warning";
    if (priority == 7)
        return "debug";
    return "info";
}

static double usec_to_seconds(int64_t usec)
{
    return (double)usec / (double)G_USEC_PER_SEC;
}

/* A breadcrumb of the event, put in crumbs by its time. */
static void add_breadcrumb(GArray *crumbs, int64_t usec, const char *category, const char *level,
                           const char *message)
{
    JsonObject *o = json_object_new();
    json_object_set_double_member(o, "timestamp", usec_to_seconds(usec));
    json_object_set_string_member(o, "type", "default");
    json_object_set_string_member(o, "category", category);
    json_object_set_string_member(o, "level", level);
    set_string_if(o, "message", message);
    CoronerKeyed c = {usec, o};
    g_array_append_val(crumbs, c);
}

static JsonObject *build_breadcrumbs(const CoronerCrashRecord *r, GPtrArray *journal_lines)
{
    g_autoptr(GArray) crumbs = g_array_new(FALSE, FALSE, sizeof(CoronerKeyed));
    for (guint i = 0; r->app && i < r->app->breadcrumbs->len; i++) {
        const CoronerBreadcrumb *b = r->app->breadcrumbs->pdata[i];
        add_breadcrumb(crumbs, b->timestamp_usec, "app", "info", b->message);
    }
    for (guint i = 0; journal_lines && i < journal_lines->len; i++) {
        const CoronerSentryJournalLine *l = journal_lines->pdata[i];
        add_breadcrumb(crumbs, l->timestamp_usec, "journal", level_from_priority(l->priority),
                       l->message);
    }
    /* The sort is stable: equal times keep hook-before-journal order. */
    g_array_sort(crumbs, coroner_keyed_compare);
    guint skip = crumbs->len > CORONER_SENTRY_MAX_BREADCRUMBS
                     ? crumbs->len - CORONER_SENTRY_MAX_BREADCRUMBS
                     : 0;
    JsonArray *values = json_array_new();
    for (guint i = 0; i < crumbs->len; i++) {
        JsonObject *crumb = g_array_index(crumbs, CoronerKeyed, i).item;
        if (i < skip)
            json_object_unref(crumb);
        else
            json_array_add_object_element(values, crumb);
    }
    JsonObject *breadcrumbs = json_object_new();
    json_object_set_array_member(breadcrumbs, "values", values);
    return breadcrumbs;
}

static void set_tag(JsonObject *tags, const char *key, const char *value)
{
    if (!value || !*value)
        return;
    g_autofree char *cut = NULL;
    if (g_utf8_strlen(value, -1) > MAX_TAG_VALUE)
        value = cut = g_utf8_substring(value, 0, MAX_TAG_VALUE);
    json_object_set_string_member(tags, key, value);
}

JsonNode *coroner_sentry_event_build(const CoronerCrashRecord *r,
                                     const CoronerSentryEventOptions *options, GError **error)
{
    CoronerSentryEventOptions defaults = {0};
    if (!options)
        options = &defaults;
    if (r->signal.number <= 0) {
        g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DATA,
                    "The crash record %s has no signal: nothing to report", r->id ? r->id : "");
        return NULL;
    }
    if (options->event_id && !coroner_sentry_event_id_is_valid(options->event_id)) {
        g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DATA,
                    "“%s” is not an event id (32 lowercase hex digits)", options->event_id);
        return NULL;
    }
    g_autoptr(CoronerSentryMachine) own_machine = NULL;
    const CoronerSentryMachine *machine = options->machine;
    if (!machine)
        machine = own_machine = coroner_sentry_machine_read(NULL);

    JsonObject *e = json_object_new();
    g_autofree char *event_id =
        options->event_id ? g_strdup(options->event_id) : coroner_sentry_event_id_new();
    json_object_set_string_member(e, "event_id", event_id);
    g_autofree char *timestamp = coroner_sentry_format_time(r->timestamp_usec);
    json_object_set_string_member(e, "timestamp", timestamp);
    json_object_set_string_member(e, "platform", "native");
    json_object_set_string_member(e, "level", "fatal");

    const char *app_id = app_id_of(r);
    if (app_id && r->app && r->app->version && *r->app->version) {
        g_autofree char *release = g_strdup_printf("%s@%s", app_id, r->app->version);
        json_object_set_string_member(e, "release", release);
    }

    JsonObject *sdk = json_object_new();
    json_object_set_string_member(sdk, "name", "coroner");
    json_object_set_string_member(sdk, "version", CORONER_VERSION);
    json_object_set_object_member(e, "sdk", sdk);

    json_object_set_object_member(e, "exception", build_exception(r));
    json_object_set_object_member(e, "threads", build_threads(r));
    json_object_set_object_member(e, "debug_meta", build_debug_meta(r));
    json_object_set_object_member(e, "contexts", build_contexts(r, machine));

    JsonObject *tags = json_object_new();
    g_autofree char *signame = coroner_sentry_signal_full_name(r->signal.number, r->signal.name);
    set_tag(tags, "signal", signame);
    set_tag(tags, "crash_signature", r->signature);
    g_autofree char *session_type =
        options->session_type ? g_strdup(options->session_type)
                              : coroner_sentry_session_type(r->process.session);
    set_tag(tags, "session_type", session_type);
    json_object_set_object_member(e, "tags", tags);

    json_object_set_object_member(e, "breadcrumbs", build_breadcrumbs(r, options->journal_lines));

    /* Only what helps triage; raw /proc texts, the command line and the environment stay home. */
    JsonObject *extra = json_object_new();
    set_string_if(extra, "executable", r->process.exe);
    json_object_set_string_member(extra, "core_state", coroner_core_state_to_string(r->core.state));
    if (r->backtrace_quality >= 0)
        json_object_set_double_member(extra, "backtrace_quality", r->backtrace_quality);
    set_string_if(extra, "backtrace_error", r->backtrace_error);
    if (r->app) {
        for (guint i = 0; i < r->app->annotations->len; i++) {
            const CoronerAnnotation *a = r->app->annotations->pdata[i];
            if (a->key && *a->key && a->value) {
                g_autofree char *key = g_strconcat("annotation.", a->key, NULL);
                json_object_set_string_member(extra, key, a->value);
            }
        }
        set_string_if(extra, "bug_address", r->app->bug_address);
    }
    json_object_set_object_member(e, "extra", extra);

    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, e);
    return node;
}

JsonNode *coroner_sentry_feedback_build(const CoronerSentryFeedback *f, GError **error)
{
    if (!coroner_sentry_event_id_is_valid(f->associated_event_id)) {
        g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DATA,
                    "A feedback needs the event id of its crash");
        return NULL;
    }
    if (!f->message || !*f->message || !g_utf8_validate(f->message, -1, NULL)) {
        g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DATA,
                    "A feedback needs a message (UTF-8 text)");
        return NULL;
    }
    JsonObject *e = json_object_new();
    g_autofree char *event_id = coroner_sentry_feedback_event_id(f->associated_event_id);
    json_object_set_string_member(e, "event_id", event_id);
    g_autofree char *timestamp =
        coroner_sentry_format_time(f->timestamp_usec ? f->timestamp_usec : g_get_real_time());
    json_object_set_string_member(e, "timestamp", timestamp);
    json_object_set_string_member(e, "platform", "native");
    json_object_set_string_member(e, "level", "info");
    if (f->release && *f->release)
        json_object_set_string_member(e, "release", f->release);
    JsonObject *sdk = json_object_new();
    json_object_set_string_member(sdk, "name", "coroner");
    json_object_set_string_member(sdk, "version", CORONER_VERSION);
    json_object_set_object_member(e, "sdk", sdk);

    JsonObject *fb = json_object_new();
    /* Cut where Sentry would, but on a character boundary and the same way every time. */
    /* g_utf8_substring reads past the end of a shorter string: cut only what is longer. */
    g_autofree char *message =
        g_utf8_strlen(f->message, -1) > CORONER_SENTRY_MAX_FEEDBACK_CHARS
            ? g_utf8_substring(f->message, 0, CORONER_SENTRY_MAX_FEEDBACK_CHARS)
            : g_strdup(f->message);
    json_object_set_string_member(fb, "message", message);
    set_string_if(fb, "contact_email", f->contact_email);
    set_string_if(fb, "name", f->name);
    json_object_set_string_member(fb, "associated_event_id", f->associated_event_id);
    json_object_set_string_member(fb, "source", "coroner");
    JsonObject *contexts = json_object_new();
    json_object_set_object_member(contexts, "feedback", fb);
    json_object_set_object_member(e, "contexts", contexts);

    JsonNode *node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, e);
    return node;
}
