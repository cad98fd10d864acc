/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-resymbolize.h"

#include <fcntl.h>
#include <unistd.h>

#include "coroner-backtrace-cache.h"
#include "symbolize.h"

typedef struct {
    char *store_path;
    CoronerCrashRecord *record; /* a copy, filled in the worker */
    double old_quality;         /* of the backtrace shown before */
    char *keep_error;           /* why the better backtrace could not be kept, if it could not */
} Resymbolize;

static void resymbolize_free(Resymbolize *job)
{
    g_free(job->store_path);
    g_free(job->keep_error);
    g_clear_pointer(&job->record, coroner_crash_record_free);
    g_free(job);
}

static void resymbolize_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    Resymbolize *job = task_data;
    GError *error = NULL;
    CoronerSymbolizeOptions options;
    int store_fd = -1;
    gboolean ok;

    coroner_symbolize_options_init(&options);
    options.debuginfod = TRUE;
    options.debuginfod_timeout_ms = 30000;
    options.timeout_ms = 60000;
    g_ptr_array_set_size(job->record->threads, 0);
    g_ptr_array_set_size(job->record->modules, 0);
    if (job->store_path)
        store_fd = open(job->store_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = coroner_symbolize_stored(store_fd, &options, getuid(), getgid(), job->record, &error);
    if (store_fd >= 0)
        close(store_fd);
    if (!ok) {
        g_task_return_error(task, error);
        return;
    }
    /*
     * Kept for this user (the store is root's and read-only): a restart, or
     * sending the report later, must not lose what was downloaded.  Only a
     * better one: otherwise the record's own is as good and needs no copy.
     */
    if (job->record->backtrace_quality > job->old_quality &&
        !coroner_backtrace_cache_save(NULL, job->record, &error)) {
        job->keep_error = g_strdup(error->message);
        g_clear_error(&error);
    }
    g_task_return_boolean(task, TRUE);
}

void coroner_resymbolize_async(const CoronerCrashRecord *record, const char *store_path,
                               GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    g_autoptr(GError) error = NULL;
    g_autofree char *json = coroner_crash_record_to_json(record, NULL);
    Resymbolize *job = g_new0(Resymbolize, 1);

    g_task_set_source_tag(task, coroner_resymbolize_async);
    g_task_set_task_data(task, job, (GDestroyNotify)resymbolize_free);
    job->store_path = g_strdup(store_path);
    job->old_quality = record->backtrace_quality;
    job->record = json ? coroner_crash_record_from_json(json, -1, &error) : NULL;
    if (!job->record) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    /* The worker cannot be stopped midway; its result is wanted even after a cancel. */
    g_task_set_check_cancellable(task, FALSE);
    g_task_run_in_thread(task, resymbolize_thread);
}

CoronerCrashRecord *coroner_resymbolize_finish(GAsyncResult *result, char **ret_keep_error, GError **error)
{
    Resymbolize *job = g_task_get_task_data(G_TASK(result));

    if (!g_task_propagate_boolean(G_TASK(result), error))
        return NULL;
    if (ret_keep_error)
        *ret_keep_error = g_strdup(job->keep_error);
    return g_steal_pointer(&job->record);
}
