/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What Coroner believes, in one place (docs/security.md).  Any local user can
 * write a journal entry with systemd-coredump's MESSAGE_ID and every
 * COREDUMP_* or CORONER_* field, so an entry counts as a crash only when the
 * fields journald itself sets say a trusted writer sent it.  A path such an
 * entry names is a claim too: it is opened only inside a store directory, as
 * a regular root-owned file, never through a symlink, and a core only when
 * its first bytes are an ELF core or zstd data and its name is that crash's.
 */
#pragma once

#include <glib.h>

#include "crash-record.h"

G_BEGIN_DECLS

/* Where systemd-coredump keeps cores (Storage=external). */
#define CORONER_SYSTEMD_COREDUMP_DIR "/var/lib/systemd/coredump"

/* The highest uid of a system account (systemd's SYSTEM_UID_MAX on Debian). */
#define CORONER_SYSTEM_UID_MAX 999

/*
 * An entry (field name → GBytes*) is a trusted crash entry when journald
 * recorded _UID=0 for its sender and SYSLOG_IDENTIFIER is coroner-handler,
 * coronerd or systemd-coredump.  systemd-coredump sends its entry after
 * dropping root (to the systemd-coredump account, or to the crashing regular
 * user): such an entry is trusted from the systemd-coredump account, and from
 * a regular user only about that user's own crash (COREDUMP_UID = _UID).
 * _COMM and _EXE are not required: journald reads them from /proc after the
 * short-lived writer may be gone.
 */
gboolean coroner_journal_fields_trusted(GHashTable *fields);

/*
 * Opens path (absolute) for reading when its directory is one of store_dirs
 * (NULL-terminated; NULL allows any directory owned by root and not writable
 * by others), the file is a regular file owned by root, not a symlink, and its
 * name is a store name whose entry id is expected_id (when not NULL).  Never
 * blocks on a FIFO.  Returns the fd or -1 with error set.
 */
int coroner_open_store_file(const char *path, const char *const *store_dirs,
                            const char *expected_id, GError **error);

/*
 * The crashing user may read the crash (core, stack core, record with its
 * environ and cmdline) only when the process was an ordinary one of theirs:
 * dumpable (the kernel's %d = 1), not AT_SECURE, and its real, effective,
 * saved and filesystem uids all equal, and so its gids (/proc/PID/status).
 * A root process that set only its real uid (setresuid(1001, 0, 0), no exec)
 * is still dumpable and not AT_SECURE, but holds root's memory.  Anything
 * unknown (no status) counts as not ordinary: the crash stays root-only.
 */
gboolean coroner_crash_owner_may_read(int dumpable, const CoronerProcessInfo *process);

/* TRUE when fd starts with the ELF or zstd magic (read with pread: the offset stays). */
gboolean coroner_core_check_magic(int fd, GError **error);

G_END_DECLS
