/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running parsers of untrusted bytes (hook metadata, cores) where they can
 * only hurt themselves: a forked child that has dropped root, with resource
 * limits and a wall-clock deadline.  The child fills a fresh crash record; it
 * travels back as the record's JSON through a pipe with a byte cap, so the
 * only thing the parent ever trusts from the child is a bounded JSON text it
 * parses with the ordinary record reader.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

#include "crash-record.h"

G_BEGIN_DECLS

typedef struct {
    gboolean drop_privileges; /* become uid/gid (only meaningful when running as root) */
    uid_t uid;
    gid_t gid;
    uint64_t address_space;   /* RLIMIT_AS in bytes, 0 for none */
    unsigned cpu_seconds;     /* RLIMIT_CPU, 0 for none */
    unsigned timeout_ms;      /* wall clock; the child is killed after it */
    gsize max_output;         /* bytes of JSON accepted back */
} CoronerSandboxLimits;

/* Runs in the child: fills out (a fresh record), or fails with error. */
typedef gboolean (*CoronerSandboxFunc)(gpointer data, CoronerCrashRecord *out, GError **error);

/*
 * Runs func(data, out, error) in a sandboxed child and returns what it put in
 * out.  A child that fails, crashes, overruns its limits or sends garbage is
 * a clean error here, never a crash of the caller.
 */
CoronerCrashRecord *coroner_sandbox_run(const CoronerSandboxLimits *limits, CoronerSandboxFunc func,
                                        gpointer data, GError **error);

G_END_DECLS
