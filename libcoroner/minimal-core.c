/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writing the minimal core while the core streams past (see minimal-core.h).
 *
 * Notes are kept in memory as they pass (they come first, and are small);
 * when the memory starts, the plan is made: which address ranges to keep, in
 * the order of the original core, each at a file offset congruent to its
 * address modulo the page size (as a kernel core has them), so the output is
 * ELF header, program headers, notes, then the kept ranges with zero padding
 * between them.  From then on each kept byte is written as it passes.
 */
#include "minimal-core.h"

#include "array-grow.h"

#include <elf.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-parser.h"

#define PAGE 4096u
/* One note (NT_FILE of a process with very many mappings is the biggest). */
#define NOTE_MAX (16u << 20)
/* All kept notes together. */
#define NOTES_MAX (32u << 20)
/* Program headers: the count must stay below PN_XNUM. */
#define MAX_LOADS 65000u
/* An overflowed stack's pointer sits below its mapping, in the guard page: look this far up. */
#define OVERFLOW_REACH (64u * 1024u)
/* The vDSO is an ELF image the debugger reads from memory; it is a few pages. */
#define VDSO_MAX (64u * 1024u)
#define MAX_DROPPED_TYPES 16

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif
#ifndef NT_ARM_SVE
#define NT_ARM_SVE 0x405
#endif
#define NT_ARM_SSVE_ 0x40b
#define NT_ARM_ZA_ 0x40c
#define NT_ARM_ZT_ 0x40d

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

typedef struct {
    char *data;
    size_t len, cap;
    bool failed;
} Text;

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

static void warn(CoronerMinimalCore *m, const char *why)
{
    if (!m->warning)
        m->warning = why;
}

static void text_append(Text *t, const char *format, ...) __attribute__((format(printf, 2, 3)));

static void text_append(Text *t, const char *format, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, format);
        int n = vsnprintf(t->data ? t->data + t->len : NULL, t->data ? t->cap - t->len : 0, format,
                          ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if (t->data && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
        char *data = realloc(t->data, cap);
        if (!data) {
            t->failed = true;
            return;
        }
        t->data = data;
        t->cap = cap;
    }
}

/* -------------------------------------------------------------- output */

static int emit(CoronerMinimalCore *m, const void *data, size_t n)
{
    if (m->error || n == 0)
        return m->error;
    int r = m->write(m->user, data, n);
    if (r < 0)
        m->error = r;
    else
        m->out_pos += n;
    return m->error;
}

static int emit_zeros(CoronerMinimalCore *m, uint64_t n)
{
    static const uint8_t zeros[PAGE];
    while (n > 0 && !m->error) {
        size_t piece = n < sizeof zeros ? (size_t)n : sizeof zeros;
        emit(m, zeros, piece);
        n -= piece;
    }
    return m->error;
}

/* Writes data meant for output offset out (never behind what was written). */
static void emit_at(CoronerMinimalCore *m, uint64_t out, const uint8_t *data, size_t n)
{
    if (out < m->out_pos) {
        uint64_t skip = m->out_pos - out;
        if (skip >= n)
            return;
        data += skip;
        n -= (size_t)skip;
        out = m->out_pos;
    }
    emit_zeros(m, out - m->out_pos);
    emit(m, data, n);
}

/* --------------------------------------------------------------- notes */

static bool notes_append(CoronerMinimalCore *m, const void *data, size_t n)
{
    if (n == 0)
        return true;
    if (m->notes_len + n > NOTES_MAX)
        return false;
    if (m->notes_len + n > m->notes_cap) {
        size_t cap = m->notes_cap ? m->notes_cap * 2 : 64 * 1024;
        while (cap < m->notes_len + n)
            cap *= 2;
        if (cap > NOTES_MAX)
            cap = NOTES_MAX;
        uint8_t *notes = realloc(m->notes, cap);
        if (!notes)
            return false;
        m->notes = notes;
        m->notes_cap = cap;
    }
    memcpy(m->notes + m->notes_len, data, n);
    m->notes_len += n;
    return true;
}

/* Appends a note of ours (name CORONER) to the kept notes. */
static bool notes_append_own(CoronerMinimalCore *m, uint32_t type, const void *a, size_t a_len,
                             const void *b, size_t b_len)
{
    static const uint8_t pad[4];
    uint32_t namesz = sizeof CORONER_NOTE_NAME;
    uint64_t descsz = (uint64_t)a_len + b_len;
    if (descsz > UINT32_MAX)
        return false;
    uint32_t header[3] = {namesz, (uint32_t)descsz, type};
    size_t name_pad = (4 - namesz % 4) % 4, desc_pad = (size_t)((4 - descsz % 4) % 4);
    return notes_append(m, header, sizeof header) &&
           notes_append(m, CORONER_NOTE_NAME, namesz) && notes_append(m, pad, name_pad) &&
           notes_append(m, a, a_len) && notes_append(m, b, b_len) &&
           notes_append(m, pad, desc_pad);
}

static bool is_extended_regset(uint32_t type)
{
    return type == NT_X86_XSTATE || type == NT_ARM_SVE || type == NT_ARM_SSVE_ ||
           type == NT_ARM_ZA_ || type == NT_ARM_ZT_;
}

static void count_dropped(CoronerMinimalCore *m, uint32_t type, uint64_t bytes)
{
    m->stats.notes_dropped++;
    m->stats.note_bytes_dropped += bytes;
    for (size_t i = 0; i < m->n_dropped; i++) {
        if (m->dropped[i].type == type) {
            m->dropped[i].count++;
            m->dropped[i].bytes += bytes;
            return;
        }
    }
    if (m->n_dropped < MAX_DROPPED_TYPES) {
        m->dropped[m->n_dropped].type = type;
        m->dropped[m->n_dropped].count = 1;
        m->dropped[m->n_dropped].bytes = bytes;
        m->n_dropped++;
    }
}

/* NT_FILE: count, page size, count x (start, end, page offset), then the names. */
static void parse_nt_file(CoronerMinimalCore *m, const CoronerCoreParser *p,
                          const CoronerCoreNote *note)
{
    size_t word = coroner_core_parser_is64(p) ? 8 : 4;
    const uint8_t *d = note->desc;
    size_t size = note->descsz;
    if (m->file_maps || size < 2 * word)
        return;
#define WORD(at) (word == 8 ? ({ uint64_t v_; memcpy(&v_, d + (at), 8); v_; }) \
                            : ({ uint32_t v_; memcpy(&v_, d + (at), 4); (uint64_t)v_; }))
    uint64_t count = WORD(0), page_size = WORD(word);
    if (count > (size - 2 * word) / (3 * word))
        return;
    size_t names_at = 2 * word + (size_t)count * 3 * word;
    m->file_names = malloc(size - names_at + 1);
    m->file_maps = calloc(count ? count : 1, sizeof *m->file_maps);
    if (!m->file_names || !m->file_maps) {
        free(m->file_names);
        free(m->file_maps);
        m->file_names = NULL;
        m->file_maps = NULL;
        return;
    }
    memcpy(m->file_names, d + names_at, size - names_at);
    m->file_names[size - names_at] = '\0';
    const char *name = m->file_names, *names_end = m->file_names + (size - names_at);
    for (uint64_t i = 0; i < count && name < names_end; i++) {
        size_t at = 2 * word + (size_t)i * 3 * word;
        CoronerMapping *map = &m->file_maps[m->n_file_maps++];
        map->start = WORD(at);
        map->end = WORD(at + word);
        map->file_offset = WORD(at + 2 * word) * page_size;
        map->name = name;
        name += strlen(name) + 1;
    }
#undef WORD
}

static void parse_auxv(CoronerMinimalCore *m, const CoronerCoreParser *p,
                       const CoronerCoreNote *note)
{
    size_t word = coroner_core_parser_is64(p) ? 8 : 4;
    for (size_t at = 0; at + 2 * word <= note->descsz; at += 2 * word) {
        uint64_t key = 0, value = 0;
        memcpy(&key, note->desc + at, word);
        memcpy(&value, note->desc + at + word, word);
        if (key == AT_SYSINFO_EHDR)
            m->sysinfo_ehdr = value;
    }
}

static int on_note(void *user, const CoronerCoreParser *p, const CoronerCoreNote *note)
{
    CoronerMinimalCore *m = user;
    bool kernel = coroner_core_note_is_kernel(note, "CORE");
    bool linux_note = coroner_core_note_is_kernel(note, "LINUX");
    if (kernel && note->type == NT_PRSTATUS) {
        m->threads++;
        m->stats.threads++;
        uint64_t sp;
        if (coroner_core_prstatus_sp(p, note, &sp)) {
            uint64_t *sps = realloc(m->sps, (m->n_sps + 1) * sizeof *sps);
            if (sps) {
                m->sps = sps;
                m->sps[m->n_sps++] = sp;
            }
        } else {
            warn(m, "the minimal core does not know this architecture's stack pointer: "
                    "no thread stacks were kept");
        }
    }
    if (kernel && note->type == NT_FILE && note->desc && !m->o->maps)
        parse_nt_file(m, p, note);
    if (kernel && note->type == NT_AUXV && note->desc)
        parse_auxv(m, p, note);

    uint64_t size = 12 + (((uint64_t)note->namesz + 3) & ~3ull) + (((uint64_t)note->descsz + 3) & ~3ull);
    /* Per-thread notes follow their thread's NT_PRSTATUS; the first thread took the signal. */
    if (m->o->drop_other_xstate && linux_note && m->threads > 1 && is_extended_regset(note->type)) {
        count_dropped(m, note->type, size);
        return 0;
    }
    if (!note->desc) {
        warn(m, "a note was too big for the minimal core and was left out");
        count_dropped(m, note->type, size);
        return 0;
    }
    if (!notes_append(m, note->raw, note->raw_len)) {
        warn(m, "the notes exceed the minimal core's note budget; later notes were left out");
        count_dropped(m, note->type, size);
    }
    return 0;
}

/* ---------------------------------------------------------------- plan */

/* qsort, which must not be given a NULL array even for no elements. */
static void sort_array(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

static bool want(CoronerMinimalCore *m, uint64_t start, uint64_t end, int priority)
{
    if (end <= start)
        return true;
    Want *w = coroner_array_grow(m->wants, m->n_wants, &m->cap_wants, sizeof *w);
    if (!w)
        return false;
    m->wants = w;
    m->wants[m->n_wants++] = (Want){start, end, priority};
    return true;
}

typedef struct {
    const CoronerCoreSegment *g;
} LoadRef;

static int load_by_vaddr(const void *a, const void *b)
{
    const CoronerCoreSegment *x = ((const LoadRef *)a)->g, *y = ((const LoadRef *)b)->g;
    return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

static int want_by_priority(const void *a, const void *b)
{
    const Want *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int want_by_start(const void *a, const void *b)
{
    const Want *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static int keep_by_offset(const void *a, const void *b)
{
    const Keep *x = a, *y = b;
    return x->in_off < y->in_off ? -1 : x->in_off > y->in_off;
}

/* The loaded segment holding addr, or the first one above it (NULL if none); loads sorted. */
static const CoronerCoreSegment *load_at_or_above(const LoadRef *loads, size_t n, uint64_t addr)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (loads[mid].g->vaddr + loads[mid].g->filesz <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n ? loads[lo].g : NULL;
}

static bool is_file_name(const char *name)
{
    return name && name[0] == '/';
}

static void want_stacks(CoronerMinimalCore *m, const LoadRef *loads, size_t n_loads)
{
    const CoronerMinimalOptions *o = m->o;
    size_t count = o->all_threads ? m->n_sps : (m->n_sps > 0 ? 1 : 0);
    for (size_t t = 0; t < count; t++) {
        uint64_t sp = m->sps[t];
        const CoronerCoreSegment *g = load_at_or_above(loads, n_loads, sp);
        if (!g || (g->vaddr > sp && g->vaddr - sp > OVERFLOW_REACH))
            continue;
        uint64_t low = sp - g->vaddr > o->red_zone && sp > g->vaddr ? sp - o->red_zone : g->vaddr;
        uint64_t high = g->vaddr + g->filesz;
        uint64_t from = sp > g->vaddr ? sp : g->vaddr;
        if (o->max_stack && high - from > o->max_stack)
            high = from + o->max_stack;
        /* The thread that took the signal comes first under the byte cap. */
        if (want(m, low, high, t == 0 ? 0 : 1))
            m->stats.stacks++;
    }
}

static void want_modules(CoronerMinimalCore *m, const CoronerMapping *maps, size_t n_maps,
                         const LoadRef *loads, size_t n_loads)
{
    const CoronerMinimalOptions *o = m->o;
    if (o->module_headers) {
        for (size_t i = 0; i < n_maps; i++)
            if (is_file_name(maps[i].name) && maps[i].file_offset == 0)
                want(m, maps[i].start, maps[i].start + PAGE, 2);
        if (m->sysinfo_ehdr) {
            const CoronerCoreSegment *g = load_at_or_above(loads, n_loads, m->sysinfo_ehdr);
            if (g && g->vaddr <= m->sysinfo_ehdr)
                want(m, g->vaddr, g->vaddr + (g->filesz < VDSO_MAX ? g->filesz : VDSO_MAX), 2);
        }
    }
    if (!o->module_data)
        return;
    /*
     * What the kernel dumped of a file's mappings is what the program wrote
     * to: .data, .bss, .got and the RELRO part (.dynamic, read-only again
     * after relocation) with DT_DEBUG, r_debug and the link map debuggers
     * walk; the anonymous segment right after one (the rest of .bss); and
     * small anonymous segments (the dynamic loader's own heap with the link
     * map entries, the main thread's TLS block).
     */
    bool previous_file = false;
    uint64_t previous_end = 0;
    for (size_t i = 0; i < n_loads; i++) {
        const CoronerCoreSegment *g = loads[i].g;
        bool file = false;
        for (size_t j = 0; j < n_maps && !file; j++)
            file = is_file_name(maps[j].name) && maps[j].start < g->vaddr + g->memsz &&
                   maps[j].end > g->vaddr;
        bool after_file = previous_file && previous_end == g->vaddr;
        bool small_anonymous = !file && (g->flags & PF_W) && g->filesz <= o->module_data_max;
        if (file || small_anonymous || (after_file && (g->flags & PF_W))) {
            uint64_t size = g->filesz < o->module_data_max ? g->filesz : o->module_data_max;
            want(m, g->vaddr, g->vaddr + size, 3);
        }
        previous_file = file;
        previous_end = g->vaddr + g->memsz;
    }
}

static void want_globs(CoronerMinimalCore *m, const CoronerMapping *maps, size_t n_maps)
{
    for (size_t i = 0; i < n_maps; i++)
        for (size_t j = 0; j < m->o->n_globs; j++)
            if (maps[i].name && fnmatch(m->o->globs[j], maps[i].name, 0) == 0) {
                want(m, maps[i].start, maps[i].end, 5);
                break;
            }
}

static bool add_keep(CoronerMinimalCore *m, const CoronerCoreSegment *g, uint64_t start,
                     uint64_t end)
{
    Keep *k = coroner_array_grow(m->keep, m->n_keep, &m->cap_keep, sizeof *k);
    if (!k)
        return false;
    m->keep = k;
    m->keep[m->n_keep++] = (Keep){
        .in_off = g->offset + (start - g->vaddr),
        .vaddr = start,
        .size = end - start,
        .flags = g->flags,
    };
    return true;
}

/* The JSON of the CORONER note: the recept, and what of the original is not here. */
static void describe_dropped(CoronerMinimalCore *m, const CoronerCoreSegment *segments,
                             size_t n_segments, Text *t)
{
    text_append(t, "{\"recept\":\"");
    for (const char *c = m->o->recept ? m->o->recept : ""; *c; c++)
        text_append(t, (*c == '"' || *c == '\\') ? "\\%c" : ((unsigned char)*c < 0x20 ? "?" : "%c"),
                    *c);
    text_append(t, "\",\"original_size\":%" PRIu64 ",\"threads\":%zu,\"stacks\":%" PRIu64
                   ",\"dropped\":[",
                coroner_core_parser_expected_size(m->parser), m->threads, m->stats.stacks);
    /* Keeps are sorted by offset; walk each loaded segment and print its gaps. */
    bool first = true;
    size_t k = 0;
    for (size_t i = 0; i < n_segments; i++) {
        const CoronerCoreSegment *g = &segments[i];
        if (g->type != PT_LOAD || g->filesz == 0)
            continue;
        uint64_t at = g->offset, end = g->offset + g->filesz;
        while (k < m->n_keep && m->keep[k].in_off + m->keep[k].size <= at)
            k++;
        for (size_t j = k; j < m->n_keep && m->keep[j].in_off < end && at < end; j++) {
            if (m->keep[j].in_off > at) {
                text_append(t, "%s[\"0x%" PRIx64 "\",%" PRIu64 "]", first ? "" : ",",
                            g->vaddr + (at - g->offset), m->keep[j].in_off - at);
                first = false;
            }
            uint64_t kend = m->keep[j].in_off + m->keep[j].size;
            if (kend > at)
                at = kend;
        }
        if (at < end) {
            text_append(t, "%s[\"0x%" PRIx64 "\",%" PRIu64 "]", first ? "" : ",",
                        g->vaddr + (at - g->offset), end - at);
            first = false;
        }
    }
    text_append(t, "],\"dropped_notes\":[");
    for (size_t i = 0; i < m->n_dropped; i++)
        text_append(t, "%s{\"type\":%" PRIu32 ",\"count\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
                    i ? "," : "", m->dropped[i].type, m->dropped[i].count, m->dropped[i].bytes);
    text_append(t, "]}");
}

/* A PT_LOAD of the output, before it is written in the core's class. */
typedef struct {
    uint64_t vaddr, offset, size;
    uint32_t flags;
} Load;

static int load_out_by_vaddr(const void *a, const void *b)
{
    const Load *x = a, *y = b;
    return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/* The next output offset from at congruent to vaddr modulo the page. */
static uint64_t congruent(uint64_t at, uint64_t vaddr)
{
    uint64_t out = (at - at % PAGE) + vaddr % PAGE;
    return out < at ? out + PAGE : out;
}

static void write_head(CoronerMinimalCore *m)
{
    const CoronerCoreParser *p = m->parser;
    bool is64 = coroner_core_parser_is64(p);
    size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    size_t phentsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    size_t n_loads = m->n_keep + m->n_injects;
    size_t phnum = 1 + n_loads;
    uint64_t notes_off = ehsize + phnum * phentsize;

    /*
     * Output offsets: after the notes, each range congruent to its address
     * modulo the page; the kept ranges in stream order, then the injected ones.
     */
    Load *loads = calloc(n_loads ? n_loads : 1, sizeof *loads);
    size_t head_len = ehsize + phnum * phentsize;
    uint8_t *head = calloc(1, head_len);
    size_t orig_len;
    const uint8_t *orig = coroner_core_parser_head(p, &orig_len);
    if (!loads || !head || !orig) {
        free(loads);
        free(head);
        m->error = orig ? -ENOMEM : -EINVAL;
        return;
    }
    uint64_t at = notes_off + m->notes_len;
    for (size_t i = 0; i < m->n_keep; i++) {
        Keep *k = &m->keep[i];
        k->out_off = congruent(at, k->vaddr);
        at = k->out_off + k->size;
        m->stats.memory_kept += k->size;
        loads[i] = (Load){k->vaddr, k->out_off, k->size, k->flags};
    }
    m->keep_end = at;
    for (size_t i = 0; i < m->n_injects; i++) {
        Inject *in = &m->injects[i];
        in->out_off = congruent(at, in->vaddr);
        at = in->out_off + in->size;
        loads[m->n_keep + i] = (Load){in->vaddr, in->out_off, in->size, PF_R | PF_W};
    }
    m->out_size = at;
    /* Program headers in address order, as the kernel writes them and debuggers expect. */
    sort_array(loads, n_loads, sizeof *loads, load_out_by_vaddr);

    if (is64) {
        Elf64_Ehdr eh;
        memcpy(&eh, orig, sizeof eh);
        eh.e_phoff = ehsize;
        eh.e_phnum = (Elf64_Half)phnum;
        eh.e_shoff = 0;
        eh.e_shnum = 0;
        eh.e_shstrndx = SHN_UNDEF;
        eh.e_shentsize = 0;
        memcpy(head, &eh, sizeof eh);
        Elf64_Phdr ph = {.p_type = PT_NOTE, .p_offset = notes_off, .p_filesz = m->notes_len};
        memcpy(head + ehsize, &ph, sizeof ph);
        for (size_t i = 0; i < n_loads; i++) {
            const Load *l = &loads[i];
            ph = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = l->flags, .p_offset = l->offset,
                              .p_vaddr = l->vaddr, .p_filesz = l->size, .p_memsz = l->size,
                              .p_align = PAGE};
            memcpy(head + ehsize + (i + 1) * phentsize, &ph, sizeof ph);
        }
    } else {
        Elf32_Ehdr eh;
        memcpy(&eh, orig, sizeof eh);
        eh.e_phoff = (Elf32_Off)ehsize;
        eh.e_phnum = (Elf32_Half)phnum;
        eh.e_shoff = 0;
        eh.e_shnum = 0;
        eh.e_shstrndx = SHN_UNDEF;
        eh.e_shentsize = 0;
        memcpy(head, &eh, sizeof eh);
        Elf32_Phdr ph = {.p_type = PT_NOTE, .p_offset = (Elf32_Off)notes_off,
                         .p_filesz = (Elf32_Word)m->notes_len};
        memcpy(head + ehsize, &ph, sizeof ph);
        for (size_t i = 0; i < n_loads; i++) {
            const Load *l = &loads[i];
            ph = (Elf32_Phdr){.p_type = PT_LOAD, .p_flags = l->flags,
                              .p_offset = (Elf32_Off)l->offset, .p_vaddr = (Elf32_Addr)l->vaddr,
                              .p_filesz = (Elf32_Word)l->size, .p_memsz = (Elf32_Word)l->size,
                              .p_align = PAGE};
            memcpy(head + ehsize + (i + 1) * phentsize, &ph, sizeof ph);
        }
    }
    free(loads);
    emit(m, head, head_len);
    free(head);
    emit(m, m->notes, m->notes_len);
    free(m->notes);
    m->notes = NULL;
    m->notes_cap = 0;
}

static uint64_t page_up(uint64_t x)
{
    return x > UINT64_MAX - PAGE ? UINT64_MAX & ~(uint64_t)(PAGE - 1)
                                 : (x + PAGE - 1) & ~(uint64_t)(PAGE - 1);
}

static bool add_inject(CoronerMinimalCore *m, uint64_t start, uint64_t end)
{
    if (end <= start)
        return true;
    if (m->n_injects > 0 && m->injects[m->n_injects - 1].vaddr + m->injects[m->n_injects - 1].size >= start) {
        Inject *last = &m->injects[m->n_injects - 1];
        if (end > last->vaddr + last->size)
            last->size = end - last->vaddr;
        return true;
    }
    if (m->n_keep + m->n_injects >= MAX_LOADS) {
        warn(m, "too many ranges for one core; the rest was left out");
        return true;
    }
    Inject *in = realloc(m->injects, (m->n_injects + 1) * sizeof *in);
    if (!in)
        return false;
    m->injects = in;
    m->injects[m->n_injects++] = (Inject){.vaddr = start, .size = end - start};
    return true;
}

static int blob_by_address(const void *a, const void *b)
{
    const Want *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * The pages of the blobs the core has no memory for: the blobs' pages,
 * merged, less every loaded segment (whose pages are the core's own).
 */
static bool plan_injects(CoronerMinimalCore *m, const LoadRef *loads, size_t n_loads)
{
    const CoronerMinimalOptions *o = m->o;
    if (o->n_blobs == 0)
        return true;
    Want *pages = calloc(o->n_blobs, sizeof *pages);
    if (!pages)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < o->n_blobs; i++) {
        uint64_t a = o->blobs[i].address, size = o->blobs[i].size;
        if (size == 0 || a + size < a)
            continue;
        pages[n++] = (Want){a & ~(uint64_t)(PAGE - 1), page_up(a + size), 0};
    }
    sort_array(pages, n, sizeof *pages, blob_by_address);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        uint64_t at = pages[i].start, end = pages[i].end;
        if (m->n_injects > 0) {
            uint64_t last = m->injects[m->n_injects - 1].vaddr + m->injects[m->n_injects - 1].size;
            if (at < last)
                at = last;
        }
        while (ok && at < end) {
            const CoronerCoreSegment *g = load_at_or_above(loads, n_loads, at);
            uint64_t g_start = g ? g->vaddr & ~(uint64_t)(PAGE - 1) : UINT64_MAX;
            uint64_t g_end = g ? page_up(g->vaddr + g->filesz) : UINT64_MAX;
            if (g_start > at) {
                uint64_t b = g_start < end ? g_start : end;
                ok = add_inject(m, at, b);
                at = b;
            } else {
                at = g_end;
            }
        }
    }
    free(pages);
    return ok;
}

/* One page of injected memory at addr: the blobs' bytes in it, zeros elsewhere. */
static void emit_inject_page(CoronerMinimalCore *m, uint64_t addr)
{
    uint8_t page[PAGE];
    memset(page, 0, sizeof page);
    for (size_t i = 0; i < m->o->n_blobs; i++) {
        const CoronerMemoryBlob *b = &m->o->blobs[i];
        uint64_t a = b->address > addr ? b->address : addr;
        uint64_t e = b->address + b->size < addr + PAGE ? b->address + b->size : addr + PAGE;
        if (e > a && b->data)
            memcpy(page + (a - addr), (const uint8_t *)b->data + (a - b->address), (size_t)(e - a));
    }
    emit(m, page, sizeof page);
    m->stats.blob_bytes += PAGE;
}

static void make_plan(CoronerMinimalCore *m)
{
    const CoronerMinimalOptions *o = m->o;
    const CoronerCoreParser *p = m->parser;
    m->planned = true;
    size_t n_segments;
    const CoronerCoreSegment *segments = coroner_core_parser_segments(p, &n_segments);
    size_t n_loads = 0;
    LoadRef *loads = calloc(n_segments ? n_segments : 1, sizeof *loads);
    if (!loads) {
        m->error = -ENOMEM;
        return;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < n_segments; i++)
        if (segments[i].type == PT_LOAD && segments[i].filesz > 0) {
            loads[n_loads++].g = &segments[i];
            total += segments[i].filesz;
        }
    sort_array(loads, n_loads, sizeof *loads, load_by_vaddr);

    const CoronerMapping *maps = o->maps ? o->maps : m->file_maps;
    size_t n_maps = o->maps ? o->n_maps : m->n_file_maps;
    if (o->keep_all) {
        for (size_t i = 0; i < n_loads; i++)
            want(m, loads[i].g->vaddr, loads[i].g->vaddr + loads[i].g->filesz, 0);
    } else {
        want_stacks(m, loads, n_loads);
        want_modules(m, maps, n_maps, loads, n_loads);
        for (size_t i = 0; i < o->n_ranges; i++)
            if (o->ranges[i].address + o->ranges[i].size > o->ranges[i].address)
                want(m, o->ranges[i].address, o->ranges[i].address + o->ranges[i].size, 4);
        want_globs(m, maps, n_maps);
    }
    if (!plan_injects(m, loads, n_loads))
        m->error = -ENOMEM;

    /* The byte cap, in priority order: the crashing thread's stack first. */
    sort_array(m->wants, m->n_wants, sizeof *m->wants, want_by_priority);
    uint64_t budget = o->max_bytes ? o->max_bytes : UINT64_MAX;
    for (size_t i = 0; i < m->n_wants; i++) {
        uint64_t size = m->wants[i].end - m->wants[i].start;
        if (size > budget) {
            m->wants[i].end = m->wants[i].start + budget;
            warn(m, "the recept's byte cap was reached; some ranges were cut or left out");
        }
        budget -= m->wants[i].end - m->wants[i].start;
    }
    /*
     * Whole pages: libdwfl finds a byte at p_offset + (address - page start),
     * so a PT_LOAD must start on a page.  It costs no page: the page of the
     * first byte kept was going to be in the core anyway.
     */
    for (size_t i = 0; i < m->n_wants; i++) {
        if (m->wants[i].end <= m->wants[i].start)
            continue;
        m->wants[i].start &= ~(uint64_t)(PAGE - 1);
        m->wants[i].end = m->wants[i].end > UINT64_MAX - PAGE
                              ? UINT64_MAX & ~(uint64_t)(PAGE - 1)
                              : (m->wants[i].end + PAGE - 1) & ~(uint64_t)(PAGE - 1);
    }
    /* Merge, then cut along the loaded segments (one PT_LOAD per piece). */
    sort_array(m->wants, m->n_wants, sizeof *m->wants, want_by_start);
    size_t out = 0;
    for (size_t i = 0; i < m->n_wants; i++) {
        if (m->wants[i].end <= m->wants[i].start)
            continue;
        if (out > 0 && m->wants[i].start <= m->wants[out - 1].end) {
            if (m->wants[i].end > m->wants[out - 1].end)
                m->wants[out - 1].end = m->wants[i].end;
        } else {
            m->wants[out++] = m->wants[i];
        }
    }
    m->n_wants = out;
    bool ok = true;
    for (size_t i = 0; i < m->n_wants && ok; i++) {
        uint64_t at = m->wants[i].start, end = m->wants[i].end;
        const CoronerCoreSegment *g;
        while (ok && at < end && (g = load_at_or_above(loads, n_loads, at)) && g->vaddr < end) {
            uint64_t a = at > g->vaddr ? at : g->vaddr;
            uint64_t b = end < g->vaddr + g->filesz ? end : g->vaddr + g->filesz;
            if (m->n_keep >= MAX_LOADS) {
                warn(m, "too many ranges for one core; the rest was left out");
                ok = false;
                break;
            }
            ok = add_keep(m, g, a, b);
            at = b;
        }
    }
    if (!ok && !m->warning)
        m->error = -ENOMEM;
    free(loads);
    free(m->wants);
    m->wants = NULL;
    if (m->error)
        return;

    /* Stream order; a hostile core's overlapping offsets keep only the first range. */
    sort_array(m->keep, m->n_keep, sizeof *m->keep, keep_by_offset);
    out = 0;
    for (size_t i = 0; i < m->n_keep; i++) {
        if (out > 0 && m->keep[i].in_off < m->keep[out - 1].in_off + m->keep[out - 1].size) {
            warn(m, "the core's segments overlap; overlapping ranges were left out");
            continue;
        }
        m->keep[out++] = m->keep[i];
    }
    m->n_keep = out;
    m->stats.ranges = m->n_keep;

    uint64_t kept = 0;
    for (size_t i = 0; i < m->n_keep; i++)
        kept += m->keep[i].size;
    m->stats.memory_dropped = total - kept;

    if (!o->keep_all) {
        Text t = {0};
        describe_dropped(m, segments, n_segments, &t);
        if (t.failed || !notes_append_own(m, CORONER_NT_MINIMAL, t.data, t.len, NULL, 0))
            warn(m, "the list of what was left out did not fit the minimal core");
        free(t.data);
    }
    for (size_t i = 0; i < o->n_files; i++) {
        const CoronerFileCopy *f = &o->files[i];
        if (!notes_append_own(m, CORONER_NT_FILE_COPY, f->name, strlen(f->name) + 1, f->data,
                              f->size))
            warn(m, "a /proc file did not fit the minimal core's note budget");
    }
    write_head(m);
}

static int on_data_start(void *user, const CoronerCoreParser *p, uint64_t off)
{
    CoronerMinimalCore *m = user;
    make_plan(m);
    return m->error;
}

static int on_bytes(void *user, const CoronerCoreParser *p, const uint8_t *data, size_t n,
                    uint64_t off)
{
    CoronerMinimalCore *m = user;
    if (!m->planned)
        return 0;
    uint64_t end = off + n;
    while (m->cursor < m->n_keep && m->keep[m->cursor].in_off + m->keep[m->cursor].size <= off)
        m->cursor++;
    for (size_t i = m->cursor; i < m->n_keep && m->keep[i].in_off < end && !m->error; i++) {
        const Keep *k = &m->keep[i];
        uint64_t a = k->in_off > off ? k->in_off : off;
        uint64_t b = k->in_off + k->size < end ? k->in_off + k->size : end;
        if (b > a)
            emit_at(m, k->out_off + (a - k->in_off), data + (a - off), (size_t)(b - a));
    }
    return m->error;
}

/* ------------------------------------------------------------ the API */

CoronerMinimalCore *coroner_minimal_core_new(const CoronerMinimalOptions *options,
                                             CoronerMinimalWriteFn write, void *user)
{
    static const CoronerCoreParserCallbacks callbacks = {
        .note = on_note,
        .data_start = on_data_start,
        .bytes = on_bytes,
    };
    CoronerMinimalCore *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->o = options;
    m->write = write;
    m->user = user;
    m->parser = coroner_core_parser_new(&callbacks, m, NOTE_MAX);
    if (!m->parser) {
        free(m);
        return NULL;
    }
    return m;
}

void coroner_minimal_core_free(CoronerMinimalCore *m)
{
    if (!m)
        return;
    coroner_core_parser_free(m->parser);
    free(m->notes);
    free(m->sps);
    free(m->file_maps);
    free(m->file_names);
    free(m->wants);
    free(m->keep);
    free(m->injects);
    free(m);
}

int coroner_minimal_core_feed(CoronerMinimalCore *m, const void *data, size_t n)
{
    if (m->error)
        return m->error;
    int r = coroner_core_parser_feed(m->parser, data, n);
    if (r < 0 && !m->error)
        m->error = r;
    return m->error;
}

int coroner_minimal_core_finish(CoronerMinimalCore *m)
{
    if (m->error)
        return m->error;
    if (coroner_core_parser_state(m->parser) != CORONER_CORE_PARSER_PARSED) {
        warn(m, "not an ELF core this writer can read: no minimal core");
        return -EINVAL;
    }
    if (!m->planned)
        make_plan(m);
    if (!coroner_core_parser_complete(m->parser))
        warn(m, "the core ended early: the minimal core's missing memory reads as zeros");
    /* Whatever the stream did not bring (a cut core) reads as zeros, so the file stays valid. */
    if (!m->error && m->out_pos < m->keep_end)
        emit_zeros(m, m->keep_end - m->out_pos);
    for (size_t i = 0; i < m->n_injects && !m->error; i++) {
        emit_zeros(m, m->injects[i].out_off - m->out_pos);
        for (uint64_t a = 0; a < m->injects[i].size && !m->error; a += PAGE)
            emit_inject_page(m, m->injects[i].vaddr + a);
    }
    m->stats.size = m->out_pos;
    return m->error;
}

const char *coroner_minimal_core_warning(const CoronerMinimalCore *m)
{
    return m->warning ? m->warning : coroner_core_parser_problem(m->parser);
}

void coroner_minimal_core_stats(const CoronerMinimalCore *m, CoronerMinimalStats *ret)
{
    *ret = m->stats;
    ret->size = m->out_pos > m->out_size ? m->out_pos : m->out_size;
}

/* ---------------------------------------------------------- /proc maps */

CoronerMapping *coroner_mappings_parse(const char *text, size_t *ret_n)
{
    *ret_n = 0;
    if (!text)
        return NULL;
    size_t lines = 1;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    size_t len = strlen(text);
    /* The names live in one block after the array, so one free releases both. */
    CoronerMapping *maps = malloc(lines * sizeof *maps + len + 1);
    if (!maps)
        return NULL;
    char *names = (char *)(maps + lines);
    memcpy(names, text, len + 1);
    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(names, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long long start, end, offset;
        char perms[8];
        int name_at = 0;
        if (sscanf(line, "%llx-%llx %7s %llx %*s %*s%n", &start, &end, perms, &offset,
                   &name_at) < 4 ||
            name_at == 0)
            continue;
        char *name = line + name_at;
        while (*name == ' ')
            name++;
        maps[n++] = (CoronerMapping){
            .start = start,
            .end = end,
            .file_offset = offset,
            .writable = perms[1] == 'w',
            .name = name,
        };
    }
    *ret_n = n;
    return maps;
}

void coroner_mappings_free(CoronerMapping *maps, size_t n)
{
    (void)n;
    free(maps);
}
