/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * This user's crashes in the journal, entry by entry as they arrive: entries
 * with systemd-coredump's MESSAGE_ID and COREDUMP_UID = our uid, written by
 * coroner-handler (which names its record in CORONER_RECORD) or by
 * systemd-coredump itself (the record is rebuilt from the fields by
 * journal-reader.c, the same code coronerctl uses).
 *
 * New entries are noticed through the journal's own inotify fd
 * (sd_journal_get_fd in a GUnixFDSource): nothing polls.
 */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include "crash-record.h"

G_BEGIN_DECLS

typedef struct _CoronerCrashFeed CoronerCrashFeed;

/* Opens the local journal files this user may read (all of them, for root). */
/* Crash entries of uid; records named by entries are read only from store_path. */
CoronerCrashFeed *coroner_crash_feed_open(uid_t uid, const char *store_path, GError **error);
void coroner_crash_feed_free(CoronerCrashFeed *feed);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerCrashFeed, coroner_crash_feed_free)

/*
 * The crash records of entries not returned before, oldest first, starting at
 * since_usec on the first call.  An entry naming a coroner record this user
 * can read returns that record.
 */
GPtrArray *coroner_crash_feed_read(CoronerCrashFeed *feed, gint64 since_usec);

/* Calls func whenever the journal gained entries. */
void coroner_crash_feed_watch(CoronerCrashFeed *feed, GSourceFunc func, gpointer data);

G_END_DECLS
