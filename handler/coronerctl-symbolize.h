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

G_END_DECLS
