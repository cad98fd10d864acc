/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's side of core_pattern "@@PATH" (Linux ≥ 6.17), as coronerd
 * speaks it.  Per crash the kernel connects to PATH (looked up from the
 * initial mount namespace's root, as root, so the listener must live there)
 * and then, on the connection:
 *
 *   kernel → us:  struct coredump_req {u32 size; u32 size_ack; u64 mask}
 *   us → kernel:  struct coredump_ack {u32 size; u32 spare; u64 mask}
 *                 COREDUMP_KERNEL|COREDUMP_WAIT: send the core, and keep the
 *                 process until we close; COREDUMP_REJECT: no core
 *   kernel → us:  a u32 mark, COREDUMP_MARK_REQACK (0) when the ack was
 *                 accepted, else why not (size, unsupported, conflicting)
 *   kernel → us:  the ELF core, until EOF
 *
 * The connection's peer is the crashed process: SO_PEERPIDFD gives a pidfd
 * that stays valid after it is reaped, PIDFD_GET_INFO its ids and whether
 * it dumped.  No %-specifiers exist in this mode: the rest comes from /proc
 * (guarded by the pidfd) and from the core's own notes.  Our build headers
 * may predate these interfaces, so the few definitions needed are here.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

G_BEGIN_DECLS

#define CORONER_COREDUMP_KERNEL (UINT64_C(1) << 0)
#define CORONER_COREDUMP_USERSPACE (UINT64_C(1) << 1)
#define CORONER_COREDUMP_REJECT (UINT64_C(1) << 2)
#define CORONER_COREDUMP_WAIT (UINT64_C(1) << 3)
#define CORONER_COREDUMP_MARK_REQACK 0u

typedef struct {
    pid_t pid;          /* thread group id, in our pid namespace */
    uid_t uid;          /* real ids, as %u/%g would give them */
    gid_t gid;
    int dumpable;       /* 1: as the user, 2: root-only (suid_dumpable), 0 unknown */
} CoronerCoredumpPeer;

/* The crashed process behind an accepted connection: its pidfd (caller closes) and ids. */
int coroner_coredump_peer(int conn_fd, CoronerCoredumpPeer *ret_peer, GError **error);

/* Reads the kernel's request; FALSE when it is malformed or lacks what we answer with. */
gboolean coroner_coredump_read_request(int conn_fd, uint64_t *ret_mask, GError **error);

/* Sends an ack with mask. */
gboolean coroner_coredump_send_ack(int conn_fd, uint64_t mask, GError **error);

/* Reads the kernel's mark after the ack; FALSE unless it is COREDUMP_MARK_REQACK. */
gboolean coroner_coredump_read_mark(int conn_fd, GError **error);

/* The RLIMIT_CORE soft limit from /proc/PID/limits text; UINT64_MAX when unlimited or unknown. */
uint64_t coroner_rlimit_core_from_limits(const char *limits_text);

G_END_DECLS
