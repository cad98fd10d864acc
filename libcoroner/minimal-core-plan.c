/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The minimal core's plan, made when the memory starts: which address ranges
 * the recept keeps (stacks, module headers and data, buffers, mappings by
 * name), cut by the byte cap in priority order, merged, cut again along the
 * core's loaded segments; and the pages of blobs the core has no memory for.
 */
#include "minimal-core-internal.h"

#include "array-grow.h"

#include <elf.h>
#include <errno.h>
#include <fnmatch.h>
#include <string.h>

/* An overflowed stack's pointer sits below its mapping, in the guard page: look this far up. */
#define OVERFLOW_REACH (64u * 1024u)
/* The vDSO is an ELF image the debugger reads from memory; it is a few pages. */
#define VDSO_MAX (64u * 1024u)

static bool want(CoronerMinimalCore *m, uint64_t start, uint64_t end, int priority)
{
    return end <= start ||
           CORONER_ARRAY_APPEND(m->wants, m->n_wants, m->cap_wants, ((Want){start, end, priority}));
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
    Keep k = {
        .in_off = g->offset + (start - g->vaddr),
        .vaddr = start,
        .size = end - start,
        .flags = g->flags,
    };
    return CORONER_ARRAY_APPEND(m->keep, m->n_keep, m->cap_keep, k);
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
        minimal_warn(m, "too many ranges for one core; the rest was left out");
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
    minimal_sort(pages, n, sizeof *pages, blob_by_address);
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

void minimal_make_plan(CoronerMinimalCore *m)
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
    minimal_sort(loads, n_loads, sizeof *loads, load_by_vaddr);

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
    minimal_sort(m->wants, m->n_wants, sizeof *m->wants, want_by_priority);
    uint64_t budget = o->max_bytes ? o->max_bytes : UINT64_MAX;
    for (size_t i = 0; i < m->n_wants; i++) {
        uint64_t size = m->wants[i].end - m->wants[i].start;
        if (size > budget) {
            m->wants[i].end = m->wants[i].start + budget;
            minimal_warn(m, "the recept's byte cap was reached; some ranges were cut or left out");
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
        m->wants[i].end = page_up(m->wants[i].end);
    }
    /* Merge, then cut along the loaded segments (one PT_LOAD per piece). */
    minimal_sort(m->wants, m->n_wants, sizeof *m->wants, want_by_start);
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
                minimal_warn(m, "too many ranges for one core; the rest was left out");
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
    minimal_sort(m->keep, m->n_keep, sizeof *m->keep, keep_by_offset);
    out = 0;
    for (size_t i = 0; i < m->n_keep; i++) {
        if (out > 0 && m->keep[i].in_off < m->keep[out - 1].in_off + m->keep[out - 1].size) {
            minimal_warn(m, "the core's segments overlap; overlapping ranges were left out");
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

    minimal_add_own_notes(m, segments, n_segments);
    minimal_write_head(m);
}
