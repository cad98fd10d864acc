/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "minimal-plan.h"

#include "crash-record-fields.h"
#include "str-util.h"

#include <string.h>

/*
 * The record's copy of a /proc file, by the name a recept uses: the name of
 * its member of the record's "process"."proc".
 */
static GBytes *proc_file(const CoronerCrashRecord *r, const char *name)
{
    const CoronerProcessInfo *p = &r->process;
    if (strcmp(name, "auxv") == 0) {
        /* Binary in /proc: the record keeps it as hex, the core gets the bytes back. */
        return p->proc_auxv_hex ? coroner_hex_decode(p->proc_auxv_hex) : NULL;
    }
    const char *text = coroner_fields_get_string(p, &coroner_fields_proc, name);
    return text ? g_bytes_new(text, strlen(text)) : NULL;
}

CoronerMinimalPlan *coroner_minimal_plan_new(const CoronerRecept *recept,
                                             const CoronerCrashRecord *record)
{
    CoronerMinimalPlan *plan = g_new0(CoronerMinimalPlan, 1);
    plan->files = g_array_new(FALSE, TRUE, sizeof(CoronerFileCopy));
    plan->owned = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    plan->ranges = g_array_new(FALSE, TRUE, sizeof(CoronerMemoryRange));
    coroner_recept_to_options(recept, &plan->options);

    /* /proc/PID/maps names the anonymous mappings too ([heap], [stack], [anon:…]). */
    plan->maps = coroner_mappings_parse(record->process.proc_maps, &plan->n_maps);
    plan->options.maps = plan->maps;
    plan->options.n_maps = plan->n_maps;

    for (guint i = 0; i < recept->proc->len; i++) {
        const char *name = recept->proc->pdata[i];
        GBytes *bytes = proc_file(record, name);
        if (!bytes)
            continue;
        g_ptr_array_add(plan->owned, bytes);
        gsize size;
        CoronerFileCopy copy = {.name = name, .data = g_bytes_get_data(bytes, &size)};
        copy.size = size;
        g_array_append_val(plan->files, copy);
    }
    plan->options.files = (const CoronerFileCopy *)plan->files->data;
    plan->options.n_files = plan->files->len;

    if (recept->buffers && record->app) {
        for (guint i = 0; i < record->app->buffers->len; i++) {
            const CoronerBuffer *b = record->app->buffers->pdata[i];
            if (!b->address || b->length == 0)
                continue;
            CoronerMemoryRange range = {b->address, b->length};
            g_array_append_val(plan->ranges, range);
        }
    }
    plan->options.ranges = (const CoronerMemoryRange *)plan->ranges->data;
    plan->options.n_ranges = plan->ranges->len;
    return plan;
}

void coroner_minimal_plan_free(CoronerMinimalPlan *plan)
{
    if (!plan)
        return;
    coroner_mappings_free(plan->maps, plan->n_maps);
    g_array_unref(plan->files);
    g_ptr_array_unref(plan->owned);
    g_array_unref(plan->ranges);
    g_free(plan);
}

void coroner_minimal_plan_record(CoronerCrashRecord *r, const CoronerRecept *recept,
                                 uint64_t original_size, const CoronerMinimalStats *stats,
                                 const char *warning)
{
    coroner_minimal_info_free(r->core.minimal);
    CoronerMinimalInfo *m = r->core.minimal = coroner_minimal_info_new();
    m->recept = g_strdup(recept->name);
    m->recept_file = g_strdup(recept->path);
    m->original_size = original_size;
    m->memory_kept = stats->memory_kept;
    m->memory_dropped = stats->memory_dropped;
    m->threads = stats->threads;
    m->stacks = stats->stacks;
    m->notes_dropped = stats->notes_dropped;
    if (warning && *warning)
        coroner_crash_record_add_error(r, "minimal core: %s", warning);
}
