/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The minidump a report may carry (reporting.conf's Minidump=, per
 * application or for every one): made from the crash's stored core by
 * libcoroner's sandboxed minidump writer, scrubbed like the event, and sent
 * as an `event.minidump` attachment so that Sentry symbolicates it on the
 * server — besides our own stack trace, or instead of it.
 */
#pragma once

#include <glib.h>

#include "crash-record.h"
#include "sentry-privacy.h"

G_BEGIN_DECLS

typedef enum {
    CORONER_SENTRY_MINIDUMP_OFF,    /* "no": no minidump (the default) */
    CORONER_SENTRY_MINIDUMP_ATTACH, /* "attach": the minidump besides our stack trace */
    CORONER_SENTRY_MINIDUMP_ONLY,   /* "only": the minidump instead of our stack trace */
} CoronerSentryMinidumpMode;

/* "no", "attach" or "only" (also "false"/"true" for off/attach); FALSE for anything else. */
gboolean coroner_sentry_minidump_mode_parse(const char *text, CoronerSentryMinidumpMode *ret_mode);

/*
 * The minidump of record's crash from core_fd, its core uncompressed (the
 * caller opens it: the stack core, or the decompressed core): written in the
 * sandbox (as an unprivileged account when we are root), its texts scrubbed
 * with scrubber, the environment only with environ_consent.  NULL with error
 * set when the writer failed.
 */
GBytes *coroner_sentry_minidump_build(const CoronerCrashRecord *record, int core_fd,
                                      const CoronerSentryScrubber *scrubber,
                                      gboolean environ_consent, GError **error);

G_END_DECLS
