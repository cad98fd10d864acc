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
 *
 * This file: the API, the stream callbacks and the output.  The notes, the
 * plan and the head have files of their own (minimal-core-internal.h).
 */
#include "minimal-core-internal.h"

#include <errno.h>
#include <string.h>

void minimal_warn(CoronerMinimalCore *m, const char *why)
{
    if (!m->warning)
        m->warning = why;
}

/* -------------------------------------------------------------- output */

int minimal_emit(CoronerMinimalCore *m, const void *data, size_t n)
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
        minimal_emit(m, zeros, piece);
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
    minimal_emit(m, data, n);
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
    minimal_emit(m, page, sizeof page);
    m->stats.blob_bytes += PAGE;
}

static int on_data_start(void *user, const CoronerCoreParser *p, uint64_t off)
{
    CoronerMinimalCore *m = user;
    minimal_make_plan(m);
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
        .note = minimal_on_note,
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
        minimal_warn(m, "not an ELF core this writer can read: no minimal core");
        return -EINVAL;
    }
    if (!m->planned)
        minimal_make_plan(m);
    if (!coroner_core_parser_complete(m->parser))
        minimal_warn(m, "the core ended early: the minimal core's missing memory reads as zeros");
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
