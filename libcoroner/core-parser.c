/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The streaming ELF core parser (see core-parser.h).
 *
 * The head (ELF header and program header table) is buffered until it is
 * complete, then parsed and replayed through the same path as the rest of the
 * stream: bytes inside a PT_NOTE go through the note parser first, then every
 * byte goes to bytes().  The data start is the first PT_LOAD byte: a piece of
 * stream is split there so data_start() runs before any memory is delivered.
 */
#include "core-parser.h"

#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t header[12];
    size_t header_have;
    uint32_t namesz, descsz, type;
    uint64_t body_len; /* name and desc, each padded to 4 */
    uint64_t body_have;
    uint64_t start;    /* stream offset of the note's first byte */
    bool keep;         /* body buffered in raw */
} NoteState;

struct CoronerCoreParser {
    CoronerCoreParserCallbacks cb;
    void *user;
    size_t note_max;

    CoronerCoreParserState state;
    const char *problem;
    int error;
    uint64_t pos;

    uint8_t *head;
    size_t head_len;
    uint64_t table_end;
    bool is64;
    uint16_t machine;
    GElf_Ehdr ehdr;

    CoronerCoreSegment *segments;
    size_t n_segments;
    uint64_t first_load;
    uint64_t notes_end;
    uint64_t expected;
    bool data_started;

    size_t note_segment; /* which PT_NOTE the note state belongs to, SIZE_MAX for none */
    NoteState note;
    uint8_t *raw; /* 12 + body_len bytes of the note being kept */
    size_t raw_cap;
    size_t n_notes;
};

static void set_problem(CoronerCoreParser *p, const char *why)
{
    if (!p->problem)
        p->problem = why;
}

CoronerCoreParser *coroner_core_parser_new(const CoronerCoreParserCallbacks *callbacks, void *user,
                                           size_t note_max)
{
    CoronerCoreParser *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    if (callbacks)
        p->cb = *callbacks;
    p->user = user;
    p->note_max = note_max;
    p->note_segment = SIZE_MAX;
    p->first_load = UINT64_MAX;
    elf_version(EV_CURRENT);
    return p;
}

void coroner_core_parser_free(CoronerCoreParser *p)
{
    if (!p)
        return;
    free(p->head);
    free(p->segments);
    free(p->raw);
    free(p);
}

CoronerCoreParserState coroner_core_parser_state(const CoronerCoreParser *p)
{
    return p->state;
}

const char *coroner_core_parser_problem(const CoronerCoreParser *p)
{
    return p->problem;
}

uint64_t coroner_core_parser_position(const CoronerCoreParser *p)
{
    return p->pos;
}

const GElf_Ehdr *coroner_core_parser_ehdr(const CoronerCoreParser *p)
{
    return &p->ehdr;
}

const CoronerCoreSegment *coroner_core_parser_segments(const CoronerCoreParser *p, size_t *ret_n)
{
    *ret_n = p->n_segments;
    return p->segments;
}

const uint8_t *coroner_core_parser_head(const CoronerCoreParser *p, size_t *ret_len)
{
    if (!p->head || p->state != CORONER_CORE_PARSER_PARSED) {
        *ret_len = 0;
        return NULL;
    }
    *ret_len = (size_t)p->table_end;
    return p->head;
}

uint64_t coroner_core_parser_expected_size(const CoronerCoreParser *p)
{
    return p->expected;
}

uint64_t coroner_core_parser_first_load(const CoronerCoreParser *p)
{
    return p->first_load;
}

uint64_t coroner_core_parser_notes_end(const CoronerCoreParser *p)
{
    return p->notes_end;
}

bool coroner_core_parser_complete(const CoronerCoreParser *p)
{
    return p->state == CORONER_CORE_PARSER_PARSED && p->pos >= p->expected;
}

/* Parses the ELF header and program headers; false while more bytes are needed. */
static bool parse_head(CoronerCoreParser *p)
{
    const uint8_t *b = p->head;
    size_t have = p->head_len;
    if (have < EI_NIDENT)
        return false;
    if (memcmp(b, ELFMAG, SELFMAG) != 0 ||
        (b[EI_CLASS] != ELFCLASS64 && b[EI_CLASS] != ELFCLASS32) || b[EI_DATA] != ELFDATA2LSB) {
        p->state = CORONER_CORE_PARSER_NOT_CORE;
        set_problem(p, "not a little-endian ELF file");
        return true;
    }
    p->is64 = b[EI_CLASS] == ELFCLASS64;
    size_t ehsize = p->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (have < ehsize)
        return false;
    /* libelf reads either class into its class-neutral GElf structures. */
    Elf *elf = elf_memory((char *)b, have);
    GElf_Ehdr *eh = elf ? gelf_getehdr(elf, &p->ehdr) : NULL;
    if (!eh || eh->e_type != ET_CORE ||
        eh->e_phentsize != gelf_fsize(elf, ELF_T_PHDR, 1, EV_CURRENT)) {
        elf_end(elf);
        p->state = CORONER_CORE_PARSER_NOT_CORE;
        set_problem(p, "not an ELF core");
        return true;
    }
    uint64_t phoff = eh->e_phoff;
    unsigned phnum = eh->e_phnum, phentsize = eh->e_phentsize;
    p->machine = eh->e_machine;
    /* With PN_XNUM the real count is in section 0, which the kernel writes after the memory. */
    if (phnum == PN_XNUM || phoff > CORONER_CORE_PARSER_HEAD_MAX ||
        phoff + (uint64_t)phnum * phentsize > CORONER_CORE_PARSER_HEAD_MAX) {
        elf_end(elf);
        p->state = CORONER_CORE_PARSER_UNSUPPORTED;
        set_problem(p, "the core's program header table is too big or out of place");
        return true;
    }
    uint64_t table_end = phoff + (uint64_t)phnum * phentsize;
    if (table_end < ehsize)
        table_end = ehsize;
    if (have < table_end) {
        elf_end(elf);
        return false;
    }

    p->segments = calloc(phnum ? phnum : 1, sizeof *p->segments);
    if (!p->segments) {
        elf_end(elf);
        p->state = CORONER_CORE_PARSER_UNSUPPORTED;
        set_problem(p, "out of memory while reading the program headers");
        return true;
    }
    p->table_end = table_end;
    p->expected = table_end;
    for (unsigned i = 0; i < phnum; i++) {
        CoronerCoreSegment *g = &p->segments[p->n_segments];
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, (int)i, &ph)) {
            set_problem(p, "the core has a program header libelf cannot read; it was ignored");
            continue;
        }
        *g = (CoronerCoreSegment){ph.p_type,  ph.p_flags, ph.p_offset, ph.p_vaddr,
                                  ph.p_filesz, ph.p_memsz, ph.p_align};
        /* A loaded segment's file bytes are memory too, whatever p_memsz claims. */
        if (g->type == PT_LOAD && g->memsz < g->filesz)
            g->memsz = g->filesz;
        /* Wrapping offsets or addresses are nonsense: such a segment is ignored. */
        if (g->offset + g->filesz < g->offset || g->vaddr + g->memsz < g->vaddr) {
            set_problem(p, "the core has program headers that make no sense; they were ignored");
            continue;
        }
        if (g->filesz > 0 && g->offset + g->filesz > p->expected)
            p->expected = g->offset + g->filesz;
        if (g->type == PT_LOAD && g->filesz > 0 && g->offset < p->first_load)
            p->first_load = g->offset;
        if (g->type == PT_NOTE && g->offset + g->filesz > p->notes_end)
            p->notes_end = g->offset + g->filesz;
        p->n_segments++;
    }
    elf_end(elf);
    if (p->first_load < p->notes_end)
        set_problem(p, "the core's notes come after its memory (not a kernel core?)");
    p->state = CORONER_CORE_PARSER_PARSED;
    return true;
}

static void fail(CoronerCoreParser *p, int r)
{
    if (r < 0 && !p->error)
        p->error = r;
}

static void note_done(CoronerCoreParser *p)
{
    NoteState *n = &p->note;
    uint64_t name_len = ((uint64_t)n->namesz + 3) & ~(uint64_t)3;
    CoronerCoreNote note = {
        .type = n->type,
        .namesz = n->namesz,
        .descsz = n->descsz,
        .offset = n->start,
        .index = p->n_notes++,
    };
    if (n->keep) {
        note.raw = p->raw;
        note.raw_len = (size_t)(12 + n->body_len);
        note.name = (const char *)p->raw + 12;
        note.desc = p->raw + 12 + name_len;
    } else {
        note.raw = n->header;
        note.raw_len = 12;
        set_problem(p, "a note was too big to read");
    }
    if (p->cb.note)
        fail(p, p->cb.note(p->user, p, &note));
    n->header_have = 0;
    n->body_have = 0;
    n->body_len = 0;
    n->keep = false;
}

/* Feeds bytes of a PT_NOTE segment, starting at stream offset off. */
static void notes_feed(CoronerCoreParser *p, const uint8_t *data, size_t len, uint64_t off)
{
    NoteState *n = &p->note;
    while (len > 0 && !p->error) {
        if (n->header_have < sizeof n->header) {
            if (n->header_have == 0)
                n->start = off;
            size_t take = sizeof n->header - n->header_have;
            if (take > len)
                take = len;
            memcpy(n->header + n->header_have, data, take);
            n->header_have += take;
            data += take;
            len -= take;
            off += take;
            if (n->header_have < sizeof n->header)
                return;
            memcpy(&n->namesz, n->header, 4);
            memcpy(&n->descsz, n->header + 4, 4);
            memcpy(&n->type, n->header + 8, 4);
            n->body_len = (((uint64_t)n->namesz + 3) & ~(uint64_t)3) +
                          (((uint64_t)n->descsz + 3) & ~(uint64_t)3);
            n->body_have = 0;
            n->keep = n->body_len <= p->note_max;
            if (n->keep && 12 + n->body_len > p->raw_cap) {
                uint8_t *raw = realloc(p->raw, (size_t)(12 + n->body_len));
                if (raw) {
                    p->raw = raw;
                    p->raw_cap = (size_t)(12 + n->body_len);
                } else {
                    n->keep = false;
                }
            }
            if (n->keep)
                memcpy(p->raw, n->header, 12);
            if (n->body_len == 0) {
                note_done(p);
                continue;
            }
        }
        uint64_t want = n->body_len - n->body_have;
        size_t take = want < len ? (size_t)want : len;
        if (n->keep)
            memcpy(p->raw + 12 + n->body_have, data, take);
        n->body_have += take;
        data += take;
        len -= take;
        off += take;
        if (n->body_have == n->body_len)
            note_done(p);
    }
}

/* Routes the note bytes in [off, off+n) to the note parser, segment by segment. */
static void notes_piece(CoronerCoreParser *p, const uint8_t *data, size_t n, uint64_t off)
{
    uint64_t end = off + n;
    for (size_t i = 0; i < p->n_segments && !p->error; i++) {
        const CoronerCoreSegment *g = &p->segments[i];
        if (g->type != PT_NOTE || g->filesz == 0)
            continue;
        uint64_t a = g->offset > off ? g->offset : off;
        uint64_t b = g->offset + g->filesz < end ? g->offset + g->filesz : end;
        if (b <= a)
            continue;
        if (p->note_segment != i) {
            /* A new note segment starts a new note sequence. */
            memset(&p->note, 0, sizeof p->note);
            p->note_segment = i;
        }
        notes_feed(p, data + (a - off), (size_t)(b - a), a);
    }
}

/* Handles stream bytes [off, off+n) once the headers are known. */
static void process(CoronerCoreParser *p, const uint8_t *data, size_t n, uint64_t off)
{
    while (n > 0 && !p->error) {
        if (!p->data_started && off >= p->first_load) {
            p->data_started = true;
            if (p->cb.data_start)
                fail(p, p->cb.data_start(p->user, p, off));
            if (p->error)
                return;
        }
        size_t piece = n;
        if (!p->data_started && p->first_load - off < piece)
            piece = (size_t)(p->first_load - off);
        if (off < p->notes_end)
            notes_piece(p, data, piece, off);
        if (p->cb.bytes && !p->error)
            fail(p, p->cb.bytes(p->user, p, data, piece, off));
        data += piece;
        n -= piece;
        off += piece;
    }
}

/* Once the data has started nobody needs the head any more (never freed while being replayed). */
static void drop_head(CoronerCoreParser *p)
{
    if (p->data_started && p->head) {
        free(p->head);
        p->head = NULL;
    }
}

int coroner_core_parser_feed(CoronerCoreParser *p, const void *data, size_t n)
{
    const uint8_t *b = data;
    if (p->error)
        return p->error;
    if (n == 0)
        return 0;
    if (p->state == CORONER_CORE_PARSER_HEAD) {
        size_t room = CORONER_CORE_PARSER_HEAD_MAX - p->head_len;
        size_t take = n < room ? n : room;
        uint8_t *head = realloc(p->head, p->head_len + take);
        if (!head) {
            p->state = CORONER_CORE_PARSER_UNSUPPORTED;
            set_problem(p, "out of memory while reading the core's headers");
            p->pos += n;
            return 0;
        }
        p->head = head;
        memcpy(p->head + p->head_len, b, take);
        p->head_len += take;
        if (!parse_head(p)) {
            if (p->head_len >= CORONER_CORE_PARSER_HEAD_MAX) {
                p->state = CORONER_CORE_PARSER_UNSUPPORTED;
                set_problem(p, "the core's headers do not fit the parser's buffer");
            }
            p->pos += n;
            return 0;
        }
        if (p->state != CORONER_CORE_PARSER_PARSED) {
            free(p->head);
            p->head = NULL;
            p->pos += n;
            return 0;
        }
        if (p->cb.headers)
            fail(p, p->cb.headers(p->user, p));
        /* Replay what was buffered, then go on with the rest of this chunk. */
        uint64_t start = p->pos;
        size_t head_len = p->head_len;
        uint8_t *replay = p->head;
        /* The head stays readable (coroner_core_parser_head) until the data starts. */
        if (!p->error)
            process(p, replay, head_len, 0);
        if (take < n && !p->error)
            process(p, b + take, n - take, start + take);
        p->pos = start + n;
        drop_head(p);
        return p->error;
    }
    if (p->state == CORONER_CORE_PARSER_PARSED) {
        process(p, b, n, p->pos);
        drop_head(p);
    }
    p->pos += n;
    return p->error;
}

size_t coroner_core_word_size(const CoronerCoreParser *p)
{
    return p->is64 ? 8 : 4;
}

uint64_t coroner_core_word(const CoronerCoreParser *p, const uint8_t *at)
{
    /* Little-endian cores only (see parse_head), on a little-endian host. */
    uint64_t v = 0;
    memcpy(&v, at, coroner_core_word_size(p));
    return v;
}

bool coroner_core_note_is_kernel(const CoronerCoreNote *note, const char *name)
{
    size_t len = strlen(name) + 1;
    return note->name && note->namesz == len && memcmp(note->name, name, len) == 0;
}

/*
 * struct elf_prstatus starts with a 12-byte elf_siginfo, pr_cursig (a short,
 * padded to 4), then two longs of signal masks and pr_pid; its registers
 * (pr_reg) follow at an offset each architecture fixes.
 */
#define PRSTATUS_CURSIG 12

static size_t prstatus_pid_offset(const CoronerCoreParser *p)
{
    return p->is64 ? 32 : 24;
}

static bool prstatus_sp_offset(const CoronerCoreParser *p, size_t *ret_sp)
{
    switch (p->machine) {
    case EM_X86_64:
        *ret_sp = 112 + 19 * 8; /* user_regs_struct.rsp */
        return p->is64;
    case EM_AARCH64:
        *ret_sp = 112 + 31 * 8; /* user_pt_regs.sp */
        return p->is64;
    case EM_386:
        *ret_sp = 72 + 15 * 4; /* user_regs_struct.esp */
        return !p->is64;
    default:
        return false;
    }
}

/* n bytes at offset at of an NT_PRSTATUS's desc; false if the note is none or too short. */
static bool prstatus_field(const CoronerCoreNote *note, size_t at, void *ret, size_t n)
{
    if (note->type != NT_PRSTATUS || !note->desc || note->descsz < at + n)
        return false;
    memcpy(ret, note->desc + at, n);
    return true;
}

bool coroner_core_prstatus_tid(const CoronerCoreParser *p, const CoronerCoreNote *note,
                               int64_t *ret_tid)
{
    int32_t tid;
    if (!prstatus_field(note, prstatus_pid_offset(p), &tid, sizeof tid))
        return false;
    *ret_tid = tid;
    return true;
}

bool coroner_core_prstatus_signal(const CoronerCoreParser *p, const CoronerCoreNote *note,
                                  int *ret_signal)
{
    int16_t sig;
    if (!prstatus_field(note, PRSTATUS_CURSIG, &sig, sizeof sig))
        return false;
    *ret_signal = sig;
    return true;
}

int coroner_core_thread_sp(const CoronerCoreParser *p, const CoronerCoreNote *note,
                           uint64_t **sps, size_t *n_sps, size_t max)
{
    uint64_t sp;
    if (note->type != NT_PRSTATUS || !coroner_core_note_is_kernel(note, "CORE"))
        return 0;
    if (!coroner_core_prstatus_sp(p, note, &sp))
        return -1;
    if (*n_sps >= max)
        return 1;
    uint64_t *grown = realloc(*sps, (*n_sps + 1) * sizeof *grown);
    if (grown) {
        *sps = grown;
        grown[(*n_sps)++] = sp;
    }
    return 1;
}

bool coroner_core_prstatus_sp(const CoronerCoreParser *p, const CoronerCoreNote *note,
                              uint64_t *ret_sp)
{
    size_t sp_at;
    uint8_t word[8];
    if (!prstatus_sp_offset(p, &sp_at) ||
        !prstatus_field(note, sp_at, word, coroner_core_word_size(p)))
        return false;
    *ret_sp = coroner_core_word(p, word);
    return true;
}
