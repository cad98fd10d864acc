/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Matches, as coredumpctl takes them: a number is a PID, an absolute path an
 * executable, FIELD=VALUE a field, and any other word a command name (comm).
 *
 * FIELD is a journal field (COREDUMP_UNIT=foo.service, _BOOT_ID=…), looked up
 * in the journal entry or, for a crash only in the store, in the fields the
 * handler would have sent; or a member path of the crash record in lower case
 * (process.unit=foo.service, app.app_id=org.example.App, signal.name=SEGV).
 * Like journalctl: matches of one field are alternatives, matches of
 * different fields must all hold.
 */
#pragma once

#include <glib.h>

#include "crash-index.h"

G_BEGIN_DECLS

typedef struct CtlMatches CtlMatches;

/* Parses the arguments; fails on an empty field name or value-less "=". */
CtlMatches *ctl_matches_new(const char *const *args, GError **error);
void ctl_matches_free(CtlMatches *matches);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlMatches, ctl_matches_free)

/* TRUE when there are no matches at all. */
gboolean ctl_matches_empty(const CtlMatches *matches);

gboolean ctl_matches_test(CtlMatches *matches, const CoronerCrashIndex *index,
                          const CoronerCrashEntry *entry);

G_END_DECLS
