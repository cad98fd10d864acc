/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How good a backtrace is, in words, and what would make it better: the
 * modules of the crashing thread without debugging information, the Debian
 * package each belongs to (dpkg -S, asynchronously) and so the -dbgsym
 * package to install, or debuginfod.
 */
#pragma once

#include <gio/gio.h>

#include "crash-record.h"

G_BEGIN_DECLS

typedef enum {
    CORONER_QUALITY_UNKNOWN,
    CORONER_QUALITY_POOR,
    CORONER_QUALITY_PARTIAL,
    CORONER_QUALITY_GOOD,
} CoronerQuality;

CoronerQuality coroner_debug_hint_quality(const CoronerCrashRecord *record);
/* "Good", "Partial", "Poor", "Not available yet" (translated). */
const char *coroner_debug_hint_quality_label(CoronerQuality quality);

/* Paths of modules in the crashing thread's frames that lack debugging information. */
GStrv coroner_debug_hint_missing_modules(const CoronerCrashRecord *record);

/* "libfoo1:amd64: /usr/lib/…" (dpkg -S output) → "libfoo1"; NULL when unparsable. */
char *coroner_debug_hint_parse_dpkg(const char *output);

/*
 * The -dbgsym packages for paths (dpkg -S run asynchronously; no dpkg, no
 * packages).  The result is a GStrv of package names, possibly empty.
 */
void coroner_debug_hint_packages_async(GStrv paths, GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
GStrv coroner_debug_hint_packages_finish(GAsyncResult *result, GError **error);

G_END_DECLS
