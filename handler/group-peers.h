/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Group peers (minicoredumper_regd's job): an application that joined a
 * named group with coroner_hook_join_group() has the group's other running
 * members dumped live when it crashes, each as its own record (live_dump,
 * peer_of: the crash's id), the crash's record listing them (peers).
 *
 * The group name is data the crashing user wrote, so it chooses nothing the
 * user could not dump alone: peers are found by scanning /proc (never by a
 * path or pid from the crasher) for processes of the crasher's uid, dumpable
 * (their /proc entry owned by that uid), not set[ug]id, whose hook region,
 * read and parsed as the crasher's is, names the same group.  At most
 * CORONER_PEERS_MAX, each under its own deadline, all after the crash itself
 * is stored.  docs/recept.md ("Group peers") describes it.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "crash-ingest.h"
#include "crash-record.h"

G_BEGIN_DECLS

#define CORONER_PEERS_MAX 16u
/* Wall clock per peer dump: its ptrace stop, core and record. */
#define CORONER_PEER_DUMP_TIMEOUT_SEC 10u
/* No new peer dump starts after this much time on the group. */
#define CORONER_PEERS_TIMEOUT_SEC 60u

/*
 * Dumps the running members of crash->app->group (other than the crash)
 * live into the store through coroner_ingest(), adding each stored record's
 * id to crash->peers.  parse_uid/gid is the identity the crash's untrusted
 * bytes were parsed as.  Does nothing for a crash without a group, a live
 * dump, or a crash its owner may not read (set[ug]id, not dumpable, root).
 */
void coroner_group_peers_dump(CoronerCrashRecord *crash, const CoronerIngestOptions *options,
                              uid_t parse_uid, gid_t parse_gid);

G_END_DECLS
