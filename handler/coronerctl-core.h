/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A stored core, uncompressed: zstd (ours and systemd-coredump's default)
 * through libzstd, xz and lz4 (systemd-coredump's other choices) through
 * their command-line tools, an uncompressed core as it is.  The format is
 * told by the magic bytes, not the name.  Runs of zero blocks become holes
 * when the output is a regular file, so a core written out takes no more
 * disk than it did in the crashed process.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "coronerctl.h"
#include "crash-index.h"

G_BEGIN_DECLS

/* Writes the entry's core, uncompressed, to out_fd from its current offset. */
gboolean ctl_core_extract(const CoronerCrashIndex *index, const CoronerCrashEntry *entry,
                          int out_fd, uint64_t *ret_bytes, GError **error);

/* Where the uncompressed core goes, in order: 0 or -errno. */
typedef int (*CtlCoreSink)(void *user, const void *data, size_t n);

/* The same, handing each piece to sink. */
gboolean ctl_core_extract_to(const CoronerCrashIndex *index, const CoronerCrashEntry *entry,
                             CtlCoreSink sink, void *user, GError **error);

/*
 * The file --output names, created with mode 0600 (a core is the program's
 * memory: only its owner may read the copy), or stdout.  -1 with a
 * CTL_EXIT_DATA error.
 */
int ctl_open_output(const char *path, gboolean to_stdout, GError **error);

/* Sinks for the minimal core writer: to the fd *(int *)user; into the writer user. */
int ctl_sink_fd(void *user, const void *data, size_t n);
int ctl_sink_minimal(void *user, const void *data, size_t n);

/*
 * FALSE (with a CTL_EXIT_UNAVAILABLE error) when no core was kept or it is
 * gone; warns on stderr when the core is truncated.
 */
gboolean ctl_core_available(const CoronerCrashEntry *entry, GError **error);

/*
 * The crash args name (ctl_find_one()), for a verb that writes something
 * made from its core (what: "core", "minidump") to --output or stdout:
 * refuses a terminal as stdout (CTL_EXIT_USAGE) and a crash without a core
 * (CTL_EXIT_UNAVAILABLE).  *ret_to_stdout says where the output goes.  NULL
 * with a CTL_ERROR whose code is the exit status.
 */
CoronerCrashEntry *ctl_find_core_to_write(CtlContext *ctx, char **args, const char *what,
                                          gboolean *ret_to_stdout, GError **error);

G_END_DECLS
