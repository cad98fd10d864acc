/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The minidump's module list: the mapped ELF files and the vDSO, with their build-ids. */
#include <elf.h>
#include <string.h>

#include "minidump-format.h"
#include "minidump-out.h"


/* The record's build-id for a module (the symbolizer's, which may have read the file). */
static gsize record_build_id(const CoronerCrashRecord *record, const char *path, uint64_t base,
                             uint8_t *ret_id)
{
    if (!record || !record->modules)
        return 0;
    for (guint i = 0; i < record->modules->len; i++) {
        const CoronerModule *m = record->modules->pdata[i];
        if (!m->build_id || !m->path || m->start != base || !g_str_equal(m->path, path))
            continue;
        gsize len = strlen(m->build_id) / 2;
        if (len == 0 || len > CORONER_ELF_CORE_MAX_BUILD_ID)
            return 0;
        for (gsize k = 0; k < len; k++) {
            int hi = g_ascii_xdigit_value(m->build_id[2 * k]);
            int lo = g_ascii_xdigit_value(m->build_id[2 * k + 1]);
            if (hi < 0 || lo < 0)
                return 0;
            ret_id[k] = (uint8_t)(hi << 4 | lo);
        }
        return len;
    }
    return 0;
}

typedef struct {
    const char *name;
    uint64_t base;
    uint64_t end;
    uint64_t first_mapping; /* bytes of the file mapped at base */
} ModuleSpan;

/* The modules: files mapped from offset 0, spanning their later mappings; the vDSO. */
static GArray *collect_modules(const CoronerElfCore *c)
{
    GArray *mods = g_array_new(FALSE, FALSE, sizeof(ModuleSpan));
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < c->files->len; i++) {
        const CoronerElfCoreFile *f = &g_array_index(c->files, CoronerElfCoreFile, i);
        if (f->offset != 0)
            continue;
        ModuleSpan m = {f->name, f->start, f->end, f->end - f->start};
        /* Its later mappings, up to the next time the file is mapped from offset 0. */
        for (guint k = i + 1; k < c->files->len; k++) {
            const CoronerElfCoreFile *g = &g_array_index(c->files, CoronerElfCoreFile, k);
            if (g->name != f->name && strcmp(g->name, f->name) != 0)
                continue;
            if (g->offset == 0)
                break;
            if (g->start >= m.base && g->end > m.end)
                m.end = g->end;
        }
        g_hash_table_add(seen, (gpointer)f->name);
        g_array_append_val(mods, m);
    }
    /* The vDSO is in no file: AT_SYSINFO_EHDR gives its address, its segment its size. */
    if (c->auxv) {
        gsize len;
        const uint64_t *v = g_bytes_get_data(c->auxv, &len);
        for (gsize i = 0; i + 1 < len / 8; i += 2) {
            if (v[i] != AT_SYSINFO_EHDR)
                continue;
            uint64_t seg_start, seg_end;
            if (coroner_elf_core_segment(c, v[i + 1], 0, &seg_start, &seg_end)) {
                ModuleSpan m = {"linux-vdso.so.1", v[i + 1], seg_end, seg_end - v[i + 1]};
                g_array_append_val(mods, m);
            }
            break;
        }
    }
    return mods;
}

gboolean md_write_modules(Out *o, CoronerElfCore *c, const CoronerCrashRecord *record,
                              const CoronerMinidumpOptions *opts, GError **error)
{
    g_autoptr(GArray) spans = collect_modules(c);
    g_autoptr(GArray) list = g_array_new(FALSE, TRUE, sizeof(MDRawModule));
    guint without_id = 0;
    for (guint i = 0; i < spans->len; i++) {
        const ModuleSpan *s = &g_array_index(spans, ModuleSpan, i);
        uint8_t id[CORONER_ELF_CORE_MAX_BUILD_ID];
        gboolean is_elf;
        gsize id_len = coroner_elf_core_build_id(c, s->base, s->first_mapping, id, &is_elf);
        if (id_len == 0)
            id_len = record_build_id(record, s->name, s->base, id);
        /* A mapped data file (a font, a locale archive) is no module. */
        if (!is_elf && id_len == 0)
            continue;
        if (list->len >= opts->max_modules) {
            md_warn(o, "only the first %u modules are listed (the cap)", opts->max_modules);
            break;
        }
        MDRawModule m = {0};
        m.base_of_image = s->base;
        m.size_of_image = (uint32_t)MIN(s->end - s->base, (uint64_t)G_MAXUINT32);
        m.module_name_rva = md_out_string(o, s->name, error);
        if (!m.module_name_rva)
            return FALSE;
        if (id_len == 0)
            without_id++;
        /* The CodeView record: 'BpEL' and the build-id (none without one). */
        uint32_t sig = MD_CVINFOELF_SIGNATURE;
        uint32_t rva = md_out_append(o, &sig, 4, error);
        if (!rva)
            return FALSE;
        g_byte_array_append(o->buf, id, (guint)id_len);
        m.cv_record = (MDLocationDescriptor){(uint32_t)(4 + id_len), rva};
        g_array_append_val(list, m);
    }
    if (without_id > 0)
        md_warn(o,
             "%u module(s) without a build-id in the core or the record: Sentry cannot "
             "symbolicate their frames",
             without_id);
    return md_out_list_stream(o, MD_MODULE_LIST_STREAM, list->data, list->len, sizeof(MDRawModule),
                              error);
}
