/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The arguments the kernel passes through core_pattern:
 *   %P %u %g %s %t %c %h %d %F %I %e
 * pid, uid, gid, signal, time (s), RLIMIT_CORE, hostname, dump mode, pidfd,
 * crashing thread id, comm.  The last two are optional so that the same
 * handler works with systemd's shorter pattern.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct {
    pid_t pid;
    uid_t uid;
    gid_t gid;
    int signal;
    uint64_t timestamp_sec;
    uint64_t rlimit;     /* UINT64_MAX: unlimited */
    char *rlimit_text;   /* as the kernel printed it, for COREDUMP_RLIMIT */
    char *hostname;
    int dumpable;
    int pidfd;           /* -1 when not passed ("-" or absent) */
    pid_t tid;           /* -1 when not passed */
    char *comm;          /* NULL when not passed */
} CoronerKernelArgs;

/* Parses the positional arguments (argv without program name and options). */
gboolean coroner_kernel_args_parse(int argc, char **argv, CoronerKernelArgs *ret, GError **error);
void coroner_kernel_args_clear(CoronerKernelArgs *args);

G_END_DECLS
