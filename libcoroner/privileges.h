/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Dropping root before touching untrusted bytes.  Used in forked children
 * only: the parent keeps root to write the store.
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/*
 * Resolves which account parses a crash: the crashing user when the process
 * was an ordinary, dumpable user process; otherwise service_user (falling back
 * to "nobody"), so a user can never read a protected process's memory by
 * tampering with the parser.
 */
gboolean coroner_pick_parser_identity(uid_t crash_uid, gid_t crash_gid, gboolean protected_process,
                                      const char *service_user, uid_t *ret_uid, gid_t *ret_gid,
                                      GError **error);

/*
 * Who parses a core for a command the user runs (coronerctl, the Sentry
 * client): the caller, or, when that is root, the unprivileged "coroner"
 * account (else nobody): the core is the crashed program's memory.
 */
void coroner_caller_parser_identity(uid_t *ret_uid, gid_t *ret_gid);

/*
 * How a root service that takes crashes (coroner-handler, coronerd) starts:
 * never dumpable (a crash of ours must never produce a core of root's memory,
 * nor come back to us), logging as identifier, the C.UTF-8 locale, umask
 * mask, and SIGPIPE ignored (a reader that went away is an error to handle,
 * not a reason to die).
 */
void coroner_crash_service_start(const char *identifier, mode_t mask);

/*
 * Parses a crash service's command line (its entries include "version",
 * stored at *version).  FALSE when the service is done: a usage error was
 * logged (*ret_status EX_USAGE, 64) or the version printed (*ret_status 0).
 */
gboolean coroner_crash_service_parse(GOptionContext *context, int *argc, char ***argv,
                                     const gboolean *version, const char *identifier,
                                     int *ret_status);

/*
 * Irrevocably becomes uid/gid with no supplementary groups, no new privileges
 * and not dumpable (so the user cannot ptrace the parser).  Returns 0 or -errno.
 */
int coroner_drop_privileges(uid_t uid, gid_t gid);

G_END_DECLS
