/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The hand-off from coroner-handler (pipe mode) to coronerd: the handler
 * reads what only the kernel knows while the crashed process is pinned (its
 * %-specifiers, /proc/PID, the hook region: a CoronerCapture), passes it with
 * the core pipe and the %F pidfd over coronerd's hand-off socket, and exits.
 *
 * One connection per crash, on a root-only AF_UNIX stream socket:
 *   handler → coronerd: a header {"CRNHOFF1", u32 json_length, u32 hook_length}
 *     sent with SCM_RIGHTS [core pipe, pidfd (optional)], then the capture's
 *     record as JSON, then the raw hook bytes;
 *   coronerd → handler: one byte, 'T': the crash is coronerd's now (stored,
 *     rejected or summarised, but accounted in every case).
 * Without the 'T' in time the handler keeps the core pipe and does the work
 * itself.
 */
#pragma once

#include <glib.h>

#include "crash-ingest.h"

G_BEGIN_DECLS

#define CORONER_HANDOFF_JSON_MAX (32u << 20)
#define CORONER_HANDOFF_HOOK_MAX (16u << 20)

/*
 * Hands capture, core_fd and pidfd (-1 for none) to the coronerd listening
 * on socket_path, waiting at most timeout_ms for its answer.  On success the
 * caller closes its copies and exits; on failure nothing was taken.
 */
gboolean coroner_handoff_send(const char *socket_path, const CoronerCapture *capture, int core_fd,
                              int pidfd, unsigned timeout_ms, GError **error);

/*
 * Reads one hand-off from an accepted connection (blocking; give it a
 * receive timeout).  Returns the capture with the core pipe and the pidfd
 * (-1 when none was passed), owned by the caller.
 */
CoronerCapture *coroner_handoff_receive(int conn_fd, int *ret_core_fd, int *ret_pidfd,
                                        GError **error);

/* Tells the handler the crash was taken. */
gboolean coroner_handoff_ack(int conn_fd, GError **error);

G_END_DECLS
