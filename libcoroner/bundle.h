/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A crash bundle: one zip archive per crash with everything a person needs
 * away from the machine (docs/upload.md):
 *
 *   crash.json      the crash record (without process.proc.environ)
 *   core.zst        the stored core, copied as stored (or "core" when the store keeps it raw)
 *   backtrace.txt   the record's backtrace in systemd-coredump's layout
 *   journal.txt     the process's journal lines around the crash
 *   proc/…          the /proc snapshot (status, maps, limits, cgroup, mountinfo, open_fds, auxv)
 *
 * The archive is written by libarchive in one pass to a callback: nothing of
 * the size of the core is ever held in memory, and the core, zstd already,
 * is stored rather than compressed again.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "crash-record.h"

G_BEGIN_DECLS

#define CORONER_BUNDLE_SUFFIX ".zip"

/* Takes the next bytes of the archive; FALSE (with error set) stops the bundle. */
typedef gboolean (*CoronerBundleSink)(const void *data, gsize length, gpointer user_data,
                                      GError **error);

typedef struct {
    gboolean journal;     /* add journal.txt (the journal may not be readable: it then says why) */
    unsigned journal_before_s; /* journal lines from this long before the crash */
    unsigned journal_after_s;  /* … to this long after it */
    unsigned journal_max_lines;
} CoronerBundleOptions;

void coroner_bundle_options_init(CoronerBundleOptions *options);

/*
 * Writes the bundle of the store entry whose record is record (loaded from
 * store_dir_fd) to sink.  The core is read through core_fd when it is >= 0
 * (a caller that holds the entry's lock passes the fd it locked), else
 * opened from the store.  *ret_bytes (may be NULL) is the archive's size.
 */
gboolean coroner_bundle_write(int store_dir_fd, const CoronerCrashRecord *record, int core_fd,
                              const CoronerBundleOptions *options, CoronerBundleSink sink,
                              gpointer user_data, uint64_t *ret_bytes, GError **error);

/* Writes the bundle to a new file dir/name atomically (O_TMPFILE + linkat, 0600: it holds a core). */
gboolean coroner_bundle_write_file(int store_dir_fd, const CoronerCrashRecord *record,
                                   const CoronerBundleOptions *options, const char *dir,
                                   const char *name, GError **error);

G_END_DECLS
