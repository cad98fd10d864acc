/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sandboxed symbolizer (see symbolize.h): coroner_symbolize_core_fd() in
 * coroner_sandbox_run()'s child, its answer the record's JSON over the pipe.
 */
#include <glib.h>
#include <unistd.h>

#include "core-access.h"
#include "sandbox.h"
#include "symbolize-internal.h"
#include "options-defaults.h"

/* The JSON a sandboxed child may send back; the caps on threads and frames keep it far below. */
#define RESULT_MAX (32u * 1024u * 1024u)
/* The child's own deadline comes this much before the parent's kill, to return a partial result. */
#define CHILD_MARGIN_MS 300

typedef struct {
    int core_fd;
    const char *executable;
    const CoronerSymbolizeOptions *o;
    const CoronerCrashRecord *input; /* the tid, thread names and signal to start from */
} SandboxJob;

/* Keeps the child's answer under the pipe's cap: other threads lose frames first. */
static void fit_result_cap(CoronerCrashRecord *r)
{
    for (int round = 0; round < 2; round++) {
        gsize length = 0;
        g_free(coroner_crash_record_to_json(r, &length));
        if (length <= RESULT_MAX)
            return;
        for (guint i = 0; i < r->threads->len; i++) {
            CoronerThread *t = r->threads->pdata[i];
            if (!t->crashed)
                g_ptr_array_set_size(t->frames, round == 0 ? MIN(t->frames->len, 16) : 0);
        }
        coroner_crash_record_add_error(r, "some threads' frames were dropped to fit the result "
                                          "cap");
    }
}

/* Runs in the sandbox child. */
static gboolean symbolize_in_sandbox(gpointer data, CoronerCrashRecord *r, GError **error)
{
    const SandboxJob *job = data;
    symbolize_debuginfo_cache_enable_writer();
    CoronerSymbolizeOptions mine = *job->o;
    if (mine.timeout_ms)
        mine.timeout_ms = mine.timeout_ms > 2 * CHILD_MARGIN_MS ? mine.timeout_ms - CHILD_MARGIN_MS
                                                                : mine.timeout_ms / 2 + 1;
    const CoronerCrashRecord *input = job->input;
    r->process.tid = input->process.tid;
    for (guint i = 0; input->process.threads && i < input->process.threads->len; i++) {
        const CoronerThreadName *n = input->process.threads->pdata[i];
        CoronerThreadName *copy = g_new0(CoronerThreadName, 1);
        copy->tid = n->tid;
        copy->name = g_strdup(n->name);
        g_ptr_array_add(r->process.threads, copy);
    }
    r->signal.number = input->signal.number;
    r->signal.name = g_strdup(input->signal.name);
    /* For the modules' full paths; not sent back (the caller has them). */
    r->process.proc_maps = g_strdup(input->process.proc_maps);
    gboolean ok = coroner_symbolize_core_fd(job->core_fd, job->executable, &mine, r, error);
    g_clear_pointer(&r->process.proc_maps, g_free);
    if (!ok)
        return FALSE;
    fit_result_cap(r);
    return TRUE;
}

/* The sandbox's and the child's errors as the CoronerSymbolizeError callers know. */
static int symbolize_error_code(const GError *e)
{
    if (e->domain == CORONER_SYMBOLIZE_ERROR)
        return e->code >= 0 && e->code < CORONER_SYMBOLIZE_ERROR_FAILED
                   ? e->code
                   : CORONER_SYMBOLIZE_ERROR_FAILED;
    if (e->domain != CORONER_SANDBOX_ERROR)
        return CORONER_SYMBOLIZE_ERROR_FAILED;
    switch ((CoronerSandboxError)e->code) {
    case CORONER_SANDBOX_ERROR_TIMEOUT:
        return CORONER_SYMBOLIZE_ERROR_TIMEOUT;
    case CORONER_SANDBOX_ERROR_TOO_BIG:
    case CORONER_SANDBOX_ERROR_CRASHED:
    case CORONER_SANDBOX_ERROR_INVALID:
        return CORONER_SYMBOLIZE_ERROR_CHILD;
    case CORONER_SANDBOX_ERROR_FAILED:
    default:
        return CORONER_SYMBOLIZE_ERROR_FAILED;
    }
}

static void take_backtrace(CoronerCrashRecord *record, CoronerCrashRecord *result)
{
    g_ptr_array_set_size(record->threads, 0);
    g_ptr_array_set_size(record->modules, 0);
    for (guint i = 0; i < result->threads->len; i++)
        g_ptr_array_add(record->threads, g_steal_pointer(&result->threads->pdata[i]));
    for (guint i = 0; i < result->modules->len; i++)
        g_ptr_array_add(record->modules, g_steal_pointer(&result->modules->pdata[i]));
    g_ptr_array_set_size(result->threads, 0);
    g_ptr_array_set_size(result->modules, 0);
    g_free(record->signature);
    record->signature = g_steal_pointer(&result->signature);
    record->backtrace_quality = result->backtrace_quality;
    if (result->signal.has_code) {
        record->signal.code = result->signal.code;
        record->signal.has_code = TRUE;
    }
    if (result->signal.has_address) {
        record->signal.address = result->signal.address;
        record->signal.has_address = TRUE;
    }
    if (record->signal.number == 0 && result->signal.number > 0) {
        record->signal.number = result->signal.number;
        g_free(record->signal.name);
        record->signal.name = coroner_signal_name(result->signal.number);
    }
    for (guint i = 0; i < result->errors->len; i++)
        coroner_crash_record_add_error(record, "%s", (char *)result->errors->pdata[i]);
}

static gboolean sandbox_fail(CoronerCrashRecord *record, GError **error, int code,
                             const char *format, ...) G_GNUC_PRINTF(4, 5);

static gboolean sandbox_fail(CoronerCrashRecord *record, GError **error, int code,
                             const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *message = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_free(record->backtrace_error);
    record->backtrace_error = g_strdup(message);
    g_set_error_literal(error, CORONER_SYMBOLIZE_ERROR, code, message);
    return FALSE;
}

gboolean coroner_symbolize_sandboxed(int core_fd, const char *executable,
                                     const CoronerSymbolizeOptions *o, uid_t uid, gid_t gid,
                                     CoronerCrashRecord *record, GError **error)
{
    CoronerSymbolizeOptions defaults;
    o = CORONER_OPTIONS_OR_DEFAULTS(o, &defaults, coroner_symbolize_options_init);
    SandboxJob job = {.core_fd = core_fd, .executable = executable, .o = o, .input = record};
    CoronerSandboxLimits limits = {
        .name = "the symbolizer",
        .drop_privileges = uid != 0,
        .uid = uid,
        .gid = gid,
        .address_space = o->memory_limit,
        .cpu_seconds = o->timeout_ms ? o->timeout_ms / 1000 + 1 : 0,
        /* No timeout is a day's. */
        .timeout_ms = o->timeout_ms ? o->timeout_ms : 24u * 3600u * 1000u,
        .max_output = RESULT_MAX,
        .after_answer = symbolize_debuginfo_cache_flush,
    };
    g_autoptr(GError) local = NULL;
    g_autoptr(CoronerCrashRecord) result =
        coroner_sandbox_run(&limits, symbolize_in_sandbox, &job, &local);
    if (!result)
        return sandbox_fail(record, error, symbolize_error_code(local), "%s", local->message);
    take_backtrace(record, result);
    g_clear_pointer(&record->backtrace_error, g_free);
    return TRUE;
}

gboolean coroner_symbolize_stored(int store_dir_fd, const CoronerSymbolizeOptions *o, uid_t uid,
                                  gid_t gid, CoronerCrashRecord *record, GError **error)
{
    g_autoptr(GError) local = NULL;
    int fd = coroner_core_open_for_backtrace(store_dir_fd, record, &local);
    if (fd < 0) {
        g_free(record->backtrace_error);
        record->backtrace_error = g_strdup(local->message);
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    gboolean ok = coroner_symbolize_sandboxed(fd, record->process.exe, o, uid, gid, record, error);
    close(fd);
    return ok;
}
