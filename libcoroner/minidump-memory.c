/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The minidump's memory list and memory info list. */
#include <elf.h>

#include "minidump-format.h"
#include "minidump-out.h"

gboolean md_write_memory_list(Out *o, GError **error)
{
    return md_out_list_stream(o, MD_MEMORY_LIST_STREAM, o->memory->data, o->memory->len,
                              sizeof(MDMemoryDescriptor), error);
}

static uint32_t protection(uint32_t p_flags)
{
    gboolean r = p_flags & PF_R, w = p_flags & PF_W, x = p_flags & PF_X;
    if (x)
        return w   ? MD_MEMORY_PROTECT_EXECUTE_READWRITE
               : r ? MD_MEMORY_PROTECT_EXECUTE_READ
                   : MD_MEMORY_PROTECT_EXECUTE;
    if (w)
        return MD_MEMORY_PROTECT_READWRITE;
    return r ? MD_MEMORY_PROTECT_READONLY : MD_MEMORY_PROTECT_NOACCESS;
}

/* Every mapping with its protection: where a stack walker may look, and what was code. */
gboolean md_write_memory_info(Out *o, const CoronerElfCore *c, GError **error)
{
    MDRawMemoryInfoList h = {sizeof h, sizeof(MDRawMemoryInfo), c->regions->len};
    if (!md_out_reserve(o, sizeof h + c->regions->len * sizeof(MDRawMemoryInfo), error))
        return FALSE;
    uint32_t rva = md_out_append(o, &h, sizeof h, error);
    for (guint i = 0; i < c->regions->len; i++) {
        const CoronerElfCoreRegion *r = &g_array_index(c->regions, CoronerElfCoreRegion, i);
        MDRawMemoryInfo mi = {
            .base_address = r->vaddr,
            .allocation_base = r->vaddr,
            .allocation_protection = protection(r->flags),
            .region_size = r->memsz,
            .state = MD_MEMORY_STATE_COMMIT,
            .protection = protection(r->flags),
            .type = MD_MEMORY_TYPE_PRIVATE,
        };
        g_byte_array_append(o->buf, (const guint8 *)&mi, sizeof mi);
    }
    md_out_stream(o, MD_MEMORY_INFO_LIST_STREAM, rva,
               sizeof h + c->regions->len * sizeof(MDRawMemoryInfo));
    return TRUE;
}
