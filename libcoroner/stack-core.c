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
 * are skipped so they stay holes.
 */
#include "stack-core.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The program header table of a core with 65535 segments is 3.6 MiB; never buffer more. */
#define HEAD_MAX (4u * 1024u * 1024u)
#define PAGE 4096u
/* Below the stack pointer: x86-64's red zone and a margin for the unwinder's first reads. */
#define RED_ZONE 512u
/* A note's body is buffered only when we parse it; NT_PRSTATUS is a few hundred bytes. */
#define NOTE_BODY_MAX 4096u
/* A process with more threads than this is not worth more stacks. */
#define MAX_THREADS 4096u

typedef struct {
    uint32_t type;
    uint64_t offset, vaddr, filesz;
} Segment;

typedef struct {
    uint64_t start, end; /* file offsets, end exclusive */
} Range;

typedef struct {
    /* Where we are in the current PT_NOTE segment's note sequence. */
    uint8_t header[12];
    size_t header_have;
    uint32_t namesz, descsz, type;
    uint64_t body_len; /* name and desc, each padded to 4 */
    uint64_t body_have;
    uint8_t body[NOTE_BODY_MAX];
    bool keep_body;
    bool broken; /* a malformed note: the rest of this segment is not parsed */
} NoteParser;

struct CoronerStackCore {
    int fd;
    uint64_t max_bytes;
    uint64_t written;
    uint64_t pos;        /* stream offset of the next byte */
    int error;           /* sticky -errno of a failed write */
    const char *warning; /* static string, NULL when all is well */
    bool stopped;        /* keep nothing more (malformed input or cap reached) */

    /* The ELF header and program headers, buffered until parsed. */
    uint8_t *head;
    size_t head_len;
    bool parsed;
    bool is64;
    uint16_t machine;

    Segment *segments;
    size_t n_segments;
    uint64_t first_load; /* lowest offset of PT_LOAD data */
    uint64_t notes_end;  /* end of the last PT_NOTE */
    size_t note_index;   /* which PT_NOTE the parser is in, SIZE_MAX for none */
    NoteParser notes;

    uint64_t *sps; /* stack pointers from NT_PRSTATUS */
    size_t n_sps;

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
    if (end <= start)
        return true;
    if (s->n_keep == s->cap_keep) {
        size_t cap = s->cap_keep ? s->cap_keep * 2 : 64;
        Range *k = realloc(s->keep, cap * sizeof *k);
        if (!k)
            return false;
        s->keep = k;
        s->cap_keep = cap;
    }
    s->keep[s->n_keep++] = (Range){start, end};
    return true;
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

CoronerStackCore *coroner_stack_core_new(int out_fd, uint64_t max_bytes)
{
    CoronerStackCore *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->fd = out_fd;
    s->max_bytes = max_bytes;
    s->note_index = SIZE_MAX;
    return s;
}

void coroner_stack_core_free(CoronerStackCore *s)
{
    if (!s)
        return;
    free(s->head);
    free(s->segments);
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

static bool is_zero(const uint8_t *p, size_t n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static int pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
    while (n > 0) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

/* Writes [off, off+n), leaving page-aligned zero pages as holes. */
static void write_kept(CoronerStackCore *s, const uint8_t *p, size_t n, uint64_t off)
{
    while (n > 0 && !s->stopped && !s->error) {
        size_t block = PAGE - (size_t)(off % PAGE);
        if (block > n)
            block = n;
        if (!(block == PAGE && is_zero(p, block))) {
            if (s->written + block > s->max_bytes) {
                stop(s, "the stack core reached its size cap; later data was not kept");
                return;
            }
            int r = pwrite_all(s->fd, p, block, off);
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

/* Writes the parts of [off, off+n) that fall into a keep range. */
static void keep_piece(CoronerStackCore *s, const uint8_t *p, size_t n, uint64_t off)
{
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
    for (size_t i = lo; i < s->n_keep && s->keep[i].start < end; i++) {
        uint64_t a = s->keep[i].start > off ? s->keep[i].start : off;
        uint64_t b = s->keep[i].end < end ? s->keep[i].end : end;
        if (b > a)
            write_kept(s, p + (a - off), (size_t)(b - a), a);
    }
}

static uint64_t read_word(const uint8_t *p, bool is64)
{
    if (is64) {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The stack pointer in an NT_PRSTATUS desc, per architecture (pr_reg offsets of elf_prstatus). */
static void note_prstatus(CoronerStackCore *s, const uint8_t *desc, uint32_t descsz)
{
    size_t at;
    switch (s->machine) {
    case EM_X86_64:
        at = 112 + 19 * 8; /* user_regs_struct.rsp */
        break;
    case EM_AARCH64:
        at = 112 + 31 * 8; /* user_pt_regs.sp */
        break;
    case EM_386:
        at = 72 + 15 * 4; /* user_regs_struct.esp */
        break;
    default:
        if (!s->warning)
            s->warning = "the stack core does not know this architecture's stack pointer; "
                         "no thread stacks were kept";
        return;
    }
    size_t word = s->is64 ? 8 : 4;
    if (descsz < at + word || s->n_sps >= MAX_THREADS)
        return;
    uint64_t *sps = realloc(s->sps, (s->n_sps + 1) * sizeof *sps);
    if (!sps)
        return;
    s->sps = sps;
    s->sps[s->n_sps++] = read_word(desc + at, s->is64);
}

static void note_done(CoronerStackCore *s)
{
    NoteParser *np = &s->notes;
    if (np->keep_body && np->type == NT_PRSTATUS) {
        uint64_t name_len = ((uint64_t)np->namesz + 3) & ~(uint64_t)3;
        note_prstatus(s, np->body + name_len, np->descsz);
    }
    np->header_have = 0;
    np->body_have = 0;
    np->body_len = 0;
}

/* Feeds bytes of a PT_NOTE segment to the streaming note parser. */
static void notes_feed(CoronerStackCore *s, const uint8_t *p, size_t n)
{
    NoteParser *np = &s->notes;
    while (n > 0 && !np->broken) {
        if (np->header_have < sizeof np->header) {
            size_t take = sizeof np->header - np->header_have;
            if (take > n)
                take = n;
            memcpy(np->header + np->header_have, p, take);
            np->header_have += take;
            p += take;
            n -= take;
            if (np->header_have < sizeof np->header)
                return;
            memcpy(&np->namesz, np->header, 4);
            memcpy(&np->descsz, np->header + 4, 4);
            memcpy(&np->type, np->header + 8, 4);
            np->body_len = (((uint64_t)np->namesz + 3) & ~(uint64_t)3) +
                           (((uint64_t)np->descsz + 3) & ~(uint64_t)3);
            np->body_have = 0;
            np->keep_body = np->type == NT_PRSTATUS && np->body_len <= NOTE_BODY_MAX;
            if (np->body_len == 0) {
                note_done(s);
                continue;
            }
        }
        uint64_t want = np->body_len - np->body_have;
        size_t take = want < n ? (size_t)want : n;
        if (np->keep_body)
            memcpy(np->body + np->body_have, p, take);
        np->body_have += take;
        p += take;
        n -= take;
        if (np->body_have == np->body_len)
            note_done(s);
    }
}

/* Routes the note bytes in [off, off+n) to the parser, segment by segment. */
static void notes_piece(CoronerStackCore *s, const uint8_t *p, size_t n, uint64_t off)
{
    uint64_t end = off + n;
    for (size_t i = 0; i < s->n_segments; i++) {
        const Segment *g = &s->segments[i];
        if (g->type != PT_NOTE || g->filesz == 0)
            continue;
        uint64_t a = g->offset > off ? g->offset : off;
        uint64_t b = g->offset + g->filesz < end ? g->offset + g->filesz : end;
        if (b <= a)
            continue;
        if (s->note_index != i) {
            /* A new note segment starts a new note sequence. */
            memset(&s->notes, 0, sizeof s->notes);
            s->note_index = i;
        }
        notes_feed(s, p + (a - off), (size_t)(b - a));
    }
}

/* Decides what to keep of the PT_LOAD data, from what the notes told us. */
static void make_plan(CoronerStackCore *s, uint64_t off)
{
    s->planned = true;
    /* Sorted, so each segment finds its threads by binary search (65535 segments x 4096 threads).
     */
    if (s->n_sps > 1)
        qsort(s->sps, s->n_sps, sizeof *s->sps, u64_cmp);
    if (off < s->notes_end && !s->warning)
        s->warning = "the core's notes come after its memory (not a kernel core?): "
                     "the stack core has no thread stacks";
    for (size_t i = 0; i < s->n_segments && !s->stopped; i++) {
        const Segment *g = &s->segments[i];
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
}

/* Parses the ELF header and program headers from s->head; false while more bytes are needed. */
static bool parse_head(CoronerStackCore *s)
{
    const uint8_t *b = s->head;
    size_t have = s->head_len;
    if (have < EI_NIDENT)
        return false;
    if (memcmp(b, ELFMAG, SELFMAG) != 0 ||
        (b[EI_CLASS] != ELFCLASS64 && b[EI_CLASS] != ELFCLASS32) || b[EI_DATA] != ELFDATA2LSB) {
        stop(s, "not a little-endian ELF core: no stack core");
        return true;
    }
    s->is64 = b[EI_CLASS] == ELFCLASS64;
    size_t ehsize = s->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (have < ehsize)
        return false;
    uint64_t phoff;
    unsigned phnum, phentsize, type;
    if (s->is64) {
        Elf64_Ehdr eh;
        memcpy(&eh, b, sizeof eh);
        phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize, type = eh.e_type;
        s->machine = eh.e_machine;
    } else {
        Elf32_Ehdr eh;
        memcpy(&eh, b, sizeof eh);
        phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize, type = eh.e_type;
        s->machine = eh.e_machine;
    }
    if (type != ET_CORE || phentsize != (s->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr))) {
        stop(s, "not an ELF core: no stack core");
        return true;
    }
    /* With PN_XNUM the real count is in section 0, which the kernel writes after the memory. */
    if (phnum == PN_XNUM || phoff > HEAD_MAX || phoff + (uint64_t)phnum * phentsize > HEAD_MAX) {
        stop(s, "the core's program header table is too big or out of place: no stack core");
        return true;
    }
    uint64_t table_end = phoff + (uint64_t)phnum * phentsize;
    if (have < table_end)
        return false;

    s->segments = calloc(phnum ? phnum : 1, sizeof *s->segments);
    if (!s->segments) {
        stop(s, "out of memory while reading the program headers");
        return true;
    }
    s->first_load = UINT64_MAX;
    for (unsigned i = 0; i < phnum; i++) {
        Segment *g = &s->segments[s->n_segments];
        const uint8_t *at = b + phoff + (uint64_t)i * phentsize;
        if (s->is64) {
            Elf64_Phdr ph;
            memcpy(&ph, at, sizeof ph);
            *g = (Segment){ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_filesz};
        } else {
            Elf32_Phdr ph;
            memcpy(&ph, at, sizeof ph);
            *g = (Segment){ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_filesz};
        }
        /* Wrapping offsets or addresses are nonsense: such a segment is ignored. */
        if (g->offset + g->filesz < g->offset || g->vaddr + g->filesz < g->vaddr)
            continue;
        if (g->type == PT_LOAD && g->filesz > 0 && g->offset < s->first_load)
            s->first_load = g->offset;
        if (g->type == PT_NOTE && g->offset + g->filesz > s->notes_end)
            s->notes_end = g->offset + g->filesz;
        if (g->type == PT_NOTE && !add_range(s, g->offset, g->offset + g->filesz)) {
            stop(s, "out of memory while reading the program headers");
            return true;
        }
        s->n_segments++;
    }
    if (!add_range(s, 0, table_end)) {
        stop(s, "out of memory while reading the program headers");
        return true;
    }
    merge_ranges(s);
    s->parsed = true;
    return true;
}

/* Handles stream bytes [off, off+n) once the headers are known. */
static void process(CoronerStackCore *s, const uint8_t *p, size_t n, uint64_t off)
{
    while (n > 0 && !s->stopped && !s->error) {
        if (!s->planned && off >= s->first_load)
            make_plan(s, off);
        size_t piece = n;
        if (!s->planned && s->first_load - off < piece)
            piece = (size_t)(s->first_load - off);
        if (off < s->notes_end)
            notes_piece(s, p, piece, off);
        keep_piece(s, p, piece, off);
        p += piece;
        n -= piece;
        off += piece;
    }
}

int coroner_stack_core_feed(CoronerStackCore *s, const void *data, size_t n)
{
    const uint8_t *p = data;
    if (s->error)
        return s->error;
    if (s->stopped || n == 0) {
        s->pos += n;
        return 0;
    }
    if (!s->parsed) {
        size_t room = HEAD_MAX - s->head_len;
        size_t take = n < room ? n : room;
        uint8_t *head = realloc(s->head, s->head_len + take);
        if (!head) {
            stop(s, "out of memory while reading the core's headers");
            s->pos += n;
            return 0;
        }
        s->head = head;
        memcpy(s->head + s->head_len, p, take);
        s->head_len += take;
        if (!parse_head(s)) {
            if (s->head_len >= HEAD_MAX)
                stop(s, "the core's headers do not fit the stack core's buffer");
            s->pos += n;
            return 0;
        }
        if (s->stopped) {
            s->pos += n;
            return 0;
        }
        /* Replay what was buffered, then go on with the rest of this chunk. */
        uint64_t start = s->pos;
        process(s, s->head, s->head_len, 0);
        free(s->head);
        s->head = NULL;
        if (take < n)
            process(s, p + take, n - take, start + take);
        s->pos = start + n;
        return s->error;
    }
    process(s, p, n, s->pos);
    s->pos += n;
    return s->error;
}

int coroner_stack_core_finish(CoronerStackCore *s, uint64_t total_core_size)
{
    if (s->error)
        return s->error;
    if (!s->parsed && !s->warning)
        s->warning = "the core ended before its program headers: no stack core";
    if (s->parsed && !s->planned && s->first_load != UINT64_MAX && !s->warning)
        s->warning = "the core ended before its memory: the stack core has no stacks";
    uint64_t length = total_core_size ? total_core_size : s->pos;
    if (ftruncate(s->fd, (off_t)length) < 0)
        return -errno;
    return 0;
}
