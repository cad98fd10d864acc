/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The symbolizer's frame resolution (see symbolize-internal.h): a raw PC to
 * its function, the functions inlined into it and file:line, from the DWARF
 * scopes, with the ELF symbol table as the fallback; C++ names demangled.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize-internal.h"

/* libstdc++'s demangler (linked in): libdw does not export one. */
extern char *__cxa_demangle(const char *mangled, char *buffer, size_t *length, int *status);

static char *demangle(const char *name)
{
    if (!name)
        return NULL;
    if (name[0] == '_' && name[1] == 'Z') {
        int status = -1;
        char *d = __cxa_demangle(name, NULL, NULL, &status);
        if (status == 0 && d) {
            char *copy = g_strdup(d);
            free(d);
            return copy;
        }
        free(d);
    }
    return g_strdup(name);
}

/*
 * A C++ function without a linkage name (a static or inline-only one): its
 * name qualified by the namespaces and classes around its declaration.
 */
static char *qualified_name(Dwarf_Die *die, const char *name)
{
    /* An inlined instance or an out-of-class definition points at the declaration. */
    Dwarf_Die decl = *die;
    for (int hop = 0; hop < 8; hop++) {
        Dwarf_Attribute attr;
        Dwarf_Die next;
        if (!dwarf_attr(&decl, DW_AT_abstract_origin, &attr) &&
            !dwarf_attr(&decl, DW_AT_specification, &attr))
            break;
        if (!dwarf_formref_die(&attr, &next))
            break;
        decl = next;
    }
    Dwarf_Die *scopes = NULL;
    int n = dwarf_getscopes_die(&decl, &scopes);
    GString *q = g_string_new(NULL);
    for (int i = n - 1; i >= 1; i--) {
        int tag = dwarf_tag(&scopes[i]);
        if (tag != DW_TAG_namespace && tag != DW_TAG_class_type && tag != DW_TAG_structure_type &&
            tag != DW_TAG_union_type)
            continue;
        const char *part = dwarf_diename(&scopes[i]);
        g_string_append_printf(q, "%s::", part ? part : "(anonymous namespace)");
    }
    free(scopes);
    g_string_append(q, name);
    return g_string_free(q, FALSE);
}

static gboolean is_cxx(Dwarf_Die *cudie)
{
    int lang = dwarf_srclang(cudie);
    return lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_03 ||
           lang == DW_LANG_C_plus_plus_11 || lang == DW_LANG_C_plus_plus_14;
}

/*
 * A function DIE's name: for C++ the demangled linkage name (with the
 * parameter types), else the namespace-qualified name; for C the source name
 * (glibc gives its functions asm names like "__GI_abort" as linkage names).
 */
static char *die_name(Dwarf_Die *cudie, Dwarf_Die *die)
{
    Dwarf_Attribute attr;
    const char *linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
    if (!linkage)
        linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
    const char *name = dwarf_diename(die);
    if (cudie && is_cxx(cudie)) {
        if (linkage)
            return demangle(linkage);
        return name ? qualified_name(die, name) : NULL;
    }
    if (!name)
        name = linkage;
    if (name && g_str_has_prefix(name, "__GI_") && name[5])
        name += 5;
    return demangle(name);
}

/* The call site of an inlined instance: where its caller's frame is. */
static void call_site(Dwarf_Die *cudie, Dwarf_Die *inlined, char **ret_file, int *ret_line)
{
    Dwarf_Attribute attr;
    Dwarf_Word file_index, line;
    *ret_file = NULL;
    *ret_line = 0;
    if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &attr), &line) == 0)
        *ret_line = (int)MIN(line, (Dwarf_Word)INT_MAX);
    Dwarf_Files *files;
    size_t nfiles;
    if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &file_index) == 0 &&
        dwarf_getsrcfiles(cudie, &files, &nfiles) == 0 && file_index < nfiles)
        *ret_file = g_strdup(dwarf_filesrc(files, file_index, NULL, NULL));
}

typedef struct {
    Dwfl_Module *module;
    const char *module_path;
    Dwarf_Addr module_start;
    Dwarf_Addr pc;
} FrameBase;

static CoronerFrame *frame_from(const FrameBase *b)
{
    CoronerFrame *f = coroner_frame_new();
    f->pc = b->pc;
    f->module = g_strdup(b->module_path);
    f->module_offset = b->module ? b->pc - b->module_start : 0;
    return f;
}

/* Turns one raw PC into one or more frames (inlined ones first). */
static void symbolize_frame(const RawFrame *raw, Dwfl *dwfl, GPtrArray *out, unsigned max_frames)
{
    Dwarf_Addr pc_adjusted = raw->pc - (raw->activation ? 0 : 1);
    FrameBase b = {.pc = raw->pc};
    b.module = dwfl_addrmodule(dwfl, pc_adjusted);
    if (b.module)
        b.module_path =
            dwfl_module_info(b.module, NULL, &b.module_start, NULL, NULL, NULL, NULL, NULL);

    Dwarf_Addr bias = 0;
    Dwarf_Die *cudie = b.module ? dwfl_module_addrdie(b.module, pc_adjusted, &bias) : NULL;
    Dwarf_Die *scopes = NULL;
    int nscopes = cudie ? dwarf_getscopes(cudie, pc_adjusted - bias, &scopes) : 0;
    Dwarf_Die function;
    memset(&function, 0, sizeof function);
    gboolean have_function = FALSE;
    for (int i = 0; i < nscopes; i++) {
        int tag = dwarf_tag(&scopes[i]);
        if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
            function = scopes[i];
            have_function = TRUE;
            break;
        }
    }
    free(scopes);

    /* The innermost frame's location is the line table's. */
    char *file = NULL;
    int line = 0;
    Dwfl_Line *l = b.module ? dwfl_module_getsrc(b.module, pc_adjusted) : NULL;
    if (l) {
        int lineno = 0;
        const char *src = dwfl_lineinfo(l, NULL, &lineno, NULL, NULL, NULL);
        file = g_strdup(src);
        line = lineno;
    }

    if (have_function) {
        Dwarf_Die *chain = NULL;
        int nchain = dwarf_getscopes_die(&function, &chain);
        if (nchain > 0) {
            /* chain[0] is the innermost function; each inlined one's call site locates the next. */
            Dwarf_Die *last = &chain[0];
            CoronerFrame *f = frame_from(&b);
            f->function = die_name(cudie, &chain[0]);
            f->file = file;
            f->line = line;
            f->inlined = dwarf_tag(&chain[0]) == DW_TAG_inlined_subroutine;
            file = NULL;
            g_ptr_array_add(out, f);
            for (int i = 1; i < nchain && out->len < max_frames; i++) {
                int tag = dwarf_tag(&chain[i]);
                if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram &&
                    tag != DW_TAG_entry_point)
                    continue;
                f = frame_from(&b);
                f->function = die_name(cudie, &chain[i]);
                call_site(cudie, last, &f->file, &f->line);
                f->inlined = tag == DW_TAG_inlined_subroutine;
                g_ptr_array_add(out, f);
                if (tag == DW_TAG_subprogram)
                    break;
                last = &chain[i];
            }
            free(chain);
            g_free(file);
            return;
        }
        free(chain);
    }

    /* No DWARF scope: the ELF symbol table, and the line table if there was one. */
    CoronerFrame *f = frame_from(&b);
    if (b.module) {
        GElf_Off offset;
        GElf_Sym sym;
        const char *name =
            dwfl_module_addrinfo(b.module, pc_adjusted, &offset, &sym, NULL, NULL, NULL);
        f->function = demangle(name);
    }
    f->file = file;
    f->line = line;
    g_ptr_array_add(out, f);
}

static void cached_frame_free(gpointer p)
{
    CoronerFrame *f = p;
    g_free(f->function);
    g_free(f->module);
    g_free(f->file);
    g_free(f);
}

static CoronerFrame *frame_copy(const CoronerFrame *f)
{
    CoronerFrame *c = coroner_frame_new();
    *c = *f;
    c->function = g_strdup(f->function);
    c->module = g_strdup(f->module);
    c->file = g_strdup(f->file);
    return c;
}

/*
 * symbolize_frame() through a cache: threads of one program mostly wait in
 * the same few places, and DWARF scope lookups are the expensive part.
 */
void symbolize_frame_cached(GHashTable *cache, const RawFrame *raw, Dwfl *dwfl, GPtrArray *out,
                            unsigned max_frames, gboolean out_of_time)
{
    guint64 key = raw->pc - (raw->activation ? 0 : 1);
    GPtrArray *frames = g_hash_table_lookup(cache, &key);
    if (!frames && out_of_time) {
        /* Past the deadline: module and offset only, which costs no DWARF. */
        FrameBase b = {.pc = raw->pc};
        b.module = dwfl_addrmodule(dwfl, key);
        if (b.module)
            b.module_path =
                dwfl_module_info(b.module, NULL, &b.module_start, NULL, NULL, NULL, NULL, NULL);
        if (out->len < max_frames)
            g_ptr_array_add(out, frame_from(&b));
        return;
    }
    if (!frames) {
        frames = g_ptr_array_new_with_free_func(cached_frame_free);
        symbolize_frame(raw, dwfl, frames, max_frames);
        g_hash_table_insert(cache, g_memdup2(&key, sizeof key), frames);
    }
    for (guint i = 0; i < frames->len && out->len < max_frames; i++)
        g_ptr_array_add(out, frame_copy(frames->pdata[i]));
}

GHashTable *symbolize_frame_cache_new(void)
{
    return g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                 (GDestroyNotify)g_ptr_array_unref);
}
