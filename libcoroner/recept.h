/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Recepts: what a minimal core keeps (docs/recept.md).  A recept is a JSON
 * file an administrator writes; coroner.conf chooses one per crash:
 *
 *   [App:<app id>] Recept=FILE    for an application that told us its id (libcoroner-hook)
 *   [Store] ReceptDirectory=DIR   *.json recepts whose "match" globs name the executable
 *   [Store] Recept=FILE           for everything else
 *
 * in that order.  No recept: the full core is stored.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "config.h"
#include "minimal-core.h"

G_BEGIN_DECLS

typedef struct {
    char *name;            /* "name", else the file name without .json */
    char *path;            /* the file it came from */
    GPtrArray *match;      /* char*: executable path globs (recept directory) */
    gboolean all_threads;  /* "stacks": {"threads": "all" | "crashing"} */
    uint64_t max_stack;    /* "stacks": {"max_size": …} */
    uint64_t red_zone;     /* "stacks": {"red_zone": …} */
    gboolean drop_other_xstate; /* "notes": {"extended_registers": "crashing-thread"} */
    gboolean module_headers;    /* "modules": {"headers": …} */
    gboolean module_data;       /* "modules": {"data": …} */
    uint64_t module_data_max;   /* "modules": {"data_max": …} */
    GPtrArray *mappings;   /* char*: mapping name globs kept whole */
    gboolean buffers;      /* the hook's registered buffers */
    GPtrArray *proc;       /* char*: /proc files copied into the core */
    uint64_t max_size;     /* memory bytes kept at most, 0 unlimited */
} CoronerRecept;

/* Parses a recept file; fails with a message naming the file and the member. */
CoronerRecept *coroner_recept_load(const char *path, GError **error);
CoronerRecept *coroner_recept_parse(const char *json, gssize length, const char *path,
                                    GError **error);
void coroner_recept_free(CoronerRecept *recept);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerRecept, coroner_recept_free)

/*
 * The recept for a crash (see above), or NULL with no error when none
 * applies.  app_id and exe may be NULL.  An unreadable recept is an error:
 * the caller stores the full core and says why.
 */
CoronerRecept *coroner_recept_choose(const CoronerConfig *config, const char *app_id,
                                     const char *exe, GError **error);

/* The /proc file names a recept may ask for ("status", "maps", …), NULL-terminated. */
extern const char *const coroner_recept_proc_files[];

/*
 * Fills the writer's options from the recept (recept, threads, stacks, notes,
 * modules, globs, cap); maps, ranges and files are left for the caller.  The
 * options point into the recept.
 */
void coroner_recept_to_options(const CoronerRecept *recept, CoronerMinimalOptions *ret_options);

G_END_DECLS
