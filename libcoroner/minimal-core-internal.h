/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the minimal core writer's files share (minimal-core.c: the stream and
 * the output; minimal-core-notes.c: the notes kept and our own;
 * minimal-core-plan.c: which ranges are kept; minimal-core-head.c: the ELF
 * header and program headers).  Plain C, no GLib.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core-parser.h"
#include "minimal-core.h"

#define PAGE 4096u
/* One note (NT_FILE of a process with very many mappings is the biggest). */
#define NOTE_MAX (16u << 20)
/* All kept notes together. */
#define NOTES_MAX (32u << 20)
/* Program headers: the count must stay below PN_XNUM. */
#define MAX_LOADS 65000u
#define MAX_DROPPED_TYPES 16

typedef struct {
    uint64_t start, end; /* addresses */
    int priority;        /* lower is kept first under max_bytes */
} Want;

typedef struct {
    uint64_t in_off, vaddr, size, out_off;
    uint32_t flags;
} Keep;

/* Whole pages of blobs where the core has no memory (options->blobs). */
typedef struct {
    uint64_t vaddr, size, out_off;
} Inject;

struct CoronerMinimalCore {
    const CoronerMinimalOptions *o;
    CoronerMinimalWriteFn write;
    void *user;
    CoronerCoreParser *parser;
    int error;
    const char *warning;

    uint8_t *notes;
    size_t notes_len, notes_cap;
    size_t threads; /* NT_PRSTATUS seen */
    uint64_t *sps;  /* in note order: the first is the thread that took the signal */
    size_t n_sps;
    uint64_t sysinfo_ehdr;
    CoronerMapping *file_maps; /* from NT_FILE, when no /proc maps were given */
    size_t n_file_maps;
    char *file_names;
    struct {
        uint32_t type;
        uint64_t count, bytes;
    } dropped[MAX_DROPPED_TYPES];
    size_t n_dropped;

    bool planned;
    Want *wants;
    size_t n_wants, cap_wants;
    Keep *keep;
    size_t n_keep, cap_keep;
    Inject *injects;
    size_t n_injects;
    size_t cursor;
    uint64_t out_pos, out_size, keep_end;
    CoronerMinimalStats stats;
};

/* qsort, which must not be given a NULL array even for no elements. */
static inline void minimal_sort(void *base, size_t n, size_t size,
                                int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

/* Keeps the first reason the minimal core may lack something. */
void minimal_warn(CoronerMinimalCore *m, const char *why);

/* ---- minimal-core.c: the output, strictly in order ---- */

/* 0, or the sink's (first) -errno, which stops all further output. */
int minimal_emit(CoronerMinimalCore *m, const void *data, size_t n);

/* ---- minimal-core-notes.c ---- */

/* The core parser's note callback: keeps the note (or counts it dropped). */
int minimal_on_note(void *user, const CoronerCoreParser *p, const CoronerCoreNote *note);

/* Appends our notes: CORONER_NT_MINIMAL (what was left out) and the file copies. */
void minimal_add_own_notes(CoronerMinimalCore *m, const CoronerCoreSegment *segments,
                           size_t n_segments);

/* ---- minimal-core-plan.c ---- */

/* Chooses the kept ranges and writes the head; called when the memory starts. */
void minimal_make_plan(CoronerMinimalCore *m);

/* ---- minimal-core-head.c ---- */

/* Places the kept and injected ranges in the output and writes header, program headers, notes. */
void minimal_write_head(CoronerMinimalCore *m);
