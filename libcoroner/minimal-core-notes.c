/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The minimal core's notes: the kernel's, kept in memory as they pass (they
 * come before the memory, and are small), and ours under the name CORONER.
 */
#include "minimal-core-internal.h"

#include <elf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
    char *data;
    size_t len, cap;
    bool failed;
} Text;

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
    size_t word = coroner_core_word_size(p);
    const uint8_t *d = note->desc;
    size_t size = note->descsz;
    if (m->file_maps || size < 2 * word)
        return;
#define WORD(at) coroner_core_word(p, d + (at))
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
    size_t word = coroner_core_word_size(p);
    for (size_t at = 0; at + 2 * word <= note->descsz; at += 2 * word) {
        uint64_t key = coroner_core_word(p, note->desc + at);
        uint64_t value = coroner_core_word(p, note->desc + at + word);
        if (key == AT_SYSINFO_EHDR)
            m->sysinfo_ehdr = value;
    }
}

int minimal_on_note(void *user, const CoronerCoreParser *p, const CoronerCoreNote *note)
{
    CoronerMinimalCore *m = user;
    bool kernel = coroner_core_note_is_kernel(note, "CORE");
    bool linux_note = coroner_core_note_is_kernel(note, "LINUX");
    int thread = coroner_core_thread_sp(p, note, &m->sps, &m->n_sps, SIZE_MAX);
    if (thread != 0) {
        m->threads++;
        m->stats.threads++;
    }
    if (thread < 0)
        minimal_warn(m, "the minimal core does not know this architecture's stack pointer: "
                        "no thread stacks were kept");
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
        minimal_warn(m, "a note was too big for the minimal core and was left out");
        count_dropped(m, note->type, size);
        return 0;
    }
    if (!notes_append(m, note->raw, note->raw_len)) {
        minimal_warn(m, "the notes exceed the minimal core's note budget; later notes were left out");
        count_dropped(m, note->type, size);
    }
    return 0;
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

void minimal_add_own_notes(CoronerMinimalCore *m, const CoronerCoreSegment *segments,
                           size_t n_segments)
{
    const CoronerMinimalOptions *o = m->o;
    if (!o->keep_all) {
        Text t = {0};
        describe_dropped(m, segments, n_segments, &t);
        if (t.failed || !notes_append_own(m, CORONER_NT_MINIMAL, t.data, t.len, NULL, 0))
            minimal_warn(m, "the list of what was left out did not fit the minimal core");
        free(t.data);
    }
    for (size_t i = 0; i < o->n_files; i++) {
        const CoronerFileCopy *f = &o->files[i];
        if (!notes_append_own(m, CORONER_NT_FILE_COPY, f->name, strlen(f->name) + 1, f->data,
                              f->size))
            minimal_warn(m, "a /proc file did not fit the minimal core's note budget");
    }
}
