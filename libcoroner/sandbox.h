/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running parsers of untrusted bytes (hook metadata, cores) where they can
 * only hurt themselves: a forked child that has dropped root, with resource
 * limits and a wall-clock deadline.  The child fills a fresh crash record; it
 * travels back as the record's JSON through a pipe with a byte cap, so the
 * only thing the parent ever trusts from the child is a bounded JSON text it
 * parses with the ordinary record reader (or, when the child fails, a short
 * error message).  Both the handler's hook metadata parser and
 * coroner_symbolize_sandboxed() run here.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

#include "crash-record.h"

G_BEGIN_DECLS

#define CORONER_SANDBOX_ERROR (coroner_sandbox_error_quark())
GQuark coroner_sandbox_error_quark(void);

/* What went wrong around the child; the child's own GError comes back as it was. */
typedef enum {
    CORONER_SANDBOX_ERROR_FAILED,  /* no child (pipe, fork), or it could not drop privileges */
    CORONER_SANDBOX_ERROR_TIMEOUT, /* the child was killed at the deadline */
    CORONER_SANDBOX_ERROR_TOO_BIG, /* the child's answer exceeded max_output; it was killed */
    CORONER_SANDBOX_ERROR_CRASHED, /* the child died of a signal (a crash, RLIMIT_CPU) */
    CORONER_SANDBOX_ERROR_INVALID, /* the child ended without a usable answer */
} CoronerSandboxError;

/* Runs in the child: fills out (a fresh record), or fails with error. */
typedef gboolean (*CoronerSandboxFunc)(gpointer data, CoronerCrashRecord *out, GError **error);

/* Runs in the child once the answer is sent, still under the deadline. */
typedef void (*CoronerSandboxAfterFunc)(gpointer data);

/* How the child runs. */
typedef struct {
    const char *name; /* who it is in error messages ("the symbolizer"); NULL: "the parser" */
    gboolean drop_privileges; /* become uid/gid (only meaningful when running as root) */
    uid_t uid;
    gid_t gid;
    uint64_t address_space; /* RLIMIT_AS in bytes on top of what the child has mapped, 0 for none */
    unsigned cpu_seconds;   /* RLIMIT_CPU (SIGXCPU; SIGKILL a second later), 0 for none */
    unsigned timeout_ms;    /* wall clock, 0 for 10 s; the child is killed after it */
    gsize max_output;       /* bytes of JSON accepted back, 0 for 64 MiB */
    /*
     * Optional: run with data after the answer was written and the pipe
     * closed, whether func succeeded or not, in the child, with its identity,
     * limits and deadline.  The parent reaps the child (killing it at the
     * deadline) before returning, so no process of the sandbox outlives the
     * call: a crash service must not leave work behind per crash.
     */
    CoronerSandboxAfterFunc after_answer;
} CoronerSandboxLimits;

/*
 * Runs func(data, out, error) in a sandboxed child and returns what it put in
 * out.  The child becomes uid/gid (privileges.h: no groups, no new
 * privileges, not dumpable; without the drop it is still not dumpable and
 * gets no new privileges), dies with the caller (PR_SET_PDEATHSIG), has
 * RLIMIT_CORE 0, the limits above and its stdout on /dev/null.  A child that
 * fails returns its GError (domain, code and message) here; one that crashes,
 * overruns its limits or sends garbage is a CORONER_SANDBOX_ERROR; never a
 * crash of the caller.
 */
CoronerCrashRecord *coroner_sandbox_run(const CoronerSandboxLimits *limits, CoronerSandboxFunc func,
                                        gpointer data, GError **error);

/*
 * The two steps of coroner_sandbox_run() for a child whose answer is of
 * another kind (the handler's core writer sends a status struct).
 *
 * Forks with a pipe from the child to the parent: in the child (0) *ret_fd
 * is the pipe's write end, in the parent (the child's pid) its read end;
 * -1 with error set when there is no pipe or no child.
 */
pid_t coroner_sandbox_fork(int *ret_fd, GError **error);

/*
 * In the child: becomes uid/gid (with drop_privileges, when root; else only
 * not dumpable and no new privileges) and dies with parent.  0, or -errno:
 * -ESRCH when parent is already gone, else why the drop failed.
 */
int coroner_sandbox_enter(gboolean drop_privileges, uid_t uid, gid_t gid, pid_t parent);

G_END_DECLS
