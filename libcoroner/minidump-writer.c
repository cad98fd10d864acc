/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "minidump-writer.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "elf-core.h"
#include "fs-util.h"
#include "minidump-format.h"
#include "sandbox.h"

G_STATIC_ASSERT(G_BYTE_ORDER == G_LITTLE_ENDIAN);

G_DEFINE_QUARK(coroner - minidump - error - quark, coroner_minidump_error)

/* RVAs are 32-bit; the dump stays well below. */
#define MAX_RVA ((uint64_t)1 << 31)
#define HOST_FILE_MAX (1u << 20)
/* Bytes around the crashing instruction kept in the memory list, as Breakpad does. */
#define CODE_AROUND_PC 256u
/* A stack pointer below its stack (an overflow, in the guard page) this far still finds it. */
#define GUARD_GAP (64u * 1024u)

typedef struct {
    GByteArray *buf;
    GArray *dir;    /* MDRawDirectory */
    GArray *memory; /* MDMemoryDescriptor: the memory list */
    uint64_t max_bytes;
    CoronerMinidumpScrubFunc scrub;
    gpointer scrub_data;
    GPtrArray *warnings; /* char*, may be NULL */
} Out;

static void warn(Out *o, const char *format, ...) G_GNUC_PRINTF(2, 3);
static void warn(Out *o, const char *format, ...)
{
    if (!o->warnings)
        return;
    va_list ap;
    va_start(ap, format);
    g_ptr_array_add(o->warnings, g_strdup_vprintf(format, ap));
    va_end(ap);
}

void coroner_minidump_options_init(CoronerMinidumpOptions *o)
{
    *o = (CoronerMinidumpOptions){
        .max_threads = 1024,
        .max_stack_bytes = 256u * 1024u,
        .max_modules = 4096,
        .max_bytes = (uint64_t)256 << 20,
        .include_environ = FALSE,
        .host_info = TRUE,
        .timeout_ms = 30000,
        .memory_limit = (uint64_t)1 << 30,
    };
}

/* ---- Writing ---- */

static gboolean out_reserve(Out *o, gsize length, GError **error)
{
    if ((uint64_t)o->buf->len + length + 8 > MIN(o->max_bytes, MAX_RVA)) {
        g_set_error(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_FAILED,
                    "the minidump would exceed %" G_GUINT64_FORMAT " bytes",
                    MIN(o->max_bytes, MAX_RVA));
        return FALSE;
    }
    return TRUE;
}

/* Appends data at the next 8-byte boundary; returns its RVA, 0 when over the cap. */
static uint32_t out_append(Out *o, const void *data, gsize length, GError **error)
{
    if (!out_reserve(o, length, error))
        return 0;
    static const uint8_t pad[8];
    g_byte_array_append(o->buf, pad, (guint)((8 - o->buf->len % 8) % 8));
    uint32_t rva = o->buf->len;
    g_byte_array_append(o->buf, data, (guint)length);
    return rva;
}

/* An MDString: byte length, UTF-16LE, a 16-bit NUL.  0 when over the cap. */
static uint32_t out_string(Out *o, const char *utf8, GError **error)
{
    g_autofree char *scrubbed = o->scrub && utf8 ? o->scrub(utf8, o->scrub_data) : NULL;
    g_autofree char *valid = g_utf8_make_valid(scrubbed ? scrubbed : utf8 ? utf8 : "", -1);
    glong units = 0;
    g_autofree gunichar2 *u16 = g_utf8_to_utf16(valid, -1, NULL, &units, NULL);
    if (!u16)
        units = 0;
    uint32_t bytes = (uint32_t)units * 2;
    uint32_t rva = out_append(o, &bytes, 4, error);
    if (!rva)
        return 0;
    g_byte_array_append(o->buf, (const guint8 *)u16, bytes);
    static const uint8_t nul[2];
    g_byte_array_append(o->buf, nul, 2);
    return rva;
}

static void out_stream(Out *o, uint32_t type, uint32_t rva, gsize size)
{
    MDRawDirectory d = {type, {(uint32_t)size, rva}};
    g_array_append_val(o->dir, d);
}

/* A stream whose body is data as it is (auxv). */
static gboolean out_raw_stream(Out *o, uint32_t type, const void *data, gsize length,
                               GError **error)
{
    if (length == 0)
        return TRUE;
    uint32_t rva = out_append(o, data, length, error);
    if (!rva)
        return FALSE;
    out_stream(o, type, rva, length);
    return TRUE;
}

/* A stream whose body is a text (the Linux /proc texts), scrubbed when asked. */
static gboolean out_text_stream(Out *o, uint32_t type, const char *text, GError **error)
{
    if (!text)
        return TRUE;
    g_autofree char *scrubbed = o->scrub ? o->scrub(text, o->scrub_data) : NULL;
    const char *t = scrubbed ? scrubbed : text;
    return out_raw_stream(o, type, t, strlen(t), error);
}

/* Adds [start, start + size) at rva to the memory list unless it overlaps a range already there. */
static void out_memory(Out *o, uint64_t start, uint32_t size, uint32_t rva)
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

static void context_amd64(const CoronerElfCoreThread *t, MDRawContextAMD64 *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    const uint64_t *r = t->regs;
    ctx->context_flags =
        MD_CONTEXT_AMD64_CONTROL | MD_CONTEXT_AMD64_INTEGER | MD_CONTEXT_AMD64_SEGMENTS;
    ctx->cs = (uint16_t)r[CORONER_X86_64_CS];
    ctx->ds = (uint16_t)r[CORONER_X86_64_DS];
    ctx->es = (uint16_t)r[CORONER_X86_64_ES];
    ctx->fs = (uint16_t)r[CORONER_X86_64_FS];
    ctx->gs = (uint16_t)r[CORONER_X86_64_GS];
    ctx->ss = (uint16_t)r[CORONER_X86_64_SS];
    ctx->eflags = (uint32_t)r[CORONER_X86_64_EFLAGS];
    ctx->rax = r[CORONER_X86_64_RAX];
    ctx->rcx = r[CORONER_X86_64_RCX];
    ctx->rdx = r[CORONER_X86_64_RDX];
    ctx->rbx = r[CORONER_X86_64_RBX];
    ctx->rsp = r[CORONER_X86_64_RSP];
    ctx->rbp = r[CORONER_X86_64_RBP];
    ctx->rsi = r[CORONER_X86_64_RSI];
    ctx->rdi = r[CORONER_X86_64_RDI];
    ctx->r8 = r[CORONER_X86_64_R8];
    ctx->r9 = r[CORONER_X86_64_R9];
    ctx->r10 = r[CORONER_X86_64_R10];
    ctx->r11 = r[CORONER_X86_64_R11];
    ctx->r12 = r[CORONER_X86_64_R12];
    ctx->r13 = r[CORONER_X86_64_R13];
    ctx->r14 = r[CORONER_X86_64_R14];
    ctx->r15 = r[CORONER_X86_64_R15];
    ctx->rip = r[CORONER_X86_64_RIP];
    if (t->fp_length == sizeof ctx->flt_save) {
        /* NT_PRFPREG is the FXSAVE area, which is exactly XMM_SAVE_AREA32. */
        memcpy(&ctx->flt_save, t->fpregs, sizeof ctx->flt_save);
        ctx->mx_csr = ctx->flt_save.mx_csr;
        ctx->context_flags |= MD_CONTEXT_AMD64_FLOATING_POINT;
    }
}

static void context_arm64(const CoronerElfCoreThread *t, MDRawContextARM64 *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->context_flags = MD_CONTEXT_ARM64_CONTROL | MD_CONTEXT_ARM64_INTEGER;
    /* x0…x30, sp, pc: the same order in the kernel's user_pt_regs and in iregs. */
    memcpy(ctx->iregs, t->regs, 33 * sizeof(uint64_t));
    ctx->cpsr = (uint32_t)t->regs[CORONER_AARCH64_PSTATE];
    if (t->fp_length == CORONER_AARCH64_FPSIMD_SIZE) {
        memcpy(ctx->fp_regs, t->fpregs, sizeof ctx->fp_regs);
        memcpy(&ctx->fpsr, t->fpregs + 512, 4);
        memcpy(&ctx->fpcr, t->fpregs + 516, 4);
        ctx->context_flags |= MD_CONTEXT_ARM64_FLOATING_POINT;
    }
}

/* Writes the thread's register context; its RVA and size, or 0 over the cap. */
static uint32_t out_context(Out *o, const CoronerElfCore *c, const CoronerElfCoreThread *t,
                            uint32_t *ret_size, GError **error)
{
    if (c->machine == EM_X86_64) {
        MDRawContextAMD64 ctx;
        context_amd64(t, &ctx);
        *ret_size = sizeof ctx;
        return out_append(o, &ctx, sizeof ctx, error);
    }
    MDRawContextARM64 ctx;
    context_arm64(t, &ctx);
    *ret_size = sizeof ctx;
    return out_append(o, &ctx, sizeof ctx, error);
}

/* Which of the core's threads crashed: the record's tid, else the dumping (first) thread. */
static guint crashing_index(const CoronerElfCore *c, const CoronerCrashRecord *record)
{
    if (record && record->process.tid > 0)
        for (guint i = 0; i < c->threads->len; i++)
            if (g_array_index(c->threads, CoronerElfCoreThread, i).tid ==
                (uint32_t)record->process.tid)
                return i;
    return 0;
}

/*
 * The thread's stack: from below the stack pointer (x86_64's 128-byte red
 * zone) up to the end of its segment, at most max bytes.  A stack pointer in
 * no segment (a stack overflow, in the guard page) takes the segment just
 * above it.
 */
static gsize read_stack(const CoronerElfCore *c, const CoronerElfCoreThread *t, uint64_t max,
                        uint64_t *ret_start, uint8_t **ret_data)
{
    uint64_t sp = coroner_elf_core_thread_sp(c, t);
    uint64_t below = c->machine == EM_X86_64 ? 128 : 0;
    uint64_t start = (sp > below ? sp - below : 0) & ~(uint64_t)15;
    uint64_t seg_start, end;
    if (max == 0 || !coroner_elf_core_segment(c, sp, GUARD_GAP, &seg_start, &end))
        return 0;
    if (start < seg_start)
        start = seg_start;
    if (end - start > max)
        end = start + max;
    uint8_t *data = g_malloc(end - start);
    gsize n = coroner_elf_core_read(c, start, data, (gsize)(end - start));
    if (n == 0) {
        g_free(data);
        return 0;
    }
    *ret_start = start;
    *ret_data = data;
    return n;
}

static void blank_string(uint8_t *data, gsize len, gsize at)
{
    while (at < len && data[at] != 0)
        data[at++] = 0;
}

/*
 * The environment is in the minidump only with consent (include_environ), and
 * its strings also sit at the top of the main thread's stack, under the
 * initial envp array, which ends just below the auxiliary vector: found by
 * the core's copy of that vector, each string envp points to is blanked.  As
 * a second net, every variable the record lists is blanked wherever it is.
 */
static void blank_environment(const CoronerElfCore *c, const CoronerCrashRecord *record,
                              uint64_t start, uint8_t *data, gsize len)
{
    gsize auxv_len = c->auxv ? g_bytes_get_size(c->auxv) : 0;
    if (auxv_len >= 32) {
        const uint8_t *aux = g_bytes_get_data(c->auxv, NULL);
        const uint8_t *found = memmem(data, len, aux, MIN(auxv_len, 64u));
        /* Below the vector: envp's NULL, then envp[n-1] … envp[0], then argv's NULL. */
        gsize at = found ? (gsize)(found - data) : 0;
        if (found && at >= 16 && at % 8 == (gsize)((8 - start % 8) % 8)) {
            for (gsize k = at - 16;; k -= 8) {
                uint64_t ptr;
                memcpy(&ptr, data + k, 8);
                if (ptr == 0)
                    break;
                if (ptr >= start && ptr - start < len)
                    blank_string(data, len, (gsize)(ptr - start));
                if (k < 8)
                    break;
            }
        }
    }
    if (!record || !record->process.environ)
        return;
    g_auto(GStrv) vars = g_strsplit(record->process.environ, "\n", -1);
    for (char **v = vars; *v; v++) {
        gsize n = strlen(*v);
        if (n < 3 || !strchr(*v, '='))
            continue;
        for (uint8_t *hit = memmem(data, len, *v, n); hit;
             hit = memmem(hit, len - (gsize)(hit - data), *v, n))
            memset(hit, 0, n);
    }
}

static const char *thread_name(const CoronerCrashRecord *record, uint32_t tid)
{
    if (!record || !record->process.threads)
        return NULL;
    for (guint i = 0; i < record->process.threads->len; i++) {
        const CoronerThreadName *n = record->process.threads->pdata[i];
        if (n->tid == (int64_t)tid)
            return n->name;
    }
    return NULL;
}

typedef struct {
    uint32_t context_rva;
    uint32_t context_size;
} ThreadOut;

static gboolean write_threads(Out *o, CoronerElfCore *c, const CoronerCrashRecord *record,
                              const CoronerMinidumpOptions *opts, guint crashed,
                              ThreadOut *ret_crashed, GError **error)
{
    guint n = MIN(c->threads->len, MAX(opts->max_threads, 1u));
    if (n < c->threads->len)
        warn(o, "%u of the core's %u threads written (the cap)", n, c->threads->len);
    g_autofree MDRawThread *list = g_new0(MDRawThread, n);
    g_autoptr(GArray) names = g_array_new(FALSE, FALSE, sizeof(MDRawThreadName));
    /* What the stacks may take: the rest of the dump (modules, /proc texts) needs little. */
    uint64_t rest = MIN((uint64_t)1 << 20, o->max_bytes / 4);
    uint64_t budget = o->max_bytes > o->buf->len + rest ? o->max_bytes - o->buf->len - rest : 0;
    for (guint k = 0; k < n; k++) {
        /* Past the cap the crashing thread takes the last place. */
        guint i = (k == n - 1 && crashed >= n) ? crashed : k;
        const CoronerElfCoreThread *t = &g_array_index(c->threads, CoronerElfCoreThread, i);
        MDRawThread *mt = &list[k];
        mt->thread_id = t->tid;
        uint32_t size;
        uint32_t rva = out_context(o, c, t, &size, error);
        if (!rva)
            return FALSE;
        mt->thread_context = (MDLocationDescriptor){size, rva};
        if (i == crashed)
            *ret_crashed = (ThreadOut){rva, size};

        uint64_t max = MIN(opts->max_stack_bytes, budget);
        uint64_t start = 0;
        g_autofree uint8_t *stack = NULL;
        gsize len = read_stack(c, t, max, &start, &stack);
        if (len > 0 && !opts->include_environ)
            blank_environment(c, record, start, stack, len);
        if (max == 0) {
            warn(o, "thread %u: its stack was left out to fit the minidump's size cap", t->tid);
        } else if (len == 0) {
            warn(o, "thread %u: its stack (sp 0x%" G_GINT64_MODIFIER "x) is not in the core",
                 t->tid, coroner_elf_core_thread_sp(c, t));
        } else {
            uint32_t srva = out_append(o, stack, len, error);
            if (!srva)
                return FALSE;
            budget -= len;
            mt->stack = (MDMemoryDescriptor){start, {(uint32_t)len, srva}};
            out_memory(o, start, (uint32_t)len, srva);
            if (len == max && max < opts->max_stack_bytes)
                warn(o, "thread %u: its stack was cut to fit the minidump's size cap", t->tid);
        }
        const char *name = thread_name(record, t->tid);
        if (name) {
            uint32_t nrva = out_string(o, name, error);
            if (!nrva)
                return FALSE;
            MDRawThreadName tn = {t->tid, nrva};
            g_array_append_val(names, tn);
        }
    }
    uint32_t count = n;
    uint32_t rva = out_append(o, &count, 4, error);
    if (!rva)
        return FALSE;
    g_byte_array_append(o->buf, (const guint8 *)list, n * (guint)sizeof *list);
    out_stream(o, MD_THREAD_LIST_STREAM, rva, 4 + n * sizeof *list);
    if (names->len > 0) {
        count = names->len;
        rva = out_append(o, &count, 4, error);
        if (!rva)
            return FALSE;
        g_byte_array_append(o->buf, (const guint8 *)names->data,
                            names->len * (guint)sizeof(MDRawThreadName));
        out_stream(o, MD_THREAD_NAME_LIST_STREAM, rva, 4 + names->len * sizeof(MDRawThreadName));
    }
    return TRUE;
}

/* ---- Modules ---- */

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

static gboolean write_modules(Out *o, CoronerElfCore *c, const CoronerCrashRecord *record,
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
            warn(o, "only the first %u modules are listed (the cap)", opts->max_modules);
            break;
        }
        MDRawModule m = {0};
        m.base_of_image = s->base;
        m.size_of_image = (uint32_t)MIN(s->end - s->base, (uint64_t)G_MAXUINT32);
        m.module_name_rva = out_string(o, s->name, error);
        if (!m.module_name_rva)
            return FALSE;
        if (id_len == 0)
            without_id++;
        /* The CodeView record: 'BpEL' and the build-id (none without one). */
        uint32_t sig = MD_CVINFOELF_SIGNATURE;
        uint32_t rva = out_append(o, &sig, 4, error);
        if (!rva)
            return FALSE;
        g_byte_array_append(o->buf, id, (guint)id_len);
        m.cv_record = (MDLocationDescriptor){(uint32_t)(4 + id_len), rva};
        g_array_append_val(list, m);
    }
    if (without_id > 0)
        warn(o,
             "%u module(s) without a build-id in the core or the record: Sentry cannot "
             "symbolicate their frames",
             without_id);
    uint32_t count = list->len;
    uint32_t rva = out_append(o, &count, 4, error);
    if (!rva)
        return FALSE;
    g_byte_array_append(o->buf, (const guint8 *)list->data, list->len * (guint)sizeof(MDRawModule));
    out_stream(o, MD_MODULE_LIST_STREAM, rva, 4 + list->len * sizeof(MDRawModule));
    return TRUE;
}

/* ---- The rest ---- */

/* Bytes of the code around the crashing instruction, for disassembly and exploitability. */
static gboolean write_code_around_pc(Out *o, const CoronerElfCore *c, const CoronerElfCoreThread *t,
                                     GError **error)
{
    uint64_t pc = coroner_elf_core_thread_pc(c, t);
    uint64_t start = pc > CODE_AROUND_PC / 2 ? pc - CODE_AROUND_PC / 2 : 0;
    uint8_t code[CODE_AROUND_PC];
    /* The start may be in an unmapped page before the code: then from the pc. */
    gsize n = coroner_elf_core_read(c, start, code, sizeof code);
    if (n == 0) {
        start = pc;
        n = coroner_elf_core_read(c, start, code, sizeof code / 2);
    }
    if (n == 0)
        return TRUE;
    uint32_t rva = out_append(o, code, n, error);
    if (!rva)
        return FALSE;
    out_memory(o, start, (uint32_t)n, rva);
    return TRUE;
}

static gboolean write_memory_list(Out *o, GError **error)
{
    uint32_t count = o->memory->len;
    uint32_t rva = out_append(o, &count, 4, error);
    if (!rva)
        return FALSE;
    g_byte_array_append(o->buf, (const guint8 *)o->memory->data,
                        o->memory->len * (guint)sizeof(MDMemoryDescriptor));
    out_stream(o, MD_MEMORY_LIST_STREAM, rva, 4 + o->memory->len * sizeof(MDMemoryDescriptor));
    return TRUE;
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
static gboolean write_memory_info(Out *o, const CoronerElfCore *c, GError **error)
{
    MDRawMemoryInfoList h = {sizeof h, sizeof(MDRawMemoryInfo), c->regions->len};
    if (!out_reserve(o, sizeof h + c->regions->len * sizeof(MDRawMemoryInfo), error))
        return FALSE;
    uint32_t rva = out_append(o, &h, sizeof h, error);
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
    out_stream(o, MD_MEMORY_INFO_LIST_STREAM, rva,
               sizeof h + c->regions->len * sizeof(MDRawMemoryInfo));
    return TRUE;
}

static gboolean write_exception(Out *o, const CoronerElfCore *c, const CoronerCrashRecord *record,
                                const CoronerElfCoreThread *t, const ThreadOut *ctx, GError **error)
{
    MDRawExceptionStream e = {0};
    e.thread_id = t->tid;
    if (c->has_siginfo && c->si_signo > 0) {
        e.exception_record.exception_code = (uint32_t)c->si_signo;
        e.exception_record.exception_flags = (uint32_t)c->si_code;
        e.exception_record.exception_address = c->fault_addr;
    } else if (record && record->signal.number > 0) {
        e.exception_record.exception_code = (uint32_t)record->signal.number;
        e.exception_record.exception_flags =
            record->signal.has_code ? (uint32_t)record->signal.code : 0;
        e.exception_record.exception_address =
            record->signal.has_address ? record->signal.address : 0;
    }
    e.thread_context = (MDLocationDescriptor){ctx->context_size, ctx->context_rva};
    uint32_t rva = out_append(o, &e, sizeof e, error);
    if (!rva)
        return FALSE;
    out_stream(o, MD_EXCEPTION_STREAM, rva, sizeof e);
    return TRUE;
}

/* This machine's details belong in the dump only while it runs the boot that crashed. */
static gboolean same_boot(const CoronerCrashRecord *record)
{
    g_autofree char *now = NULL;
    if (!record || !record->boot_id ||
        !g_file_get_contents("/proc/sys/kernel/random/boot_id", &now, NULL, NULL))
        return FALSE;
    GString *a = g_string_new(NULL), *b = g_string_new(NULL);
    for (const char *p = now; *p; p++)
        if (g_ascii_isxdigit(*p))
            g_string_append_c(a, g_ascii_tolower(*p));
    for (const char *p = record->boot_id; *p; p++)
        if (g_ascii_isxdigit(*p))
            g_string_append_c(b, g_ascii_tolower(*p));
    gboolean same = a->len == 32 && g_str_equal(a->str, b->str);
    g_string_free(a, TRUE);
    g_string_free(b, TRUE);
    return same;
}

static char *read_host_file(const char *path)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, NULL) || len > HOST_FILE_MAX)
        return NULL;
    return g_steal_pointer(&data);
}

/* The value of "key : value" in the first block of /proc/cpuinfo. */
static char *cpuinfo_value(const char *cpuinfo, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(cpuinfo, "\n", -1);
    for (char **l = lines; *l && **l; l++) {
        char *colon = strchr(*l, ':');
        if (!colon)
            continue;
        g_autofree char *k = g_strstrip(g_strndup(*l, (gsize)(colon - *l)));
        if (g_str_equal(k, key))
            return g_strstrip(g_strdup(colon + 1));
    }
    return NULL;
}

static guint cpuinfo_count(const char *cpuinfo)
{
    guint n = 0;
    for (const char *p = cpuinfo; p && *p;) {
        if (g_str_has_prefix(p, "processor") && (p[9] == ' ' || p[9] == '\t' || p[9] == ':'))
            n++;
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return n;
}

static gboolean write_system_info(Out *o, const CoronerElfCore *c, const char *cpuinfo,
                                  const struct utsname *uts, GError **error)
{
    MDRawSystemInfo si = {0};
    si.processor_architecture =
        c->machine == EM_X86_64 ? MD_CPU_ARCHITECTURE_AMD64 : MD_CPU_ARCHITECTURE_ARM64;
    si.platform_id = MD_OS_LINUX;
    if (cpuinfo) {
        si.number_of_processors = (uint8_t)MIN(cpuinfo_count(cpuinfo), 255u);
        if (c->machine == EM_X86_64) {
            g_autofree char *vendor = cpuinfo_value(cpuinfo, "vendor_id");
            g_autofree char *family = cpuinfo_value(cpuinfo, "cpu family");
            g_autofree char *model = cpuinfo_value(cpuinfo, "model");
            g_autofree char *stepping = cpuinfo_value(cpuinfo, "stepping");
            if (vendor && strlen(vendor) == 12)
                memcpy(si.cpu.x86_cpu_info.vendor_id, vendor, 12);
            guint f = family ? (guint)g_ascii_strtoull(family, NULL, 10) : 0;
            guint m = model ? (guint)g_ascii_strtoull(model, NULL, 10) : 0;
            guint s = stepping ? (guint)g_ascii_strtoull(stepping, NULL, 10) : 0;
            si.processor_level = (uint16_t)f;
            si.processor_revision = (uint16_t)((m & 0xff) << 8 | (s & 0xff));
            /* cpuid 1's eax, rebuilt: stepping, model, family, extended model and family. */
            si.cpu.x86_cpu_info.version_information = (s & 0xf) | (m & 0xf) << 4 |
                                                      MIN(f, 15u) << 8 | ((m >> 4) & 0xf) << 16 |
                                                      ((f > 15 ? f - 15 : 0) & 0xff) << 20;
        }
    }
    g_autofree char *csd = NULL;
    if (uts) {
        guint v[3] = {0};
        sscanf(uts->release, "%u.%u.%u", &v[0], &v[1], &v[2]);
        si.major_version = v[0];
        si.minor_version = v[1];
        si.build_number = v[2];
        csd =
            g_strdup_printf("%s %s %s %s", uts->sysname, uts->release, uts->version, uts->machine);
    }
    si.csd_version_rva = out_string(o, csd ? csd : "Linux", error);
    if (!si.csd_version_rva)
        return FALSE;
    uint32_t rva = out_append(o, &si, sizeof si, error);
    if (!rva)
        return FALSE;
    out_stream(o, MD_SYSTEM_INFO_STREAM, rva, sizeof si);
    return TRUE;
}

/* Items separated by separator ("a b c", "A=1\nB=2") as /proc gives them: a NUL after each. */
static GBytes *nul_separated(Out *o, const char *text, char separator)
{
    g_autofree char *scrubbed = o->scrub ? o->scrub(text, o->scrub_data) : NULL;
    GString *s = g_string_new(scrubbed ? scrubbed : text);
    for (gsize i = 0; i < s->len; i++)
        if (s->str[i] == separator)
            s->str[i] = '\0';
    if (s->len > 0 && s->str[s->len - 1] != '\0')
        g_string_append_c(s, '\0');
    return g_string_free_to_bytes(s);
}

static gboolean write_linux_streams(Out *o, const CoronerElfCore *c,
                                    const CoronerCrashRecord *record,
                                    const CoronerMinidumpOptions *opts, const char *cpuinfo,
                                    gboolean host, GError **error)
{
    const CoronerProcessInfo *p = record ? &record->process : NULL;
    if (cpuinfo && !out_raw_stream(o, MD_LINUX_CPU_INFO, cpuinfo, strlen(cpuinfo), error))
        return FALSE;
    if (p && !out_text_stream(o, MD_LINUX_PROC_STATUS, p->proc_status, error))
        return FALSE;
    if (host) {
        g_autofree char *release = read_host_file("/etc/lsb-release");
        if (!release)
            release = read_host_file("/etc/os-release");
        if (!release)
            release = read_host_file("/usr/lib/os-release");
        if (!out_text_stream(o, MD_LINUX_LSB_RELEASE, release, error))
            return FALSE;
    }
    g_autoptr(GBytes) cmdline = NULL;
    if (p && p->cmdline && *p->cmdline)
        cmdline = nul_separated(o, p->cmdline, ' ');
    else if (c->psargs[0])
        cmdline = nul_separated(o, c->psargs, ' ');
    if (cmdline && !out_raw_stream(o, MD_LINUX_CMD_LINE, g_bytes_get_data(cmdline, NULL),
                                   g_bytes_get_size(cmdline), error))
        return FALSE;
    if (opts->include_environ && p && p->environ && *p->environ) {
        g_autoptr(GBytes) env = nul_separated(o, p->environ, '\n');
        if (!out_raw_stream(o, MD_LINUX_ENVIRON, g_bytes_get_data(env, NULL), g_bytes_get_size(env),
                            error))
            return FALSE;
    }
    if (c->auxv && !out_raw_stream(o, MD_LINUX_AUXV, g_bytes_get_data(c->auxv, NULL),
                                   g_bytes_get_size(c->auxv), error))
        return FALSE;
    if (p && !out_text_stream(o, MD_LINUX_MAPS, p->proc_maps, error))
        return FALSE;
    return TRUE;
}

static gboolean write_misc_info(Out *o, const CoronerElfCore *c, GError **error)
{
    if (!c->pid)
        return TRUE;
    MDRawMiscInfo mi = {sizeof mi, MD_MISCINFO_FLAGS1_PROCESS_ID, c->pid, 0, 0, 0};
    uint32_t rva = out_append(o, &mi, sizeof mi, error);
    if (!rva)
        return FALSE;
    out_stream(o, MD_MISC_INFO_STREAM, rva, sizeof mi);
    return TRUE;
}

GBytes *coroner_minidump_from_core_fd(int core_fd, const CoronerCrashRecord *record,
                                      const CoronerMinidumpOptions *opts, GPtrArray *warnings,
                                      GError **error)
{
    CoronerMinidumpOptions defaults;
    if (!opts) {
        coroner_minidump_options_init(&defaults);
        opts = &defaults;
    }
    g_autoptr(GError) local = NULL;
    g_autoptr(CoronerElfCore) c = coroner_elf_core_open(core_fd, warnings, &local);
    if (!c) {
        /* The same codes: not a core, another machine, no thread. */
        g_set_error_literal(error, CORONER_MINIDUMP_ERROR, local->code, local->message);
        return NULL;
    }
    Out o = {
        .buf = g_byte_array_new(),
        .dir = g_array_new(FALSE, FALSE, sizeof(MDRawDirectory)),
        .memory = g_array_new(FALSE, FALSE, sizeof(MDMemoryDescriptor)),
        .max_bytes = MAX(opts->max_bytes, (uint64_t)64 * 1024),
        .scrub = opts->scrub,
        .scrub_data = opts->scrub_data,
        .warnings = warnings,
    };
    /* The header and room for the directory (at most this many streams). */
    enum { MAX_STREAMS = 16 };
    g_byte_array_set_size(o.buf, sizeof(MDRawHeader) + MAX_STREAMS * sizeof(MDRawDirectory));
    memset(o.buf->data, 0, o.buf->len);

    gboolean host = opts->host_info && same_boot(record);
    g_autofree char *cpuinfo = host ? read_host_file("/proc/cpuinfo") : NULL;
    struct utsname uts;
    gboolean have_uts = host && uname(&uts) == 0;
    if (opts->host_info && !host)
        warn(&o, "the crash happened in another boot: no cpuinfo, os-release or kernel version");

    guint crashed = crashing_index(c, record);
    ThreadOut crashed_ctx = {0};
    const CoronerElfCoreThread *ct = &g_array_index(c->threads, CoronerElfCoreThread, crashed);
    gboolean ok = write_system_info(&o, c, cpuinfo, have_uts ? &uts : NULL, error) &&
                  write_threads(&o, c, record, opts, crashed, &crashed_ctx, error) &&
                  write_exception(&o, c, record, ct, &crashed_ctx, error) &&
                  write_modules(&o, c, record, opts, error) &&
                  write_code_around_pc(&o, c, ct, error) && write_memory_list(&o, error) &&
                  write_memory_info(&o, c, error) && write_misc_info(&o, c, error) &&
                  write_linux_streams(&o, c, record, opts, cpuinfo, host, error);
    if (!ok || o.dir->len > MAX_STREAMS) {
        if (ok)
            g_set_error_literal(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_FAILED,
                                "too many streams");
        g_byte_array_unref(o.buf);
        g_array_unref(o.dir);
        g_array_unref(o.memory);
        return NULL;
    }
    MDRawHeader h = {
        .signature = MD_HEADER_SIGNATURE,
        .version = MD_HEADER_VERSION,
        .stream_count = o.dir->len,
        .stream_directory_rva = sizeof(MDRawHeader),
        .time_date_stamp = record ? (uint32_t)(record->timestamp_usec / G_USEC_PER_SEC) : 0,
    };
    memcpy(o.buf->data, &h, sizeof h);
    memcpy(o.buf->data + sizeof h, o.dir->data, o.dir->len * sizeof(MDRawDirectory));
    g_array_unref(o.dir);
    g_array_unref(o.memory);
    return g_byte_array_free_to_bytes(o.buf);
}

/* ---- In the sandbox ---- */

typedef struct {
    int core_fd;
    int out_fd;
    const CoronerCrashRecord *record;
    const CoronerMinidumpOptions *o;
} SandboxJob;

static gboolean sandbox_child(gpointer data, CoronerCrashRecord *out, GError **error)
{
    SandboxJob *job = data;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GBytes) dump =
        coroner_minidump_from_core_fd(job->core_fd, job->record, job->o, warnings, error);
    if (!dump)
        return FALSE;
    gsize len;
    const void *bytes = g_bytes_get_data(dump, &len);
    int r = coroner_write_all(job->out_fd, bytes, len);
    if (r < 0) {
        g_set_error(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_FAILED,
                    "writing the minidump: %s", g_strerror(-r));
        return FALSE;
    }
    /* The warnings travel back as the answer record's errors. */
    for (guint i = 0; i < warnings->len; i++)
        coroner_crash_record_add_error(out, "%s", (char *)warnings->pdata[i]);
    return TRUE;
}

GBytes *coroner_minidump_sandboxed(int core_fd, const CoronerCrashRecord *record,
                                   const CoronerMinidumpOptions *opts, uid_t uid, gid_t gid,
                                   GPtrArray *warnings, GError **error)
{
    CoronerMinidumpOptions defaults;
    if (!opts) {
        coroner_minidump_options_init(&defaults);
        opts = &defaults;
    }
    int out_fd = memfd_create("coroner-minidump", MFD_CLOEXEC);
    if (out_fd < 0) {
        int e = errno;
        g_set_error(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_FAILED,
                    "no memory file for the minidump: %s", g_strerror(e));
        return NULL;
    }
    SandboxJob job = {core_fd, out_fd, record, opts};
    CoronerSandboxLimits limits = {
        .name = "the minidump writer",
        .drop_privileges = uid != 0,
        .uid = uid,
        .gid = gid,
        .address_space = opts->memory_limit + opts->max_bytes,
        .cpu_seconds = opts->timeout_ms / 1000 + 1,
        .timeout_ms = opts->timeout_ms,
        .max_output = 4u << 20,
    };
    g_autoptr(CoronerCrashRecord) answer = coroner_sandbox_run(&limits, sandbox_child, &job, error);
    if (!answer) {
        close(out_fd);
        return NULL;
    }
    struct stat st;
    MDRawHeader h = {0};
    if (fstat(out_fd, &st) < 0 || (uint64_t)st.st_size > opts->max_bytes ||
        (gsize)st.st_size < sizeof h) {
        close(out_fd);
        g_set_error_literal(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_FAILED,
                            "the minidump writer left no usable minidump");
        return NULL;
    }
    gsize size = (gsize)st.st_size;
    g_autofree uint8_t *bytes = g_malloc(size);
    ssize_t n = pread(out_fd, bytes, size, 0);
    close(out_fd);
    memcpy(&h, bytes, MIN(sizeof h, size));
    if (n != (ssize_t)size || h.signature != MD_HEADER_SIGNATURE) {
        g_set_error_literal(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_FAILED,
                            "the minidump writer left no usable minidump");
        return NULL;
    }
    if (warnings)
        for (guint i = 0; i < answer->errors->len; i++)
            g_ptr_array_add(warnings, g_strdup(answer->errors->pdata[i]));
    return g_bytes_new_take(g_steal_pointer(&bytes), size);
}
