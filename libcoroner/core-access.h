/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A core libdwfl can read, for a backtrace: the entry's stack core when it has
 * one (small, uncompressed: no work at all), else the full core, decompressed
 * into an unnamed temporary file (zstd, streaming, zero pages as holes).  The
 * latter is the path for entries written by systemd-coredump, and for ours
 * from before the stack core existed.
 */
#pragma once

#include <glib.h>

#include "crash-record.h"

G_BEGIN_DECLS

/* Decompressed cores beyond this many (non-zero) bytes are refused. */
#define CORONER_CORE_ACCESS_MAX_BYTES ((guint64)64 << 30)

/*
 * Opens record's stack core (<id>.stack) in the store, or else its core
 * (record->core.file; ".zst" decompressed, uncompressed opened as is).  Never
 * follows a symlink.  Returns a read-only-use fd (O_CLOEXEC), or -1 with error
 * set: no core, an unsupported compression (.xz, .lz4), a corrupt stream.
 */
int coroner_core_open_for_backtrace(int store_dir_fd, const CoronerCrashRecord *record,
                                    GError **error);

/*
 * Only record's stack core (<id>.stack, an uncompressed ELF core) in the
 * store, never following a symlink: instant, for callers that must not wait
 * for a decompression.  -1 with error set when there is none.
 */
int coroner_core_open_stack_core(int store_dir_fd, const CoronerCrashRecord *record,
                                 GError **error);

/* The same for a core path, e.g. a journal entry's COREDUMP_FILENAME. */
int coroner_core_open_path_for_backtrace(const char *core_path, GError **error);

G_END_DECLS
