/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The minidump being written: an append-only buffer, its directory, its memory list. */
#include "minidump-out.h"

#include <string.h>

#include "minidump-format.h"

void md_warn(Out *o, const char *format, ...)
{
    if (!o->warnings)
        return;
    va_list ap;
    va_start(ap, format);
    g_ptr_array_add(o->warnings, g_strdup_vprintf(format, ap));
    va_end(ap);
}


gboolean md_out_reserve(Out *o, gsize length, GError **error)
{
    if ((uint64_t)o->buf->len + length + 8 > MIN(o->max_bytes, MD_MAX_RVA)) {
        g_set_error(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_FAILED,
                    "the minidump would exceed %" G_GUINT64_FORMAT " bytes",
                    MIN(o->max_bytes, MD_MAX_RVA));
        return FALSE;
    }
    return TRUE;
}

/* Appends data at the next 8-byte boundary; returns its RVA, 0 when over the cap. */
uint32_t md_out_append(Out *o, const void *data, gsize length, GError **error)
{
    if (!md_out_reserve(o, length, error))
        return 0;
    static const uint8_t pad[8];
    g_byte_array_append(o->buf, pad, (guint)((8 - o->buf->len % 8) % 8));
    uint32_t rva = o->buf->len;
    g_byte_array_append(o->buf, data, (guint)length);
    return rva;
}

/* An MDString: byte length, UTF-16LE, a 16-bit NUL.  0 when over the cap. */
uint32_t md_out_string(Out *o, const char *utf8, GError **error)
{
    g_autofree char *scrubbed = o->scrub && utf8 ? o->scrub(utf8, o->scrub_data) : NULL;
    g_autofree char *valid = g_utf8_make_valid(scrubbed ? scrubbed : utf8 ? utf8 : "", -1);
    glong units = 0;
    g_autofree gunichar2 *u16 = g_utf8_to_utf16(valid, -1, NULL, &units, NULL);
    if (!u16)
        units = 0;
    uint32_t bytes = (uint32_t)units * 2;
    uint32_t rva = md_out_append(o, &bytes, 4, error);
    if (!rva)
        return 0;
    g_byte_array_append(o->buf, (const guint8 *)u16, bytes);
    static const uint8_t nul[2];
    g_byte_array_append(o->buf, nul, 2);
    return rva;
}

void md_out_stream(Out *o, uint32_t type, uint32_t rva, gsize size)
{
    MDRawDirectory d = {type, {(uint32_t)size, rva}};
    g_array_append_val(o->dir, d);
}

/* A stream whose body is data as it is (auxv). */
gboolean md_out_raw_stream(Out *o, uint32_t type, const void *data, gsize length,
                               GError **error)
{
    if (length == 0)
        return TRUE;
    uint32_t rva = md_out_append(o, data, length, error);
    if (!rva)
        return FALSE;
    md_out_stream(o, type, rva, length);
    return TRUE;
}

/* A stream whose body is a text (the Linux /proc texts), scrubbed when asked. */
gboolean md_out_text_stream(Out *o, uint32_t type, const char *text, GError **error)
{
    if (!text)
        return TRUE;
    g_autofree char *scrubbed = o->scrub ? o->scrub(text, o->scrub_data) : NULL;
    const char *t = scrubbed ? scrubbed : text;
    return md_out_raw_stream(o, type, t, strlen(t), error);
}

gboolean md_out_list_stream(Out *o, uint32_t type, const void *items, guint count, gsize item_size,
                            GError **error)
{
    uint32_t n = count;
    uint32_t rva = md_out_append(o, &n, 4, error);
    if (!rva)
        return FALSE;
    g_byte_array_append(o->buf, items, (guint)(count * item_size));
    md_out_stream(o, type, rva, 4 + count * item_size);
    return TRUE;
}

/* Adds [start, start + size) at rva to the memory list unless it overlaps a range already there. */
void md_out_memory(Out *o, uint64_t start, uint32_t size, uint32_t rva)
{
    if (size == 0)
        return;
    for (guint i = 0; i < o->memory->len; i++) {
        const MDMemoryDescriptor *m = &g_array_index(o->memory, MDMemoryDescriptor, i);
        /* Breakpad's reader rejects the whole list when two ranges overlap. */
        if (start < m->start_of_memory_range + m->memory.data_size &&
            m->start_of_memory_range < start + size)
            return;
    }
    MDMemoryDescriptor m = {start, {size, rva}};
    g_array_append_val(o->memory, m);
}
