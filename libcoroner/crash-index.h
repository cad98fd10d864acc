/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The crash list: every crash the machine knows of, from the store and from
 * the journal, one entry per crash.  Our own journal entries carry
 * CORONER_RECORD_ID = the store entry id and are merged with it; entries of
 * systemd-coredump (no CORONER_* field) stand alone, with a record rebuilt
 * from their COREDUMP_* fields.
 *
 * Each entry has a short id: the first 8 hex digits of SHA-256(entry id),
 * lengthened git-style until it is unique within the list.  It is stable
 * (the same crash always hashes the same), copy-pasteable and independent of
 * the list's order or filters.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <systemd/sd-journal.h>

#include "crash-record.h"
#include "journal-reader.h"
#include "store.h"

G_BEGIN_DECLS

#define CORONER_SHORT_ID_MIN 8

#define CORONER_CRASH_INDEX_ERROR (coroner_crash_index_error_quark())
GQuark coroner_crash_index_error_quark(void);

typedef enum {
    CORONER_CRASH_INDEX_ERROR_NOT_FOUND, /* a well-formed id that names no crash */
    CORONER_CRASH_INDEX_ERROR_AMBIGUOUS, /* a prefix shared by several crashes */
    CORONER_CRASH_INDEX_ERROR_NOT_AN_ID, /* not an id at all: a caller may try it as a match */
} CoronerCrashIndexError;

typedef enum {
    CORONER_CRASH_FROM_STORE = 1 << 0,
    CORONER_CRASH_FROM_JOURNAL = 1 << 1,
} CoronerCrashSource;

typedef struct {
    char *id;                       /* entry id: core.<comm>.<uid>.<boot>.<pid>.<usec> */
    char *hash;                     /* SHA-256 of id, hex */
    char *short_id;                 /* unique prefix of hash, at least CORONER_SHORT_ID_MIN */
    unsigned sources;               /* CoronerCrashSource bits */
    gboolean by_coroner;            /* written by coroner-handler, not by systemd-coredump */
    gboolean unverified;            /* only an untrusted journal entry claims it (trust.h) */
    CoronerCrashRecord *record;     /* never NULL: the store's, else rebuilt from the journal or the name */
    char *record_error;             /* why the store's record could not be read, if it could not */
    CoronerStoreEntry *store_entry; /* the store's files, NULL when not in the store */
    CoronerJournalCrash *journal;   /* the journal entry, NULL when not in the journal */
    const char *core_status;        /* present, truncated, missing, none, journal, inaccessible, unverified */
    uint64_t core_disk_bytes;       /* bytes the core occupies on disk, 0 if unknown */
} CoronerCrashEntry;

typedef struct {
    CoronerStore *store;  /* borrowed, may be NULL */
    sd_journal *journal;  /* borrowed, may be NULL */
    GPtrArray *entries;   /* CoronerCrashEntry*, oldest first */
} CoronerCrashIndex;

/* An empty index over store and journal (either may be NULL); it frees its entries. */
CoronerCrashIndex *coroner_crash_index_new(CoronerStore *store, sd_journal *journal);

/*
 * Reads the store and the journal (either may be NULL) into one list.  An
 * unreadable record is not an error: the entry is kept with what its file
 * name and the journal say, and record_error says why.  Journal entries that
 * are not trusted (trust.h) are left out, or with include_unverified listed
 * as unverified entries whose paths are never followed.
 */
CoronerCrashIndex *coroner_crash_index_load(CoronerStore *store, sd_journal *journal,
                                            gboolean include_unverified, GError **error);
void coroner_crash_index_free(CoronerCrashIndex *index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerCrashIndex, coroner_crash_index_free)

/*
 * Finds one crash by what a user typed: "-1" (newest), "-2" (the one before)…;
 * a short id or any unique prefix of at least 4 hex digits of the hash; a full
 * entry id (or a store file name); or a PID (the newest crash of that PID).
 */
CoronerCrashEntry *coroner_crash_index_lookup(CoronerCrashIndex *index, const char *text,
                                              GError **error);

/*
 * For each of n hashes (hex strings, distinct), the length of its shortest
 * prefix of at least min_length that no other hash shares.  Caller frees.
 */
guint *coroner_short_id_lengths(const char *const *hashes, guint n, guint min_length);

/* The core's absolute path, if it is a file (NULL for a core inside the journal or none). */
char *coroner_crash_entry_core_path(const CoronerCrashIndex *index, const CoronerCrashEntry *entry);

/*
 * Opens the core as stored (still compressed): in the store, or, for a
 * journal entry, only in our store or systemd-coredump's directory, a
 * regular root-owned file of that crash, never through a symlink.  A core
 * kept inside the journal comes back as a memfd.
 */
int coroner_crash_entry_open_core(const CoronerCrashIndex *index, const CoronerCrashEntry *entry,
                                  GError **error);

/* "store", "journal" or "store+journal". */
const char *coroner_crash_entry_sources(const CoronerCrashEntry *entry);

G_END_DECLS
