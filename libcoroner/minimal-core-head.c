/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The minimal core's head: the core's own ELF header with new program
 * headers (one PT_NOTE, one PT_LOAD per kept or injected range, in address
 * order), each range at an output offset congruent to its address modulo the
 * page, as a kernel core has them.
 */
#include "minimal-core-internal.h"

#include <errno.h>
#include <gelf.h>
#include <string.h>

static int load_by_vaddr(const void *a, const void *b)
{
    const GElf_Phdr *x = a, *y = b;
    return x->p_vaddr < y->p_vaddr ? -1 : x->p_vaddr > y->p_vaddr;
}

/* The next output offset from at congruent to vaddr modulo the page. */
static uint64_t congruent(uint64_t at, uint64_t vaddr)
{
    uint64_t out = (at - at % PAGE) + vaddr % PAGE;
    return out < at ? out + PAGE : out;
}

static GElf_Phdr load_header(uint64_t vaddr, uint64_t offset, uint64_t size, uint32_t flags)
{
    return (GElf_Phdr){.p_type = PT_LOAD, .p_flags = flags, .p_offset = offset,
                       .p_vaddr = vaddr, .p_filesz = size, .p_memsz = size, .p_align = PAGE};
}

/*
 * Writes the head in the core's class.  GElf's structures are the ELFCLASS64
 * ones; a 32-bit core's are narrowed (its offsets and addresses fit: they
 * come from the 32-bit core).
 */
static void put_head(uint8_t *head, bool is64, const GElf_Ehdr *eh, const GElf_Phdr *ph,
                     size_t phnum)
{
    if (is64) {
        memcpy(head, eh, sizeof *eh);
        memcpy(head + sizeof *eh, ph, phnum * sizeof *ph);
        return;
    }
    Elf32_Ehdr e = {
        .e_type = eh->e_type, .e_machine = eh->e_machine, .e_version = eh->e_version,
        .e_entry = (Elf32_Addr)eh->e_entry, .e_phoff = (Elf32_Off)eh->e_phoff,
        .e_shoff = (Elf32_Off)eh->e_shoff, .e_flags = eh->e_flags, .e_ehsize = eh->e_ehsize,
        .e_phentsize = eh->e_phentsize, .e_phnum = eh->e_phnum,
        .e_shentsize = eh->e_shentsize, .e_shnum = eh->e_shnum, .e_shstrndx = eh->e_shstrndx,
    };
    memcpy(e.e_ident, eh->e_ident, EI_NIDENT);
    memcpy(head, &e, sizeof e);
    for (size_t i = 0; i < phnum; i++) {
        Elf32_Phdr q = {
            .p_type = ph[i].p_type, .p_flags = ph[i].p_flags,
            .p_offset = (Elf32_Off)ph[i].p_offset, .p_vaddr = (Elf32_Addr)ph[i].p_vaddr,
            .p_paddr = (Elf32_Addr)ph[i].p_paddr, .p_filesz = (Elf32_Word)ph[i].p_filesz,
            .p_memsz = (Elf32_Word)ph[i].p_memsz, .p_align = (Elf32_Word)ph[i].p_align,
        };
        memcpy(head + sizeof e + i * sizeof q, &q, sizeof q);
    }
}

void minimal_write_head(CoronerMinimalCore *m)
{
    const CoronerCoreParser *p = m->parser;
    bool is64 = coroner_core_parser_ehdr(p)->e_ident[EI_CLASS] == ELFCLASS64;
    size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    size_t phentsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    size_t n_loads = m->n_keep + m->n_injects;
    size_t phnum = 1 + n_loads;
    uint64_t notes_off = ehsize + phnum * phentsize;

    /*
     * Output offsets: after the notes, each range congruent to its address
     * modulo the page; the kept ranges in stream order, then the injected ones.
     */
    GElf_Phdr *ph = calloc(phnum, sizeof *ph);
    size_t head_len = ehsize + phnum * phentsize;
    uint8_t *head = calloc(1, head_len);
    if (!ph || !head) {
        free(ph);
        free(head);
        m->error = -ENOMEM;
        return;
    }
    ph[0] = (GElf_Phdr){.p_type = PT_NOTE, .p_offset = notes_off, .p_filesz = m->notes_len};
    GElf_Phdr *loads = ph + 1;
    uint64_t at = notes_off + m->notes_len;
    for (size_t i = 0; i < m->n_keep; i++) {
        Keep *k = &m->keep[i];
        k->out_off = congruent(at, k->vaddr);
        at = k->out_off + k->size;
        m->stats.memory_kept += k->size;
        loads[i] = load_header(k->vaddr, k->out_off, k->size, k->flags);
    }
    m->keep_end = at;
    for (size_t i = 0; i < m->n_injects; i++) {
        Inject *in = &m->injects[i];
        in->out_off = congruent(at, in->vaddr);
        at = in->out_off + in->size;
        loads[m->n_keep + i] = load_header(in->vaddr, in->out_off, in->size, PF_R | PF_W);
    }
    m->out_size = at;
    /* Program headers in address order, as the kernel writes them and debuggers expect. */
    minimal_sort(loads, n_loads, sizeof *loads, load_by_vaddr);

    /* The core's own ELF header, pointing at the new program headers and without sections. */
    GElf_Ehdr eh = *coroner_core_parser_ehdr(p);
    eh.e_phoff = ehsize;
    eh.e_phnum = (GElf_Half)phnum;
    eh.e_shoff = 0;
    eh.e_shnum = 0;
    eh.e_shstrndx = SHN_UNDEF;
    eh.e_shentsize = 0;
    put_head(head, is64, &eh, ph, phnum);
    free(ph);
    minimal_emit(m, head, head_len);
    free(head);
    minimal_emit(m, m->notes, m->notes_len);
    free(m->notes);
    m->notes = NULL;
    m->notes_cap = 0;
}
