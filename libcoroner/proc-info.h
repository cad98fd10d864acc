/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What /proc says about the crashed process, read while the kernel still keeps
 * it alive (the core is not fully read yet).  The texts are kept raw, like
 * systemd-coredump's COREDUMP_PROC_* fields, and the few values others need
 * (comm, exe, cgroup unit, AT_SECURE, …) are parsed out.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "crash-record.h"

G_BEGIN_DECLS

/*
 * Opens /proc/PID and proves, through the pidfd the kernel passed (%F), that
 * it is still the crashed process and not a newcomer that reused the PID.
 * pidfd < 0 means none was passed: the directory is opened unverified and
 * *ret_verified is FALSE.
 */
int coroner_proc_open(pid_t pid, int pidfd, gboolean *ret_verified, GError **error);

/* Fills record->process from an opened /proc/PID; what cannot be read lands in record->errors. */
void coroner_proc_collect(int proc_fd, pid_t pid, CoronerCrashRecord *record);

/* Parses auxv (native word size) for AT_SECURE. */
gboolean coroner_auxv_is_secure(const void *auxv, gsize length);

/* NUL-separated → separator-joined, dropping the trailing NUL. Caller frees. */
char *coroner_join_nul_separated(const char *data, gsize length, char separator);

/* Reads one /proc file of unknown size relative to dir_fd, at most max_bytes. */
gboolean coroner_read_proc_file_at(int dir_fd, const char *name, gsize max_bytes, char **ret_data,
                                   gsize *ret_length, GError **error);

G_END_DECLS
