/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The streaming ELF core parser: the one place that reads a core's ELF
 * header, program headers and notes while the core streams past (from the
 * kernel's pipe, or any other source, in chunks of any size).  The stack
 * core (stack-core.h), the minimal core (minimal-core.h) and the handler's
 * size check (core-stream.c) are built on it.
 *
 * The kernel writes a core as: ELF header, program headers, the PT_NOTE data
 * (NT_PRSTATUS per thread, NT_SIGINFO, NT_AUXV, NT_FILE...), then the PT_LOAD
 * data in address order.  The parser hands over, in stream order:
 *
 *   headers()     once, when the ELF header and the program header table are in;
 *   note()        each complete note (its body buffered up to note_max bytes);
 *   data_start()  once, just before the first byte of PT_LOAD data: every
 *                 note of a kernel core has been seen, so a plan can be made;
 *   bytes()       every byte of the stream from the start (the buffered head
 *                 is replayed), after the notes it contains were delivered.
 *
 * Plain C, no GLib, no global state; bounded memory (the head up to 4 MiB
 * and the largest note up to note_max) whatever the core's size.  Input is
 * untrusted: a malformed core makes the parser stop parsing (state and
 * coroner_core_parser_problem() say why), never crash.  A callback returning
 * a negative errno stops everything and is returned by feed.
 *
 * This is the entry point to fuzz: coroner_core_parser_new() with callbacks
 * (or none), coroner_core_parser_feed() with arbitrary bytes.
 */
#pragma once

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CoronerCoreParser CoronerCoreParser;

typedef enum {
    CORONER_CORE_PARSER_HEAD,        /* still reading the ELF header and program headers */
    CORONER_CORE_PARSER_PARSED,      /* headers known: segments, notes, data routed */
    CORONER_CORE_PARSER_NOT_CORE,    /* not a little-endian ELF core (ET_CORE) */
    CORONER_CORE_PARSER_UNSUPPORTED, /* an ELF core whose program headers we cannot buffer */
} CoronerCoreParserState;

typedef struct {
    uint32_t type;
    uint32_t flags;
    uint64_t offset, vaddr, filesz, memsz, align;
} CoronerCoreSegment;

typedef struct {
    uint32_t type;
    const char *name; /* namesz bytes (usually "CORE\0", "LINUX\0"), not always NUL-terminated */
    uint32_t namesz;
    const uint8_t *desc; /* NULL when the note is bigger than note_max (descsz still says its size) */
    uint32_t descsz;
    const uint8_t *raw; /* the whole note as it was in the core (header, padded name and desc) */
    size_t raw_len;     /* 12 + padded name + padded desc */
    uint64_t offset;    /* where the note starts in the core */
    size_t index;       /* 0, 1, 2... in the order of the core */
} CoronerCoreNote;

typedef struct {
    int (*headers)(void *user, const CoronerCoreParser *parser);
    int (*note)(void *user, const CoronerCoreParser *parser, const CoronerCoreNote *note);
    int (*data_start)(void *user, const CoronerCoreParser *parser, uint64_t offset);
    int (*bytes)(void *user, const CoronerCoreParser *parser, const uint8_t *data, size_t n,
                 uint64_t offset);
} CoronerCoreParserCallbacks;

/* The program header table of a core with 65535 segments is 3.6 MiB; never buffer more. */
#define CORONER_CORE_PARSER_HEAD_MAX (4u * 1024u * 1024u)

/*
 * A parser calling callbacks (each may be NULL; the struct is copied) with
 * user.  Note bodies up to note_max bytes are delivered whole; bigger ones
 * with desc NULL.  NULL only when out of memory.
 */
CoronerCoreParser *coroner_core_parser_new(const CoronerCoreParserCallbacks *callbacks,
                                           void *user, size_t note_max);

/* The next n bytes of the core, in stream order.  0, or the first callback's -errno. */
int coroner_core_parser_feed(CoronerCoreParser *p, const void *data, size_t n);

/*
 * The end of the stream: when the data start was never reached (a core of
 * notes only, or cut short), data_start() is not called; this says whether
 * the stream was as long as the program headers announce.
 */
bool coroner_core_parser_complete(const CoronerCoreParser *p);

void coroner_core_parser_free(CoronerCoreParser *p);

CoronerCoreParserState coroner_core_parser_state(const CoronerCoreParser *p);
/* A static sentence saying why parsing stopped or was partial, NULL if all went well. */
const char *coroner_core_parser_problem(const CoronerCoreParser *p);
/* Bytes fed so far. */
uint64_t coroner_core_parser_position(const CoronerCoreParser *p);

/* Valid from headers() on. */
/* The core's ELF header in libelf's class-neutral form (its class: e_ident[EI_CLASS]). */
const GElf_Ehdr *coroner_core_parser_ehdr(const CoronerCoreParser *p);
const CoronerCoreSegment *coroner_core_parser_segments(const CoronerCoreParser *p, size_t *ret_n);
/* The ELF header and the program header table, as in the core (NULL after data_start()). */
const uint8_t *coroner_core_parser_head(const CoronerCoreParser *p, size_t *ret_len);
/* max(p_offset + p_filesz) and the end of the header table: what a complete core needs. */
uint64_t coroner_core_parser_expected_size(const CoronerCoreParser *p);
/* Offset of the first PT_LOAD byte (UINT64_MAX if none) and the end of the last PT_NOTE. */
uint64_t coroner_core_parser_first_load(const CoronerCoreParser *p);
uint64_t coroner_core_parser_notes_end(const CoronerCoreParser *p);

/*
 * What an NT_PRSTATUS says: the thread id and the signal (pr_pid, pr_cursig:
 * the same place on every Linux architecture of a class), and the stack
 * pointer (per architecture: x86_64, aarch64, i386).  False for a short note
 * or, for the stack pointer, another machine.
 */
bool coroner_core_prstatus_tid(const CoronerCoreParser *p, const CoronerCoreNote *note,
                               int64_t *ret_tid);
bool coroner_core_prstatus_signal(const CoronerCoreParser *p, const CoronerCoreNote *note,
                                  int *ret_signal);
bool coroner_core_prstatus_sp(const CoronerCoreParser *p, const CoronerCoreNote *note,
                              uint64_t *ret_sp);
/*
 * For a parser's note(): when note is a thread's NT_PRSTATUS, its stack
 * pointer is appended to *sps (*n_sps used, at most max; a failed allocation
 * leaves it out) and the answer is 1, or -1 when this architecture's stack
 * pointer is not known; 0 for any other note.
 */
int coroner_core_thread_sp(const CoronerCoreParser *p, const CoronerCoreNote *note,
                           uint64_t **sps, size_t *n_sps, size_t max);

/* A note named "CORE" or "LINUX" (the kernel's), as the types are only unique per name. */
bool coroner_core_note_is_kernel(const CoronerCoreNote *note, const char *name);
/* A word of the core's class (8 bytes in ELFCLASS64, 4 in ELFCLASS32) and its value at at. */
size_t coroner_core_word_size(const CoronerCoreParser *p);
uint64_t coroner_core_word(const CoronerCoreParser *p, const uint8_t *at);

#ifdef __cplusplus
}
#endif
