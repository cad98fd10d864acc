/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The backtrace as text, for the journal's MESSAGE and for people. */
#pragma once

#include <glib.h>

#include "crash-record.h"

G_BEGIN_DECLS

/*
 * A readable stack trace for the journal's MESSAGE, in systemd-coredump's
 * style ("Stack trace of thread 1234:\n#0  0x00007f… function (module + 0x…)").
 * At most max_threads threads. Caller frees.
 */
char *coroner_backtrace_format(const CoronerCrashRecord *record, unsigned max_threads);

G_END_DECLS
