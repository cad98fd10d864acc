/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * This user's crashes, newest first, as a GListModel of CoronerCrash: read
 * from the store (entries whose name carries our uid) and from the journal,
 * merged by record id so a crash known to both appears once.
 *
 * Not libcoroner's crash-index.c (coronerctl's list): that one reads every
 * record and the whole journal at once, while the reporter must take a
 * thousand stored crashes at login in well under half a second (records are
 * read only when needed) and then add crashes one by one as they arrive.
 * Journal entries are turned into records by the same journal-reader.c.
 */
#pragma once

#include <gio/gio.h>

#include "coroner-crash-feed.h"
#include "coroner-crash.h"
#include "coroner-state.h"

G_BEGIN_DECLS

#define CORONER_TYPE_CRASH_LIST (coroner_crash_list_get_type())
G_DECLARE_FINAL_TYPE(CoronerCrashList, coroner_crash_list, CORONER, CRASH_LIST, GObject)

/* journal may be NULL (not read); it is borrowed and must outlive the list. */
CoronerCrashList *coroner_crash_list_new(const char *store_path, uid_t uid, CoronerCrashFeed *journal,
                                         CoronerState *state);

/*
 * Reads every crash since since_usec from the store and the journal.  Returns
 * the crashes that were added (borrowed from the list), oldest first.
 */
GPtrArray *coroner_crash_list_load(CoronerCrashList *self, gint64 since_usec);

/* A record file name the watcher saw; the new crash (borrowed), or NULL if known or not ours. */
CoronerCrash *coroner_crash_list_add_store_record(CoronerCrashList *self, const char *name);

/* New journal entries; the crashes that were added (borrowed). */
GPtrArray *coroner_crash_list_read_journal(CoronerCrashList *self);

CoronerCrash *coroner_crash_list_lookup(CoronerCrashList *self, const char *id);
const char *coroner_crash_list_get_store_path(CoronerCrashList *self);

G_END_DECLS
