/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Crash entries read back from the journal (MESSAGE_ID=fc2e22bc6ee647b6b90729ab34a250b1):
 * those coroner-handler writes (CORONER_RECORD_ID names their store entry) and
 * those systemd-coredump writes, which have no CORONER_* field: their crash
 * record is rebuilt from the COREDUMP_* fields, and their backtrace from the
 * stack trace in MESSAGE.  This is what lets coronerctl stand in for
 * coredumpctl on a machine where systemd-coredump is the core handler.
 */
#pragma once

#include <glib.h>
#include <systemd/sd-journal.h>

#include "crash-record.h"

G_BEGIN_DECLS

typedef struct {
    char *cursor;               /* the journal entry, for coroner_journal_core_memfd() */
    gboolean trusted;           /* coroner_journal_fields_trusted(): else nothing it names is used */
    char *record_id;            /* CORONER_RECORD_ID; NULL for systemd-coredump's entries */
    char *record_path;          /* CORONER_RECORD */
    char *core_path;            /* COREDUMP_FILENAME, NULL when the core is not a file */
    gboolean core_in_journal;   /* a COREDUMP= field holds the core (Storage=journal) */
    GHashTable *fields;         /* field name → GBytes*: the first value of each field */
    CoronerCrashRecord *record; /* built from the fields; record->id is the entry id */
} CoronerJournalCrash;

void coroner_journal_crash_free(CoronerJournalCrash *crash);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerJournalCrash, coroner_journal_crash_free)

/*
 * Opens the journal to read: the files in files (NULL-terminated) if any, else
 * the journal files in directory if set, else the local system journal.
 */
sd_journal *coroner_journal_open(const char *directory, const char *const *files, GError **error);

/*
 * Every trusted crash entry of the journal (CoronerJournalCrash*), oldest
 * first; with include_unverified also the others (trusted FALSE), whose
 * paths, record id and in-journal core are dropped: shown, never followed.
 */
GPtrArray *coroner_journal_read_crashes(sd_journal *journal, gboolean include_unverified,
                                        GError **error);

/*
 * The crash record of the journal's current entry, or NULL when the entry is
 * not trusted.  Its CORONER_RECORD is read only from store_path (a root-owned
 * regular file of that crash, no symlink); otherwise the record is rebuilt
 * from the entry's fields.
 */
CoronerCrashRecord *coroner_journal_entry_record(sd_journal *journal, const char *store_path);

/*
 * Builds a crash record from an entry's fields (name → GBytes*) the way
 * systemd-coredump writes them; boot_id and realtime_usec come from the
 * entry's own metadata and are used when the fields lack them.
 */
CoronerCrashRecord *coroner_record_from_journal_fields(GHashTable *fields, const char *boot_id,
                                                       uint64_t realtime_usec);

/* The core kept inside the journal entry at cursor (COREDUMP=), in a memfd at offset 0. */
int coroner_journal_core_memfd(sd_journal *journal, const char *cursor, GError **error);

G_END_DECLS
