/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stack core: a small, uncompressed, sparse ELF core built while the real
 * core streams past, holding only what a backtrace needs (docs/backtraces.md).
 *
 * It has the same layout and file offsets as the original core, so libdwfl
 * reads it as an ordinary core; everything not kept is a hole and reads as
 * zeros.  Kept: the ELF header, the program headers, every PT_NOTE, and from
 * the PT_LOAD segments the used part of each thread's stack (from its stack
 * pointer in NT_PRSTATUS upwards, capped per thread), the first page of every
 * segment (ELF headers: build-ids and dynamic sections of the mapped files)
 * and whole small segments (.dynamic, .got, r_debug, link_map).
 *
 * Plain C with no global state; memory stays bounded (a few KiB plus the ELF
 * program header table, at most 4 MiB) whatever the core's size, so it can run
 * inside the handler's unprivileged streaming child.  Input is untrusted: a
 * malformed core only makes the builder stop keeping data; only write errors
 * are errors.
 *
 * Usage, beside the zstd sink in core_stream()'s read loop:
 *
 *     CoronerStackCore *sc = coroner_stack_core_new(stack_fd, 64 << 20);
 *     while ((n = read(in_fd, chunk, sizeof chunk)) > 0) {
 *         ...compress chunk...
 *         if (sc && coroner_stack_core_feed(sc, chunk, n) < 0)
 *             ...give up on the stack core only: coroner_stack_core_free(sc), sc = NULL...
 *     }
 *     if (sc && coroner_stack_core_finish(sc, bytes_in) == 0)
 *         ...link stack_fd as <id>.stack beside the core...
 *     coroner_stack_core_free(sc);
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CoronerStackCore CoronerStackCore;

/* Per-thread cap on kept stack bytes, and the size up to which a segment is kept whole. */
#define CORONER_STACK_CORE_STACK_CAP (1u << 20)
#define CORONER_STACK_CORE_SMALL_SEGMENT (64u * 1024u)

/*
 * Starts a stack core written into out_fd (an empty regular file; written with
 * pwrite, so its position does not matter).  At most max_bytes of data are
 * written; past that the builder stops keeping data (the result is still a
 * valid, if less useful, core).  Returns NULL only when out of memory.
 */
CoronerStackCore *coroner_stack_core_new(int out_fd, uint64_t max_bytes);

/* Feeds the next n bytes of the core, in stream order.  0, or -errno of a failed write. */
int coroner_stack_core_feed(CoronerStackCore *s, const void *data, size_t n);

/*
 * Ends the stack core: sets the file's length to total_core_size (the
 * original core's length, so offsets stay valid; 0 means "what was fed").
 * 0, or -errno of a failed write or ftruncate.
 */
int coroner_stack_core_finish(CoronerStackCore *s, uint64_t total_core_size);

/*
 * NULL when the stack core is complete; else a sentence for the record's
 * errors saying why it may give a worse backtrace than the full core (notes
 * after the memory, not an ELF core, the byte cap...).  Valid until free.
 */
const char *coroner_stack_core_warning(const CoronerStackCore *s);

/* Bytes of data written so far (the file's allocated size, roughly). */
uint64_t coroner_stack_core_bytes_written(const CoronerStackCore *s);

void coroner_stack_core_free(CoronerStackCore *s);

#ifdef __cplusplus
}
#endif
