/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The backtrace of a crash whose record has none yet (the handler could not
 * symbolize it, or systemd-coredump's entry had no stack trace): symbolized
 * here from the stored core, in the symbolizer's sandbox.
 */
#pragma once

#include <glib.h>

#include "crash-index.h"

G_BEGIN_DECLS

/*
 * Fills entry->record's backtrace from the core if it has none.  TRUE when the
 * record has a backtrace afterwards; otherwise error says why not.
 */
gboolean ctl_ensure_backtrace(const CoronerCrashIndex *index, CoronerCrashEntry *entry,
                              GError **error);

/*
 * An fd of the entry's core to parse: for our store entries the stack core,
 * else the decompressed core (core-access.h); anything else (systemd-coredump's
 * zstd, xz, lz4, uncompressed or in-journal cores) decompressed into an
 * unnamed temporary file first.  -1 with error set on failure.
 */
int ctl_open_core_for_parsing(const CoronerCrashIndex *index, const CoronerCrashEntry *entry,
                              GError **error);

G_END_DECLS
