/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one ingestion path of a crash, shared by coroner-handler (the pipe
 * handler working alone) and coronerd (its workers, in pipe and socket mode):
 *
 *   capture: what only the kernel and /proc know, read while the kernel still
 *            holds the crashed process (kernel arguments, /proc/PID proven by
 *            a pidfd, libcoroner-hook's raw region);
 *   ingest:  the core streamed into the store by an unprivileged child, the
 *            hook region parsed and the backtrace made in the sandbox, the
 *            record written beside the core, vacuum, the journal entry.
 *
 * A capture travels as the record's JSON plus the raw hook bytes, so the
 * handler can hand it to coronerd (handoff.h) and coronerd can finish it.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "crash-record.h"
#include "handler-args.h"

G_BEGIN_DECLS

typedef struct {
    CoronerCrashRecord *record; /* kernel arguments and /proc, no core yet */
    GBytes *hook_raw;           /* libcoroner-hook's region as copied, NULL without the hook */
} CoronerCapture;

/*
 * Reads /proc/PID (proven through args->pidfd) and the hook region now, while
 * the process is pinned.  args->signal may be 0 (socket mode: the core's
 * notes tell it later).  Configuration problems are added to the record.
 */
CoronerCapture *coroner_capture_new(const CoronerKernelArgs *args, GPtrArray *config_problems);
void coroner_capture_free(CoronerCapture *capture);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerCapture, coroner_capture_free)

typedef struct {
    const CoronerConfig *config;
    /*
     * Parse as the service user (else nobody), never as the crashing user:
     * coronerd's choice, so that no process of a crash can be signalled or
     * slowed down by the user who crashed.
     */
    gboolean service_user_only;
    int64_t dump_deadline;       /* g_get_monotonic_time() at which the core is cut; 0 for none */
    /*
     * The crashed process's pidfd, -1 for none: a dump cut at its deadline
     * kills the process through it, or a kernel blocked mid-dump (a stalled
     * file mapping) would hold it, and in pipe mode the helper's slot, forever.
     */
    int pidfd;
    unsigned child_timeout_ms;   /* deadline of each sandboxed parser; 0 for their defaults */
} CoronerIngestOptions;

/*
 * Stores the crash: the core read from core_fd (closed here as soon as the
 * core is in the store, which lets the kernel release the process; stdin is
 * replaced by /dev/null instead), the record, the journal entry.  Returns 0
 * when a record or core was stored, 1 otherwise.
 */
int coroner_ingest(CoronerCapture *capture, int core_fd, const CoronerIngestOptions *options);

/*
 * Accounts a crash without a core (a rejection, a storm summary, a dump that
 * failed): writes the record into the store and sends its journal entry.
 */
gboolean coroner_ingest_record_only(const CoronerConfig *config, CoronerCrashRecord *record,
                                    GError **error);

/*
 * Parses a raw hook region (coroner_hook_metadata_read_raw()) of process
 * r->process.pid in the sandbox as uid/gid, filling r->app, the signal's
 * code and address, and r->errors.
 */
void coroner_parse_hook_metadata(GBytes *raw, uid_t uid, gid_t gid, unsigned timeout_ms,
                                 CoronerCrashRecord *r);

/* What the kernel would print for %c: the RLIMIT_CORE soft limit in decimal. */
char *coroner_rlimit_text(uint64_t rlimit);

G_END_DECLS
