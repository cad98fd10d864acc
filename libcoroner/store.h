/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The file store: one directory, root-owned, holding for each crash
 *   core.<comm>.<uid>.<bootid>.<pid>.<usec>.zst   the core (systemd-coredump's name)
 *   core.<comm>.<uid>.<bootid>.<pid>.<usec>.json  the crash record
 * The name without a suffix is the entry id.  Nothing here follows symlinks:
 * every access is relative to the store's directory fd with O_NOFOLLOW.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

G_BEGIN_DECLS

#define CORONER_RECORD_SUFFIX ".json"
#define CORONER_CORE_SUFFIX_ZSTD ".zst"
/* The stack core: a small sparse ELF core with only what a backtrace needs (docs/architecture.md). */
#define CORONER_STACK_SUFFIX ".stack"

typedef struct {
    char *path;
    int dir_fd;
} CoronerStore;

/*
 * Opens the store.  With create, makes it (0755, and checks it is owned by
 * root and not writable by others when we are root) if it does not exist.
 * A symlink in its place is refused, never followed.
 */
CoronerStore *coroner_store_open(const char *path, gboolean create, GError **error);
void coroner_store_free(CoronerStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerStore, coroner_store_free)

/* systemd's xescape(comm, "./ "): those bytes, controls and non-ASCII become \xNN. */
char *coroner_escape_comm(const char *comm);
/* Undoes coroner_escape_comm(): "\xNN" back to the byte; bytes that are not UTF-8 become U+FFFD. */
char *coroner_unescape_comm(const char *escaped);

/* "core.<escaped comm>.<uid>.<bootid>.<pid>.<usec>" */
char *coroner_entry_id(const char *comm, int64_t uid, const char *boot_id, int64_t pid,
                       uint64_t usec);

/*
 * The other way: what an entry id says (the comm unescaped); FALSE for
 * anything that is not one.  Each ret_* may be NULL.
 */
gboolean coroner_parse_entry_id(const char *id, char **ret_comm, int64_t *ret_uid,
                                char **ret_boot_id, int64_t *ret_pid, uint64_t *ret_usec);

typedef struct {
    char *id;            /* entry id */
    int64_t uid;
    int64_t pid;
    uint64_t usec;
    char *core_name;     /* file name of the core, NULL if none */
    uint64_t core_bytes; /* allocated bytes on disk */
    char *record_name;   /* file name of the record, NULL if none */
    uint64_t record_bytes;
    char *stack_name;    /* file name of the stack core, NULL if none */
    uint64_t stack_bytes;
} CoronerStoreEntry;

typedef enum {
    CORONER_STORE_FILE_CORE,
    CORONER_STORE_FILE_RECORD,
    CORONER_STORE_FILE_STACK,
} CoronerStoreFileKind;

/* Parses a file name of the store; FALSE for anything that is not ours. */
gboolean coroner_parse_store_name(const char *name, char **ret_id, int64_t *ret_uid,
                                  int64_t *ret_pid, uint64_t *ret_usec,
                                  CoronerStoreFileKind *ret_kind);

/* All entries, oldest first. Temporary and foreign files are ignored. */
GPtrArray *coroner_store_list(CoronerStore *store, GError **error);
void coroner_store_entry_free(CoronerStoreEntry *entry);

/*
 * Sets the permissions of a store file: 0640 root:root, plus read access for
 * reader_uid through an ACL when reader_uid >= 0 (the crashing user of an
 * ordinary dumpable process).
 */
gboolean coroner_store_set_access(int fd, int64_t reader_uid, GError **error);

/*
 * The entry lock: a flock(2) on the core file itself.  Whoever writes or
 * rewrites a core holds it exclusively while doing so (the handler from the
 * creation of the core's temporary file until it is linked into place);
 * whoever ships a core elsewhere (coroner-upload) takes it shared, without
 * waiting, holds it while reading, and leaves an entry it cannot lock for
 * later.  (The record is linked only after its core, so an entry with a
 * record never has a core that is still growing.)  Returns 0, or
 * -EWOULDBLOCK when another holds it, or another negative errno.
 */
int coroner_store_lock_core(int core_fd, gboolean exclusive);

G_END_DECLS
