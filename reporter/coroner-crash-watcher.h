/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Learns of new crashes while the session runs, without polling:
 *  - a GFileMonitor (inotify) on the store directory: coroner-handler links
 *    each record into place atomically (linkat of an O_TMPFILE), which
 *    inotify reports as one IN_CREATE of the finished file;
 *  - the journal's own inotify fd (sd_journal_get_fd in a GUnixFDSource), for
 *    crashes systemd-coredump stored, or that landed in a store we cannot list.
 * Both wake the process only when something was written.
 */
#pragma once

#include <gio/gio.h>

#include "coroner-crash-feed.h"

G_BEGIN_DECLS

#define CORONER_TYPE_CRASH_WATCHER (coroner_crash_watcher_get_type())
G_DECLARE_FINAL_TYPE(CoronerCrashWatcher, coroner_crash_watcher, CORONER, CRASH_WATCHER, GObject)

/*
 * Signals:
 *   record-created (const char *name): a record file appeared in the store
 *   journal-changed (): the journal has new entries
 */
CoronerCrashWatcher *coroner_crash_watcher_new(const char *store_path, CoronerCrashFeed *journal);

G_END_DECLS
