/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The minimal core's head: the core's own ELF header with new program
 * headers (one PT_NOTE, one PT_LOAD per kept or injected range, in address
 * order), each range at an output offset congruent to its address modulo the
 * page, as a kernel core has them.
 */
#include "minimal-core-internal.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

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

void minimal_write_head(CoronerMinimalCore *m)
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
    minimal_sort(loads, n_loads, sizeof *loads, load_out_by_vaddr);

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
    minimal_emit(m, head, head_len);
    free(head);
    minimal_emit(m, m->notes, m->notes_len);
    free(m->notes);
    m->notes = NULL;
    m->notes_cap = 0;
}
