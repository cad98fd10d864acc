/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Building the stack core while the core streams past (see stack-core.h).
 *
 * The kernel writes a core as: ELF header, program headers, the PT_NOTE data
 * (NT_PRSTATUS per thread, NT_SIGINFO, NT_AUXV, NT_FILE...), then the PT_LOAD
 * segments in address order.  So by the time the first memory byte arrives we
 * know every thread's stack pointer, and can decide for each segment what to
 * keep as it passes.  A producer that puts the notes last (gdb's gcore does)
 * still yields a valid stack core, just without the stacks: we say so in
 * coroner_stack_core_warning().
 *
 * Everything is written with pwrite at the original offsets; all-zero pages
 * are skipped so they stay holes.  The headers and notes come from the shared
 * streaming parser (core-parser.h).
 */
#include "stack-core.h"

#include "array-grow.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core-parser.h"
#include "sparse-file.h"

#define PAGE 4096u
/* Below the stack pointer: x86-64's red zone and a margin for the unwinder's first reads. */
#define RED_ZONE 512u
/* Only NT_PRSTATUS is read here; it is a few hundred bytes. */
#define NOTE_BODY_MAX 4096u
/* A process with more threads than this is not worth more stacks. */
#define MAX_THREADS 4096u

typedef struct {
    uint64_t start, end; /* file offsets, end exclusive */
} Range;

struct CoronerStackCore {
    int fd;
    uint64_t max_bytes;
    uint64_t written;
    uint64_t pos;        /* bytes fed */
    int error;           /* sticky -errno of a failed write */
    const char *warning; /* static string, NULL when all is well */
    bool stopped;        /* keep nothing more (malformed input or cap reached) */

    CoronerCoreParser *parser;
    uint64_t *sps; /* stack pointers from NT_PRSTATUS */
    size_t n_sps;
    bool unknown_machine;

    bool planned; /* keep ranges for PT_LOAD data decided */
    Range *keep;
    size_t n_keep, cap_keep;
};

static void stop(CoronerStackCore *s, const char *why)
{
    s->stopped = true;
    if (!s->warning)
        s->warning = why;
}

static bool add_range(CoronerStackCore *s, uint64_t start, uint64_t end)
{
    return end <= start ||
           CORONER_ARRAY_APPEND(s->keep, s->n_keep, s->cap_keep, ((Range){start, end}));
}

static int range_cmp(const void *a, const void *b)
{
    const Range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void merge_ranges(CoronerStackCore *s)
{
    if (s->n_keep == 0)
        return;
    qsort(s->keep, s->n_keep, sizeof *s->keep, range_cmp);
    size_t out = 0;
    for (size_t i = 1; i < s->n_keep; i++) {
        if (s->keep[i].start <= s->keep[out].end) {
            if (s->keep[i].end > s->keep[out].end)
                s->keep[out].end = s->keep[i].end;
        } else {
            s->keep[++out] = s->keep[i];
        }
    }
    s->n_keep = out + 1;
}

void coroner_stack_core_free(CoronerStackCore *s)
{
    if (!s)
        return;
    coroner_core_parser_free(s->parser);
    free(s->sps);
    free(s->keep);
    free(s);
}

const char *coroner_stack_core_warning(const CoronerStackCore *s)
{
    return s->warning;
}

uint64_t coroner_stack_core_bytes_written(const CoronerStackCore *s)
{
    return s->written;
}

/* Writes [off, off+n), leaving page-aligned zero pages as holes. */
static void write_kept(CoronerStackCore *s, const uint8_t *p, size_t n, uint64_t off)
{
    while (n > 0 && !s->stopped && !s->error) {
        size_t block = PAGE - (size_t)(off % PAGE);
        if (block > n)
            block = n;
        if (!(block == PAGE && coroner_is_hole(p, block))) {
            if (s->written + block > s->max_bytes) {
                stop(s, "the stack core reached its size cap; later data was not kept");
                return;
            }
            int r = coroner_pwrite_all(s->fd, p, block, off);
            if (r < 0) {
                s->error = r;
                return;
            }
            s->written += block;
        }
        p += block;
        n -= block;
        off += block;
    }
}

/* The parser's bytes(): writes the parts of [off, off+n) that fall into a keep range. */
static int on_bytes(void *user, const CoronerCoreParser *parser, const uint8_t *p, size_t n,
                    uint64_t off)
{
    CoronerStackCore *s = user;
    uint64_t end = off + n;
    /* Binary search for the first range ending after off. */
    size_t lo = 0, hi = s->n_keep;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->keep[mid].end <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < s->n_keep && s->keep[i].start < end && !s->stopped; i++) {
        uint64_t a = s->keep[i].start > off ? s->keep[i].start : off;
        uint64_t b = s->keep[i].end < end ? s->keep[i].end : end;
        if (b > a)
            write_kept(s, p + (a - off), (size_t)(b - a), a);
    }
    return s->error;
}

/* The parser's headers(): the header table and every PT_NOTE are kept as they are. */
static int on_headers(void *user, const CoronerCoreParser *parser)
{
    CoronerStackCore *s = user;
    size_t n, head_len;
    const CoronerCoreSegment *segments = coroner_core_parser_segments(parser, &n);
    bool ok = coroner_core_parser_head(parser, &head_len) && add_range(s, 0, head_len);
    for (size_t i = 0; i < n && ok; i++)
        if (segments[i].type == PT_NOTE)
            ok = add_range(s, segments[i].offset, segments[i].offset + segments[i].filesz);
    if (!ok)
        stop(s, "out of memory while reading the program headers");
    merge_ranges(s);
    return 0;
}

/* The parser's note(): the stack pointer of every NT_PRSTATUS. */
static int on_note(void *user, const CoronerCoreParser *parser, const CoronerCoreNote *note)
{
    CoronerStackCore *s = user;
    if (coroner_core_thread_sp(parser, note, &s->sps, &s->n_sps, MAX_THREADS) < 0)
        s->unknown_machine = true;
    return 0;
}

/* The parser's data_start(): decides what to keep of the PT_LOAD data, from the notes. */
static int on_data_start(void *user, const CoronerCoreParser *parser, uint64_t off)
{
    CoronerStackCore *s = user;
    size_t n_segments;
    const CoronerCoreSegment *segments = coroner_core_parser_segments(parser, &n_segments);
    s->planned = true;
    if (s->unknown_machine && !s->warning)
        s->warning = "the stack core does not know this architecture's stack pointer; "
                     "no thread stacks were kept";
    /* Sorted, so each segment finds its threads by binary search (65535 segments x 4096 threads). */
    if (s->n_sps > 1)
        qsort(s->sps, s->n_sps, sizeof *s->sps, u64_cmp);
    if (off < coroner_core_parser_notes_end(parser) && !s->warning)
        s->warning = "the core's notes come after its memory (not a kernel core?): "
                     "the stack core has no thread stacks";
    for (size_t i = 0; i < n_segments && !s->stopped; i++) {
        const CoronerCoreSegment *g = &segments[i];
        if (g->type != PT_LOAD || g->filesz == 0)
            continue;
        uint64_t data_end = g->offset + g->filesz;
        bool ok = add_range(s, g->offset, g->offset + (g->filesz < PAGE ? g->filesz : PAGE));
        if (g->filesz <= CORONER_STACK_CORE_SMALL_SEGMENT)
            ok = ok && add_range(s, g->offset, data_end);
        /* The stack pointers inside this segment: a binary search in the sorted list. */
        size_t lo = 0, hi = s->n_sps;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (s->sps[mid] < g->vaddr)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t t = lo; t < s->n_sps && s->sps[t] - g->vaddr < g->filesz; t++) {
            uint64_t sp = s->sps[t];
            uint64_t low = sp - g->vaddr > RED_ZONE ? sp - RED_ZONE : g->vaddr;
            low &= ~(uint64_t)(PAGE - 1);
            if (low < g->vaddr)
                low = g->vaddr;
            uint64_t high = g->vaddr + g->filesz;
            if (high - sp > CORONER_STACK_CORE_STACK_CAP)
                high = sp + CORONER_STACK_CORE_STACK_CAP;
            ok = ok && add_range(s, g->offset + (low - g->vaddr), g->offset + (high - g->vaddr));
        }
        if (!ok)
            stop(s, "out of memory while planning the stack core");
    }
    merge_ranges(s);
    return 0;
}

CoronerStackCore *coroner_stack_core_new(int out_fd, uint64_t max_bytes)
{
    static const CoronerCoreParserCallbacks callbacks = {
        .headers = on_headers,
        .note = on_note,
        .data_start = on_data_start,
        .bytes = on_bytes,
    };
    CoronerStackCore *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->fd = out_fd;
    s->max_bytes = max_bytes;
    s->parser = coroner_core_parser_new(&callbacks, s, NOTE_BODY_MAX);
    if (!s->parser) {
        free(s);
        return NULL;
    }
    return s;
}

int coroner_stack_core_feed(CoronerStackCore *s, const void *data, size_t n)
{
    if (s->error)
        return s->error;
    s->pos += n;
    if (s->stopped)
        return 0;
    int r = coroner_core_parser_feed(s->parser, data, n);
    if (r < 0 && !s->error)
        s->error = r;
    switch (coroner_core_parser_state(s->parser)) {
    case CORONER_CORE_PARSER_NOT_CORE:
        stop(s, "not a little-endian ELF core: no stack core");
        break;
    case CORONER_CORE_PARSER_UNSUPPORTED:
        stop(s, "the core's program header table is too big or out of place: no stack core");
        break;
    default:
        break;
    }
    return s->error;
}

int coroner_stack_core_finish(CoronerStackCore *s, uint64_t total_core_size)
{
    if (s->error)
        return s->error;
    CoronerCoreParserState state = coroner_core_parser_state(s->parser);
    if (state == CORONER_CORE_PARSER_HEAD && !s->warning)
        s->warning = "the core ended before its program headers: no stack core";
    if (state == CORONER_CORE_PARSER_PARSED && !s->planned &&
        coroner_core_parser_first_load(s->parser) != UINT64_MAX && !s->warning)
        s->warning = "the core ended before its memory: the stack core has no stacks";
    uint64_t length = total_core_size ? total_core_size : s->pos;
    if (ftruncate(s->fd, (off_t)length) < 0)
        return -errno;
    return 0;
}
