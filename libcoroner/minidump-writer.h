/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The minidump writer: a stored ELF core (full, minimal or the stack core) and
 * its crash record in, a Breakpad/Crashpad-format minidump out, for Sentry's
 * server-side symbolication and every Breakpad tool (docs/minidump.md).
 *
 * From the core (elf-core.h, which reads it with libelf): the threads and their registers
 * (NT_PRSTATUS, NT_PRFPREG) as contexts, each thread's stack memory from its
 * stack pointer up, the signal (NT_SIGINFO), the modules (NT_FILE names; the
 * GNU build-id from each module's ELF notes in the core's memory, else from
 * the record), the auxiliary vector.  From the record: /proc/PID/status and
 * maps, the command line, the environment (only when asked), thread names.
 * From this machine, only when it is still the boot that crashed: cpuinfo,
 * os-release, the kernel version.
 *
 * Everything is capped (threads, stack bytes per thread, modules, the whole
 * file) and the core is untrusted: a hostile core yields an error, never a
 * crash of the caller — and the sandboxed variant is what coronerctl and the
 * Sentry client use.  x86_64 and aarch64 cores.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

#include "crash-record.h"

G_BEGIN_DECLS

#define CORONER_MINIDUMP_ERROR (coroner_minidump_error_quark())
GQuark coroner_minidump_error_quark(void);

typedef enum {
    CORONER_MINIDUMP_ERROR_NOT_CORE,    /* not a 64-bit little-endian ELF core, or unreadable */
    CORONER_MINIDUMP_ERROR_UNSUPPORTED, /* a core of another architecture */
    CORONER_MINIDUMP_ERROR_NO_THREADS,  /* no thread (NT_PRSTATUS) in the core */
    CORONER_MINIDUMP_ERROR_FAILED,      /* the sandbox, a write */
} CoronerMinidumpError;

/* Rewrites a text before it goes into the minidump (a privacy scrubber); returns a new string. */
typedef char *(*CoronerMinidumpScrubFunc)(const char *text, gpointer data);

typedef struct {
    unsigned max_threads;     /* threads written; the crashing one always is */
    uint64_t max_stack_bytes; /* stack memory per thread, from the stack pointer up */
    unsigned max_modules;     /* modules listed */
    uint64_t max_bytes;       /* the whole minidump; stacks are cut to fit */
    gboolean include_environ; /* the environment (record) as MD_LINUX_ENVIRON: consent only */
    gboolean host_info;       /* cpuinfo, os-release, uname when this is the crash's boot */
    /*
     * Optional: applied to every text taken from the record or this machine
     * and to the module names (not to memory): /proc texts, command line,
     * environment, thread names, os-release, the kernel version.
     */
    CoronerMinidumpScrubFunc scrub;
    gpointer scrub_data;
    unsigned timeout_ms;   /* sandboxed: wall clock */
    uint64_t memory_limit; /* sandboxed: address space the child may add */
} CoronerMinidumpOptions;

/* 1024 threads, 256 KiB of stack each, 4096 modules, 256 MiB, no environ, host info on, 30 s, 1
 * GiB. */
void coroner_minidump_options_init(CoronerMinidumpOptions *o);

/*
 * Writes the minidump of the core behind core_fd (any readable fd of an
 * uncompressed ELF core; sparse is fine) in the calling process.  record (may
 * be NULL) supplies what the core lacks: the crashing thread's tid, the
 * signal when the core has no NT_SIGINFO, build-ids of modules whose headers
 * the core does not hold, /proc texts, thread names.  Degradations (a stack
 * not in the core, a cut stack, a module without build-id) are appended to
 * warnings (char*, may be NULL).  Returns the minidump's bytes.
 *
 * Parses untrusted input in the calling process: use the sandboxed variant.
 */
GBytes *coroner_minidump_from_core_fd(int core_fd, const CoronerCrashRecord *record,
                                      const CoronerMinidumpOptions *o, GPtrArray *warnings,
                                      GError **error);

/*
 * The same in coroner_sandbox_run()'s child (sandbox.h): as uid/gid when we
 * are root, with RLIMIT_AS, RLIMIT_CPU, a deadline and RLIMIT_CORE 0.  The
 * minidump travels back through a memfd and is checked (size, signature); a
 * crash, hang or garbage from the child is an error here, never a crash.
 */
GBytes *coroner_minidump_sandboxed(int core_fd, const CoronerCrashRecord *record,
                                   const CoronerMinidumpOptions *o, uid_t uid, gid_t gid,
                                   GPtrArray *warnings, GError **error);

G_END_DECLS
