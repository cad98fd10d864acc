/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The crashed process's last journal lines before the crash, as breadcrumbs:
 * they often say what the program was doing ("cannot open …") when it died.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct {
    int64_t timestamp_usec;
    int priority; /* syslog priority, -1 if absent */
    char *message;
} CoronerSentryJournalLine;

void coroner_sentry_journal_line_free(CoronerSentryJournalLine *line);

/*
 * Up to max_lines entries with _PID=pid and _UID=uid (journald's trusted
 * fields: the crashed process's own lines) (and _BOOT_ID=boot_id when given)
 * logged at or before before_usec, oldest first.  directory NULL reads the
 * local journal (what the caller may read); a directory reads only the
 * journal files in it (tests).  Returns a possibly empty array of
 * CoronerSentryJournalLine*; fails only when the journal cannot be opened.
 */
GPtrArray *coroner_sentry_breadcrumbs_from_journal(int64_t pid, int64_t uid, const char *boot_id,
                                                   int64_t before_usec, guint max_lines,
                                                   const char *directory, GError **error);

G_END_DECLS
