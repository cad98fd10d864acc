/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Between a crash record and the minimal core writer: a recept plus what the
 * record knows about the process (its /proc maps, the /proc files the recept
 * copies, the buffers the application registered) become the writer's
 * options; the writer's numbers go back into the record (core.minimal).
 * The handler and coronerctl dump-live use the same two calls.
 */
#pragma once

#include <glib.h>

#include "crash-record.h"
#include "minimal-core.h"
#include "recept.h"

G_BEGIN_DECLS

typedef struct {
    CoronerMinimalOptions options; /* points into the recept and into this plan */
    CoronerMapping *maps;
    size_t n_maps;
    GArray *files;      /* CoronerFileCopy */
    GPtrArray *owned;   /* what files[] points to */
    GArray *ranges;     /* CoronerMemoryRange */
} CoronerMinimalPlan;

/* The writer's options for record's process under recept (both must outlive the plan). */
CoronerMinimalPlan *coroner_minimal_plan_new(const CoronerRecept *recept,
                                             const CoronerCrashRecord *record);
void coroner_minimal_plan_free(CoronerMinimalPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerMinimalPlan, coroner_minimal_plan_free)

/* Fills record->core.minimal; a warning (may be NULL or "") goes to record->errors. */
void coroner_minimal_plan_record(CoronerCrashRecord *record, const CoronerRecept *recept,
                                 uint64_t original_size, const CoronerMinimalStats *stats,
                                 const char *warning);

G_END_DECLS
