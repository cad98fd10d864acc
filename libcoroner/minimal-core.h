/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The minimal core: a valid ELF core holding only what a recept keeps
 * (docs/recept.md), written while the real core streams past.
 *
 * Unlike the stack core (same offsets, holes), it is a new core: its own
 * program headers, one PT_NOTE with the original notes (NT_PRSTATUS of every
 * thread, NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_FILE...; a recept may leave
 * out the non-crashing threads' extended register notes) plus a "CORONER"
 * note saying what was left out, and one PT_LOAD per kept address range at
 * its real address.  eu-stack, gdb and `coredumpctl debug` read it as they
 * read any core; memory that was dropped is simply not in it.
 *
 * The kernel writes every note before the first byte of memory, so the plan
 * (which ranges, where in the output) is made when the memory starts, and the
 * output is written strictly in order: it can go straight into a compressor.
 * Memory stays bounded: the kept notes (at most 32 MiB) and the plan.
 *
 * Plain C, no GLib; built on the shared streaming parser (core-parser.h).
 * Input is untrusted: a malformed core yields a smaller or empty minimal core
 * and a warning, never a crash; only the sink's errors are errors.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proc-maps.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Our notes' name; the types below are ours only under it. */
#define CORONER_NOTE_NAME "CORONER"
/* JSON: {"recept": …, "original_size": …, "dropped": [[addr, size]…], "dropped_notes": […]} */
#define CORONER_NT_MINIMAL 1
/* A file kept beside the memory: "NAME\0CONTENT" (a /proc file the recept asked for). */
#define CORONER_NT_FILE_COPY 2

typedef struct CoronerMinimalCore CoronerMinimalCore;

/* Extra memory to keep, e.g. a buffer the application registered with the hook. */
typedef struct {
    uint64_t address, size;
} CoronerMemoryRange;

/*
 * Memory the core lacks, with its bytes: a buffer recorded beside the core
 * (coronerctl dump --inject, minicoredumper's coreinject).
 */
typedef struct {
    uint64_t address;
    const void *data;
    size_t size;
} CoronerMemoryBlob;

/* Extra content for a note of ours (CORONER_NT_FILE_COPY). */
typedef struct {
    const char *name;
    const void *data;
    size_t size;
} CoronerFileCopy;

/* What to keep: a recept (recept.h) turned into plain values. */
typedef struct {
    const char *recept;        /* its name, written into the CORONER note */
    bool all_threads;          /* stacks of every thread, else only of the first NT_PRSTATUS's */
    uint64_t max_stack;        /* bytes per thread, from the stack pointer up */
    uint64_t red_zone;         /* bytes kept below the stack pointer */
    bool drop_other_xstate;    /* leave out NT_X86_XSTATE (and ARM SVE/ZA) of non-crashing threads */
    bool module_headers;       /* the first page of each file mapped from offset 0, and the vDSO */
    bool module_data;          /* writable mappings of files, and anonymous ones right after them */
    uint64_t module_data_max;  /* ...up to this many bytes each */
    const char *const *globs;  /* mappings whose name matches (fnmatch) are kept whole */
    size_t n_globs;
    const CoronerMemoryRange *ranges; /* kept as they are */
    size_t n_ranges;
    const CoronerMapping *maps; /* /proc/PID/maps, or NULL: NT_FILE names the files */
    size_t n_maps;
    const CoronerFileCopy *files; /* extra notes */
    size_t n_files;
    uint64_t max_bytes;        /* memory bytes kept at most; 0 for no cap */
    bool keep_all;             /* every dumped byte whole, no CORONER_NT_MINIMAL note: a copy */
    /*
     * Added as their own PT_LOADs (whole pages, zero outside the blob) where
     * the core has no memory; where it has, the core's bytes stay.
     */
    const CoronerMemoryBlob *blobs;
    size_t n_blobs;
} CoronerMinimalOptions;

/*
 * Where the output goes, in order: 0 or -errno.  (The handler's zstd sink, or
 * a file.)
 */
typedef int (*CoronerMinimalWriteFn)(void *user, const void *data, size_t n);

/* The options are used until free (strings and arrays are not copied). NULL when out of memory. */
CoronerMinimalCore *coroner_minimal_core_new(const CoronerMinimalOptions *options,
                                             CoronerMinimalWriteFn write, void *user);

/* The next n bytes of the original core, in stream order.  0, or the sink's -errno. */
int coroner_minimal_core_feed(CoronerMinimalCore *m, const void *data, size_t n);

/*
 * Writes whatever is still owed (the head, when the core had no memory; zero
 * fill for data the stream did not bring).  0, or the sink's -errno.
 */
int coroner_minimal_core_finish(CoronerMinimalCore *m);

/* NULL, or a sentence for the record on why the minimal core may lack something. */
const char *coroner_minimal_core_warning(const CoronerMinimalCore *m);

typedef struct {
    uint64_t size;            /* bytes of the minimal core */
    uint64_t memory_kept;     /* PT_LOAD bytes kept */
    uint64_t memory_dropped;  /* PT_LOAD bytes of the original left out */
    uint64_t ranges;          /* PT_LOADs written */
    uint64_t threads;         /* NT_PRSTATUS notes */
    uint64_t stacks;          /* threads whose stack was kept */
    uint64_t notes_dropped;   /* notes left out */
    uint64_t note_bytes_dropped;
    uint64_t blob_bytes;      /* bytes of blobs added (the parts the core lacked) */
} CoronerMinimalStats;

void coroner_minimal_core_stats(const CoronerMinimalCore *m, CoronerMinimalStats *ret);

void coroner_minimal_core_free(CoronerMinimalCore *m);

#ifdef __cplusplus
}
#endif
