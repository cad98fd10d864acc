/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A core of a running process, for coronerctl dump-live: every thread is
 * seized and interrupted with ptrace (never killed, never left stopped), its
 * registers read with PTRACE_GETREGSET, the mappings, auxiliary vector and
 * memory read from /proc/PID, and a core laid out as the kernel lays one out
 * (ELF header, program headers, NT_PRSTATUS per thread with the main thread
 * first, NT_PRPSINFO, a synthetic NT_SIGINFO saying SIGSTOP, NT_AUXV,
 * NT_FILE, the FP and extended registers, then memory) is streamed to a
 * sink: the minimal core writer (minimal-core.h), which writes the file,
 * whole (keep_all) or by a recept.  Then the threads run on.
 *
 * What is dumped of each mapping follows the kernel's default
 * coredump_filter: private and anonymous shared memory whole, the first page
 * of a file mapped from offset 0, nothing of a mapping that cannot be read
 * or that the kernel never dumps (MADV_DONTDUMP, "dd" in smaps' VmFlags).
 * x86_64 and aarch64.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "minimal-core.h"

G_BEGIN_DECLS

/*
 * Streams pid's core to write; FALSE with error (ptrace refused, the process
 * went away…).  owner is (uid_t)-1, or the uid the process's /proc entries
 * must belong to once every thread is stopped (the kernel makes them root's
 * while a process is not dumpable): a process that became set[ug]id or not
 * dumpable after it was chosen fails with G_IO_ERROR_PERMISSION_DENIED, and
 * none of its memory is read.
 */
gboolean coroner_live_core(pid_t pid, uid_t owner, CoronerMinimalWriteFn write, void *user,
                           GError **error);

/*
 * Streams pid's core through the minimal core writer (options: keep_all for a
 * full core, or a recept's plan) into fd.  *ret_warning (may be NULL) gets
 * what the writer noted, NULL when nothing.
 */
gboolean coroner_live_core_write(pid_t pid, uid_t owner, const CoronerMinimalOptions *options,
                                 int fd, char **ret_warning, GError **error);

G_END_DECLS
