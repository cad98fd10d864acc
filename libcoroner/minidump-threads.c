/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The minidump's threads: register contexts, stacks (environment blanked), names, the exception. */
#include <elf.h>
#include <string.h>

#include "minidump-format.h"
#include "minidump-out.h"

/* Bytes around the crashing instruction kept in the memory list, as Breakpad does. */
#define CODE_AROUND_PC 256u
/* A stack pointer below its stack (an overflow, in the guard page) this far still finds it. */
#define GUARD_GAP (64u * 1024u)

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
        return md_out_append(o, &ctx, sizeof ctx, error);
    }
    MDRawContextARM64 ctx;
    context_arm64(t, &ctx);
    *ret_size = sizeof ctx;
    return md_out_append(o, &ctx, sizeof ctx, error);
}

/* Which of the core's threads crashed: the record's tid, else the dumping (first) thread. */
guint md_crashing_index(const CoronerElfCore *c, const CoronerCrashRecord *record)
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

gboolean md_write_threads(Out *o, CoronerElfCore *c, const CoronerCrashRecord *record,
                              const CoronerMinidumpOptions *opts, guint crashed,
                              ThreadOut *ret_crashed, GError **error)
{
    guint n = MIN(c->threads->len, MAX(opts->max_threads, 1u));
    if (n < c->threads->len)
        md_warn(o, "%u of the core's %u threads written (the cap)", n, c->threads->len);
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
            md_warn(o, "thread %u: its stack was left out to fit the minidump's size cap", t->tid);
        } else if (len == 0) {
            md_warn(o, "thread %u: its stack (sp 0x%" G_GINT64_MODIFIER "x) is not in the core",
                 t->tid, coroner_elf_core_thread_sp(c, t));
        } else {
            uint32_t srva = md_out_append(o, stack, len, error);
            if (!srva)
                return FALSE;
            budget -= len;
            mt->stack = (MDMemoryDescriptor){start, {(uint32_t)len, srva}};
            md_out_memory(o, start, (uint32_t)len, srva);
            if (len == max && max < opts->max_stack_bytes)
                md_warn(o, "thread %u: its stack was cut to fit the minidump's size cap", t->tid);
        }
        const char *name = coroner_crash_record_thread_name(record, t->tid);
        if (name) {
            uint32_t nrva = md_out_string(o, name, error);
            if (!nrva)
                return FALSE;
            MDRawThreadName tn = {t->tid, nrva};
            g_array_append_val(names, tn);
        }
    }
    if (!md_out_list_stream(o, MD_THREAD_LIST_STREAM, list, n, sizeof *list, error))
        return FALSE;
    return names->len == 0 || md_out_list_stream(o, MD_THREAD_NAME_LIST_STREAM, names->data,
                                                 names->len, sizeof(MDRawThreadName), error);
}


/* Bytes of the code around the crashing instruction, for disassembly and exploitability. */
gboolean md_write_code_around_pc(Out *o, const CoronerElfCore *c, const CoronerElfCoreThread *t,
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
    uint32_t rva = md_out_append(o, code, n, error);
    if (!rva)
        return FALSE;
    md_out_memory(o, start, (uint32_t)n, rva);
    return TRUE;
}

gboolean md_write_exception(Out *o, const CoronerElfCore *c, const CoronerCrashRecord *record,
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
    uint32_t rva = md_out_append(o, &e, sizeof e, error);
    if (!rva)
        return FALSE;
    md_out_stream(o, MD_EXCEPTION_STREAM, rva, sizeof e);
    return TRUE;
}
