/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The symbolizer: a core (full or stack core) in, a backtrace out.
 *
 * libdwfl drives it the way eu-stack does: the core's notes give the threads
 * and registers, its memory (and the mapped files, found by path and
 * build-id) give the modules, CFI unwinds each thread, and DWARF gives
 * functions, inlined frames and file:line, with the ELF symbol table as the
 * fallback.  Everything is capped (threads, frames, time; memory in the
 * sandboxed variant), and a hostile core can at worst kill the sandbox child:
 * the sandboxed call is what the handler, coronerctl and the reporter use.
 *
 * debuginfod is opt-in: o->debuginfod (which defaults to "DEBUGINFOD_URLS is
 * set").  Servers are only asked about modules that appear in a backtrace, and
 * only within o->debuginfod_timeout_ms in total; the standard client cache
 * ($DEBUGINFOD_CACHE_PATH, else ~/.cache/debuginfod_client) is used.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

#include "crash-record.h"

G_BEGIN_DECLS

typedef struct {
    unsigned max_threads;           /* threads unwound (the crashing one always first) */
    unsigned max_frames;            /* frames per thread, inlined frames included */
    unsigned timeout_ms;            /* wall clock for the whole job */
    uint64_t memory_limit;          /* sandboxed: address space the child may add (RLIMIT_AS) */
    gboolean debuginfod;            /* fetch missing debug info from debuginfod servers */
    unsigned debuginfod_timeout_ms; /* total time all debuginfod downloads may take */
} CoronerSymbolizeOptions;

#define CORONER_SYMBOLIZE_ERROR (coroner_symbolize_error_quark())
GQuark coroner_symbolize_error_quark(void);

typedef enum {
    CORONER_SYMBOLIZE_ERROR_NOT_CORE,   /* not an ELF core file (corrupt, empty, truncated) */
    CORONER_SYMBOLIZE_ERROR_NO_THREADS, /* an ELF core libdwfl could not read any thread from */
    CORONER_SYMBOLIZE_ERROR_TIMEOUT,    /* the sandboxed child ran out of time */
    CORONER_SYMBOLIZE_ERROR_CHILD,      /* the sandboxed child crashed or sent garbage */
    CORONER_SYMBOLIZE_ERROR_FAILED,
} CoronerSymbolizeError;

/* Defaults: 256 threads, 256 frames, 10 s, 1 GiB, debuginfod per DEBUGINFOD_URLS, 5 s for it. */
void coroner_symbolize_options_init(CoronerSymbolizeOptions *o);

/*
 * Symbolizes the core behind core_fd (any readable fd; the file position is
 * not used).  executable is the crashed program's path, or NULL to let
 * libdwfl find it from the core.  Fills record->threads (crashing thread
 * first: the thread whose tid is record->process.tid, else the first
 * NT_PRSTATUS; innermost frame first; inlined frames expanded with
 * inlined=TRUE), record->modules, record->signature,
 * record->backtrace_quality and, from NT_SIGINFO, record->signal's code and
 * fault address (and number/name when the record has none).  Thread names
 * come from record->process.threads.  Problems that leave a usable but
 * degraded backtrace (a thread that did not unwind, a timeout, a replaced
 * executable) are added to record->errors.
 *
 * Runs libdwfl in the calling process: use coroner_symbolize_sandboxed() for
 * untrusted cores.  With debuginfod settings that differ from the
 * environment, DEBUGINFOD_URLS is changed for the duration of the call, so
 * threaded callers must use the sandboxed variant.
 */
gboolean coroner_symbolize_core_fd(int core_fd, const char *executable,
                                   const CoronerSymbolizeOptions *o, CoronerCrashRecord *record,
                                   GError **error);

/*
 * The same in coroner_sandbox_run()'s child (sandbox.h), which, when we are
 * root and uid is not 0, becomes uid/gid, with RLIMIT_AS (o->memory_limit
 * more than it starts with), RLIMIT_CPU (o->timeout_ms plus a second),
 * RLIMIT_CORE 0, and is killed after o->timeout_ms.  The result comes back as
 * the record's JSON over a pipe, capped at 32 MiB.  A crash, hang or garbage
 * from the child is a GError (CORONER_SYMBOLIZE_ERROR_TIMEOUT, _CHILD), never
 * a problem of the caller.  On failure record->backtrace_error says why as
 * well.  The debug info cache is written after the answer, by the same child
 * under the same deadline; nothing is left running when this returns.
 */
gboolean coroner_symbolize_sandboxed(int core_fd, const char *executable,
                                     const CoronerSymbolizeOptions *o, uid_t uid, gid_t gid,
                                     CoronerCrashRecord *record, GError **error);

/*
 * A stored crash's backtrace: opens the record's core in the store the way
 * coroner_core_open_for_backtrace() does (core-access.h: the stack core,
 * else the core, decompressed) and symbolizes it with
 * coroner_symbolize_sandboxed() as uid/gid.  What the handler, coronerctl and
 * the reporter do for a record.  On failure record->backtrace_error says why
 * and the record's backtrace is left as it was.
 */
gboolean coroner_symbolize_stored(int store_dir_fd, const CoronerSymbolizeOptions *o, uid_t uid,
                                  gid_t gid, CoronerCrashRecord *record, GError **error);

G_END_DECLS
