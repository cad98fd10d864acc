/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerctl: what the verbs share — the options, the loaded crash list, the
 * output — and the exit codes (documented in coronerctl.1).
 *
 * Each verb lives in its own file (coronerctl-<verb>.c) and returns an exit
 * code; on failure it sets a CTL_ERROR whose code is that exit code, and
 * main() prints the message.  Nothing below main() exits.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "config.h"
#include "coronerctl-output.h"
#include "crash-index.h"
#include "store.h"

G_BEGIN_DECLS

typedef enum {
    CTL_EXIT_OK = 0,
    CTL_EXIT_NO_MATCH = 1,    /* no crash matched, or the id names none */
    CTL_EXIT_USAGE = 2,       /* bad options or arguments */
    CTL_EXIT_DATA = 3,        /* the store, journal, record or core could not be read or written */
    CTL_EXIT_UNAVAILABLE = 4, /* the crash is there but lacks what was asked: no core, no backtrace */
} CtlExit;

#define CTL_ERROR (ctl_error_quark())
GQuark ctl_error_quark(void);

typedef struct {
    /* Options. */
    char *store_path;
    char *config_path;
    char *journal_directory;
    char **journal_files;
    gboolean no_journal;
    gboolean unverified;   /* also list journal entries nobody trusted wrote, marked */
    gboolean no_pager;
    gboolean no_legend;
    gboolean json;
    gboolean json_short;
    gboolean reverse;
    int lines;             /* list: only the newest N, 0 for all */
    char *since;
    char *until;
    gboolean full;
    char *output;
    char *debugger;
    char *debugger_arguments;
    char *max_use;
    char *keep_free;
    gboolean minidump_environ;
    gboolean inject;       /* dump: add the recorded buffers the core lacks */
    char *recept;          /* dump-live: the recept file for a minimal core */

    /* Filled in by ctl_context_load(). */
    int64_t since_usec;    /* INT64_MIN when unset */
    int64_t until_usec;    /* INT64_MAX when unset */
    CoronerConfig *config;
    CoronerStore *store;   /* NULL when there is none (only the journal is read) */
    sd_journal *journal;   /* NULL when there is none */
    CoronerCrashIndex *index;
    CtlOutput out;
} CtlContext;

/* Opens the store and the journal and reads the crash list. */
gboolean ctl_context_load(CtlContext *ctx, GError **error);

/*
 * The crash an argument names: an id (see coroner_crash_index_lookup()) or,
 * failing that, the newest crash matching it as a match (see
 * coronerctl-match.h).  With no argument, the newest crash.
 */
CoronerCrashEntry *ctl_find_one(CtlContext *ctx, char **args, GError **error);

int ctl_list(CtlContext *ctx, char **args, GError **error);
int ctl_info(CtlContext *ctx, char **args, GError **error);
int ctl_backtrace(CtlContext *ctx, char **args, GError **error);
int ctl_dump(CtlContext *ctx, char **args, GError **error);
int ctl_dump_live(CtlContext *ctx, char **args, GError **error);
int ctl_bundle(CtlContext *ctx, char **args, GError **error);
int ctl_debug(CtlContext *ctx, char **args, GError **error);
int ctl_vacuum(CtlContext *ctx, char **args, GError **error);
int ctl_minidump(CtlContext *ctx, char **args, GError **error);

G_END_DECLS
