/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The minidump writer: synthetic x86_64 and aarch64 cores built here (so
 * every register and byte is known) come out as the minidump format says;
 * a real kernel core of crash-c keeps its threads, signal and build-ids; and
 * hostile cores (empty, random, truncated everywhere, absurd counts) give a
 * clean error or a degraded minidump, in-process and in the sandbox.
 */
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "minidump-format.h"
#include "minidump-writer.h"
#include "test-util.h"
#include "coroner-test.h"

#define STACK_BASE 0x7ff000000000ull
#define STACK_SIZE 0x4000u
#define MODULE_BASE 0x400000ull
#define VDSO_BASE 0x7fff00000000ull
static const uint8_t build_id[20] = {0xde, 0xad, 0xbe, 0xef, 1,  2,  3,  4,  5,  6,
                                     7,    8,    9,    10,   11, 12, 13, 14, 15, 16};

/* ---- Building cores ---- */

static void append_note(GByteArray *notes, const char *name, uint32_t type, const void *desc,
                        uint32_t descsz)
{
    static const uint8_t pad[4];
    Elf64_Nhdr nh = {(uint32_t)strlen(name) + 1, descsz, type};
    g_byte_array_append(notes, (const guint8 *)&nh, sizeof nh);
    g_byte_array_append(notes, (const guint8 *)name, nh.n_namesz);
    g_byte_array_append(notes, pad, (4 - nh.n_namesz % 4) % 4);
    g_byte_array_append(notes, desc, descsz);
    g_byte_array_append(notes, pad, (4 - descsz % 4) % 4);
}

/* A zeroed buffer of size bytes starting with a 64-bit little-endian ELF header, program headers
 * next. */
static GByteArray *elf_buffer(gsize size, uint16_t type, uint16_t machine, uint16_t phnum)
{
    GByteArray *b = g_byte_array_new();
    g_byte_array_set_size(b, (guint)size);
    memset(b->data, 0, b->len);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)b->data;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = type;
    eh->e_machine = machine;
    eh->e_version = EV_CURRENT;
    eh->e_phoff = sizeof *eh;
    eh->e_ehsize = sizeof *eh;
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = phnum;
    return b;
}

/* A little ELF image (header, PT_LOAD, PT_NOTE with a GNU build-id) as mapped at its base. */
static GByteArray *module_image(void)
{
    GByteArray *m = elf_buffer(0x1000, ET_DYN, EM_X86_64, 2);
    Elf64_Ehdr *eh = (Elf64_Ehdr *)m->data;
    /* Section headers the core does not hold: the writer must not look for them. */
    eh->e_shoff = 0x123456;
    eh->e_shnum = 30;
    eh->e_shentsize = sizeof(Elf64_Shdr);
    Elf64_Phdr *ph = (Elf64_Phdr *)(m->data + sizeof *eh);
    g_autoptr(GByteArray) note = g_byte_array_new();
    append_note(note, "GNU", NT_GNU_BUILD_ID, build_id, sizeof build_id);
    gsize note_off = 0x200;
    memcpy(m->data + note_off, note->data, note->len);
    ph[0] = (Elf64_Phdr){PT_LOAD, PF_R | PF_X, 0, 0, 0, 0x1000, 0x1000, 0x1000};
    ph[1] = (Elf64_Phdr){PT_NOTE, PF_R, note_off, note_off, note_off, note->len, note->len, 4};
    return m;
}

typedef struct {
    unsigned machine;
    unsigned threads;
    gboolean siginfo;
    uint64_t file_count_override; /* NT_FILE's count, 0 for the true one */
} CoreSpec;

/* Register values for thread i: recognisable, with sp inside its stack slice. */
static uint64_t reg_value(unsigned thread, unsigned reg)
{
    return 0x1000000ull * (thread + 1) + reg;
}

static uint64_t thread_sp_value(unsigned thread)
{
    return STACK_BASE + (uint64_t)thread * STACK_SIZE + 0x1000;
}

static GByteArray *build_core(const CoreSpec *spec)
{
    gboolean x86 = spec->machine == EM_X86_64;
    unsigned nregs = x86 ? 27 : 34;
    g_autoptr(GByteArray) notes = g_byte_array_new();
    for (unsigned t = 0; t < spec->threads; t++) {
        uint8_t prstatus[392] = {0};
        int32_t tid = 1000 + (int32_t)t;
        memcpy(prstatus + 32, &tid, 4);
        uint64_t regs[34];
        for (unsigned r = 0; r < nregs; r++)
            regs[r] = reg_value(t, r);
        if (x86) {
            regs[19] = thread_sp_value(t);      /* rsp */
            regs[16] = MODULE_BASE + 0x100 + t; /* rip */
        } else {
            regs[31] = thread_sp_value(t);      /* sp */
            regs[32] = MODULE_BASE + 0x100 + t; /* pc */
            regs[33] = 0x60000000;              /* pstate */
        }
        memcpy(prstatus + 112, regs, nregs * 8);
        append_note(notes, "CORE", NT_PRSTATUS, prstatus, x86 ? 336 : 392);
        if (t == 0) {
            uint8_t psinfo[136] = {0};
            int32_t pid = 1000;
            memcpy(psinfo + 24, &pid, 4);
            memcpy(psinfo + 56, "crashy --flag", 13);
            append_note(notes, "CORE", NT_PRPSINFO, psinfo, sizeof psinfo);
            if (spec->siginfo) {
                uint8_t si[128] = {0};
                int32_t signo = SIGSEGV, code = 2 /* SEGV_ACCERR */;
                uint64_t addr = 0xbadc0de;
                memcpy(si, &signo, 4);
                memcpy(si + 8, &code, 4);
                memcpy(si + 16, &addr, 8);
                append_note(notes, "CORE", NT_SIGINFO, si, sizeof si);
            }
            uint64_t auxv[] = {AT_PAGESZ, 4096, AT_SYSINFO_EHDR, VDSO_BASE, AT_NULL, 0};
            append_note(notes, "CORE", NT_AUXV, auxv, sizeof auxv);
            /* NT_FILE: the module (two mappings) and a data file. */
            g_autoptr(GByteArray) f = g_byte_array_new();
            uint64_t head[2] = {spec->file_count_override ? spec->file_count_override : 3, 4096};
            uint64_t entries[9] = {MODULE_BASE,
                                   MODULE_BASE + 0x1000,
                                   0,
                                   MODULE_BASE + 0x1000,
                                   MODULE_BASE + 0x3000,
                                   1,
                                   0x500000,
                                   0x501000,
                                   0};
            g_byte_array_append(f, (const guint8 *)head, sizeof head);
            g_byte_array_append(f, (const guint8 *)entries, sizeof entries);
            const char names[] = "/usr/bin/crashy\0/usr/bin/crashy\0/usr/share/data.bin";
            g_byte_array_append(f, (const guint8 *)names, sizeof names);
            append_note(notes, "CORE", NT_FILE, f->data, f->len);
        }
        if (x86) {
            uint8_t fx[512];
            for (unsigned i = 0; i < sizeof fx; i++)
                fx[i] = (uint8_t)(i + t);
            append_note(notes, "CORE", NT_PRFPREG, fx, sizeof fx);
        } else {
            uint8_t fp[528] = {0};
            for (unsigned i = 0; i < 512; i++)
                fp[i] = (uint8_t)(i * 3 + t);
            uint32_t fpsr = 0x11, fpcr = 0x22;
            memcpy(fp + 512, &fpsr, 4);
            memcpy(fp + 516, &fpcr, 4);
            append_note(notes, "CORE", NT_PRFPREG, fp, sizeof fp);
        }
    }
    g_autoptr(GByteArray) module = module_image();
    g_autoptr(GByteArray) vdso = module_image();
    ((Elf64_Ehdr *)vdso->data)->e_machine = (uint16_t)spec->machine;

    /* The notes, the module, a data file, the vDSO, then one stack segment per thread. */
    unsigned nph = 4 + spec->threads;
    gsize off = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr);
    gsize notes_off = off;
    gsize module_off = (notes_off + notes->len + 0xfff) & ~(gsize)0xfff;
    gsize stack_off = module_off + module->len;
    gsize stack_len = (gsize)spec->threads * STACK_SIZE;
    gsize data_off = stack_off + stack_len;
    gsize vdso_off = data_off + 0x1000;
    GByteArray *core =
        elf_buffer(vdso_off + vdso->len, ET_CORE, (uint16_t)spec->machine, (uint16_t)nph);
    Elf64_Phdr *ph = (Elf64_Phdr *)(core->data + sizeof(Elf64_Ehdr));
    ph[0] = (Elf64_Phdr){PT_NOTE, 0, notes_off, 0, 0, notes->len, 0, 4};
    ph[1] = (Elf64_Phdr){PT_LOAD, PF_R | PF_X, module_off,  MODULE_BASE,
                         0,       module->len, module->len, 0x1000};
    ph[2] = (Elf64_Phdr){PT_LOAD, PF_R, data_off, 0x500000, 0, 0x1000, 0x1000, 0x1000};
    ph[3] =
        (Elf64_Phdr){PT_LOAD, PF_R | PF_X, vdso_off, VDSO_BASE, 0, vdso->len, vdso->len, 0x1000};
    for (unsigned t = 0; t < spec->threads; t++)
        ph[4 + t] = (Elf64_Phdr){PT_LOAD,
                                 PF_R | PF_W,
                                 stack_off + t * STACK_SIZE,
                                 STACK_BASE + t * STACK_SIZE,
                                 0,
                                 STACK_SIZE,
                                 STACK_SIZE,
                                 0x1000};
    memcpy(core->data + notes_off, notes->data, notes->len);
    memcpy(core->data + module_off, module->data, module->len);
    for (gsize i = 0; i < stack_len; i++)
        core->data[stack_off + i] = (uint8_t)(i * 7);
    memcpy(core->data + data_off, "not an ELF file", 15);
    memcpy(core->data + vdso_off, vdso->data, vdso->len);
    return core;
}

static int core_fd(const GByteArray *core, const char *name)
{
    g_autofree char *path = g_build_filename(test_tmpdir(), name, NULL);
    g_assert_true(g_file_set_contents(path, (const char *)core->data, core->len, NULL));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    return fd;
}

static CoronerCrashRecord *test_record(void)
{
    CoronerCrashRecord *r = coroner_crash_record_new();
    r->process.tid = 1001;
    r->process.cmdline = g_strdup("crashy --flag");
    r->process.environ = g_strdup("HOME=/root\nSECRET=1");
    r->process.proc_status = g_strdup("Name:\tcrashy\nState:\tS\n");
    r->process.proc_maps = g_strdup("00400000-00403000 r-xp 00000000 08:01 1 /usr/bin/crashy\n");
    CoronerThreadName *n = g_new0(CoronerThreadName, 1);
    n->tid = 1001;
    n->name = g_strdup("worker-ü");
    g_ptr_array_add(r->process.threads, n);
    r->timestamp_usec = (int64_t)1700000000 * G_USEC_PER_SEC;
    return r;
}

/* ---- Reading minidumps back ---- */

static const uint8_t *stream(GBytes *dump, uint32_t type, uint32_t *ret_size)
{
    gsize len;
    const uint8_t *d = g_bytes_get_data(dump, &len);
    MDRawHeader h;
    g_assert_cmpuint(len, >=, sizeof h);
    memcpy(&h, d, sizeof h);
    g_assert_cmphex(h.signature, ==, MD_HEADER_SIGNATURE);
    g_assert_cmphex(h.version & 0xffff, ==, MD_HEADER_VERSION);
    for (uint32_t i = 0; i < h.stream_count; i++) {
        MDRawDirectory dir;
        memcpy(&dir, d + h.stream_directory_rva + i * sizeof dir, sizeof dir);
        if (dir.stream_type != type)
            continue;
        g_assert_cmpuint((uint64_t)dir.location.rva + dir.location.data_size, <=, len);
        if (ret_size)
            *ret_size = dir.location.data_size;
        return d + dir.location.rva;
    }
    return NULL;
}

static const uint8_t *at(GBytes *dump, uint32_t rva, uint32_t size)
{
    gsize len;
    const uint8_t *d = g_bytes_get_data(dump, &len);
    g_assert_cmpuint((uint64_t)rva + size, <=, len);
    return d + rva;
}

static char *md_string(GBytes *dump, uint32_t rva)
{
    uint32_t bytes;
    memcpy(&bytes, at(dump, rva, 4), 4);
    const uint8_t *p = at(dump, rva + 4, bytes + 2);
    g_autofree gunichar2 *u = g_memdup2(p, bytes + 2);
    return g_utf16_to_utf8(u, bytes / 2, NULL, NULL, NULL);
}

static GBytes *write_minidump(const GByteArray *core, const char *name,
                              const CoronerCrashRecord *record, const CoronerMinidumpOptions *o,
                              gboolean sandboxed, GPtrArray *warnings, GError **error)
{
    int fd = core_fd(core, name);
    GBytes *dump = sandboxed
                       ? coroner_minidump_sandboxed(fd, record, o, 65534, 65534, warnings, error)
                       : coroner_minidump_from_core_fd(fd, record, o, warnings, error);
    close(fd);
    return dump;
}

static void check_synthetic(unsigned machine, gboolean sandboxed)
{
    CoreSpec spec = {machine, 3, TRUE, 0};
    g_autoptr(GByteArray) core = build_core(&spec);
    g_autoptr(CoronerCrashRecord) record = test_record();
    CoronerMinidumpOptions o;
    coroner_minidump_options_init(&o);
    o.host_info = FALSE;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) dump =
        write_minidump(core, "synthetic", record, &o, sandboxed, warnings, &error);
    g_assert_no_error(error);
    g_assert_nonnull(dump);

    /* SystemInfo. */
    MDRawSystemInfo si;
    memcpy(&si, stream(dump, MD_SYSTEM_INFO_STREAM, NULL), sizeof si);
    g_assert_cmpuint(si.processor_architecture, ==,
                     machine == EM_X86_64 ? MD_CPU_ARCHITECTURE_AMD64 : MD_CPU_ARCHITECTURE_ARM64);
    g_assert_cmphex(si.platform_id, ==, MD_OS_LINUX);

    /* Threads: ids, contexts, stacks from sp (less the red zone) to the segment's end. */
    uint32_t size;
    const uint8_t *tl = stream(dump, MD_THREAD_LIST_STREAM, &size);
    uint32_t count;
    memcpy(&count, tl, 4);
    g_assert_cmpuint(count, ==, 3);
    g_assert_cmpuint(size, ==, 4 + 3 * sizeof(MDRawThread));
    for (unsigned t = 0; t < 3; t++) {
        MDRawThread th;
        memcpy(&th, tl + 4 + t * sizeof th, sizeof th);
        g_assert_cmpuint(th.thread_id, ==, 1000 + t);
        uint64_t sp = thread_sp_value(t);
        uint64_t start = machine == EM_X86_64 ? sp - 128 : sp;
        g_assert_cmphex(th.stack.start_of_memory_range, ==, start);
        g_assert_cmpuint(th.stack.memory.data_size, ==, STACK_BASE + (t + 1) * STACK_SIZE - start);
        const uint8_t *stack = at(dump, th.stack.memory.rva, th.stack.memory.data_size);
        uint64_t in_seg = start - STACK_BASE;
        for (unsigned i = 0; i < 64; i++)
            g_assert_cmpuint(stack[i], ==, (uint8_t)((in_seg + i) * 7));
        if (machine == EM_X86_64) {
            MDRawContextAMD64 ctx;
            g_assert_cmpuint(th.thread_context.data_size, ==, sizeof ctx);
            memcpy(&ctx, at(dump, th.thread_context.rva, sizeof ctx), sizeof ctx);
            g_assert_cmphex(ctx.context_flags & MD_CONTEXT_AMD64_FLOATING_POINT, ==,
                            MD_CONTEXT_AMD64_FLOATING_POINT);
            g_assert_cmphex(ctx.rsp, ==, sp);
            g_assert_cmphex(ctx.rip, ==, MODULE_BASE + 0x100 + t);
            g_assert_cmphex(ctx.r15, ==, reg_value(t, 0));
            g_assert_cmphex(ctx.rbp, ==, reg_value(t, 4));
            g_assert_cmphex(ctx.rax, ==, reg_value(t, 10));
            g_assert_cmphex(ctx.rdi, ==, reg_value(t, 14));
            g_assert_cmphex(ctx.eflags, ==, (uint32_t)reg_value(t, 18));
            g_assert_cmphex(ctx.cs, ==, (uint16_t)reg_value(t, 17));
            g_assert_cmpuint(((const uint8_t *)&ctx.flt_save)[100], ==, (uint8_t)(100 + t));
            uint32_t mxcsr;
            memcpy(&mxcsr, ((const uint8_t *)&ctx.flt_save) + 24, 4);
            g_assert_cmphex(ctx.mx_csr, ==, mxcsr);
        } else {
            MDRawContextARM64 ctx;
            g_assert_cmpuint(th.thread_context.data_size, ==, sizeof ctx);
            memcpy(&ctx, at(dump, th.thread_context.rva, sizeof ctx), sizeof ctx);
            g_assert_cmphex(ctx.context_flags, ==,
                            MD_CONTEXT_ARM64_CONTROL | MD_CONTEXT_ARM64_INTEGER |
                                MD_CONTEXT_ARM64_FLOATING_POINT);
            g_assert_cmphex(ctx.iregs[0], ==, reg_value(t, 0));
            g_assert_cmphex(ctx.iregs[MD_CONTEXT_ARM64_REG_FP], ==, reg_value(t, 29));
            g_assert_cmphex(ctx.iregs[MD_CONTEXT_ARM64_REG_LR], ==, reg_value(t, 30));
            g_assert_cmphex(ctx.iregs[MD_CONTEXT_ARM64_REG_SP], ==, sp);
            g_assert_cmphex(ctx.iregs[MD_CONTEXT_ARM64_REG_PC], ==, MODULE_BASE + 0x100 + t);
            g_assert_cmphex(ctx.cpsr, ==, 0x60000000);
            g_assert_cmpuint(((const uint8_t *)ctx.fp_regs)[17], ==, (uint8_t)(17 * 3 + t));
            g_assert_cmphex(ctx.fpsr, ==, 0x11);
            g_assert_cmphex(ctx.fpcr, ==, 0x22);
        }
    }

    /* The exception: the record's tid, the core's siginfo. */
    MDRawExceptionStream ex;
    memcpy(&ex, stream(dump, MD_EXCEPTION_STREAM, NULL), sizeof ex);
    g_assert_cmpuint(ex.thread_id, ==, 1001);
    g_assert_cmpuint(ex.exception_record.exception_code, ==, SIGSEGV);
    g_assert_cmpuint(ex.exception_record.exception_flags, ==, 2);
    g_assert_cmphex(ex.exception_record.exception_address, ==, 0xbadc0de);

    /* Modules: the ELF file spanning both mappings and the vDSO; not the data file. */
    const uint8_t *ml = stream(dump, MD_MODULE_LIST_STREAM, &size);
    memcpy(&count, ml, 4);
    g_assert_cmpuint(count, ==, 2);
    g_assert_cmpuint(size, ==, 4 + 2 * 108);
    for (unsigned i = 0; i < 2; i++) {
        MDRawModule m;
        memcpy(&m, ml + 4 + i * 108, sizeof m);
        g_autofree char *name = md_string(dump, m.module_name_rva);
        g_assert_cmpstr(name, ==, i == 0 ? "/usr/bin/crashy" : "linux-vdso.so.1");
        g_assert_cmphex(m.base_of_image, ==, i == 0 ? MODULE_BASE : VDSO_BASE);
        g_assert_cmphex(m.size_of_image, ==, i == 0 ? 0x3000 : 0x1000);
        g_assert_cmpuint(m.cv_record.data_size, ==, 4 + sizeof build_id);
        const uint8_t *cv = at(dump, m.cv_record.rva, m.cv_record.data_size);
        uint32_t sig;
        memcpy(&sig, cv, 4);
        g_assert_cmphex(sig, ==, MD_CVINFOELF_SIGNATURE);
        g_assert_cmpmem(cv + 4, sizeof build_id, build_id, sizeof build_id);
    }

    /* The thread names, the Linux streams; no environment without consent. */
    const uint8_t *names = stream(dump, MD_THREAD_NAME_LIST_STREAM, &size);
    g_assert_nonnull(names);
    MDRawThreadName tn;
    memcpy(&tn, names + 4, sizeof tn);
    g_assert_cmpuint(tn.thread_id, ==, 1001);
    g_autofree char *tname = md_string(dump, (uint32_t)tn.thread_name_rva);
    g_assert_cmpstr(tname, ==, "worker-ü");
    const uint8_t *cmd = stream(dump, MD_LINUX_CMD_LINE, &size);
    g_assert_cmpmem(cmd, size, "crashy\0--flag\0", 14);
    g_assert_nonnull(stream(dump, MD_LINUX_PROC_STATUS, NULL));
    g_assert_nonnull(stream(dump, MD_LINUX_MAPS, NULL));
    g_assert_nonnull(stream(dump, MD_LINUX_AUXV, NULL));
    g_assert_nonnull(stream(dump, MD_MEMORY_INFO_LIST_STREAM, NULL));
    g_assert_null(stream(dump, MD_LINUX_ENVIRON, NULL));
    g_assert_null(stream(dump, MD_LINUX_CPU_INFO, NULL));

    /* The memory list: every stack, and the code around the crashing pc, never overlapping. */
    const uint8_t *mem = stream(dump, MD_MEMORY_LIST_STREAM, &size);
    memcpy(&count, mem, 4);
    g_assert_cmpuint(count, ==, 4);
    for (unsigned i = 0; i < count; i++) {
        MDMemoryDescriptor a;
        memcpy(&a, mem + 4 + i * sizeof a, sizeof a);
        for (unsigned k = i + 1; k < count; k++) {
            MDMemoryDescriptor b;
            memcpy(&b, mem + 4 + k * sizeof b, sizeof b);
            g_assert_true(a.start_of_memory_range + a.memory.data_size <= b.start_of_memory_range ||
                          b.start_of_memory_range + b.memory.data_size <= a.start_of_memory_range);
        }
    }

    /* With consent, the environment, NUL-separated. */
    o.include_environ = TRUE;
    g_autoptr(GBytes) with_env =
        write_minidump(core, "synthetic", record, &o, sandboxed, NULL, &error);
    g_assert_no_error(error);
    const uint8_t *env = stream(with_env, MD_LINUX_ENVIRON, &size);
    g_assert_cmpmem(env, size, "HOME=/root\0SECRET=1\0", 20);
}

static void test_synthetic_x86_64(void)
{
    check_synthetic(EM_X86_64, FALSE);
    check_synthetic(EM_X86_64, TRUE);
}

static void test_synthetic_aarch64(void)
{
    check_synthetic(EM_AARCH64, FALSE);
    check_synthetic(EM_AARCH64, TRUE);
}

/* Caps: the crashing thread is kept past the thread cap; the size cap cuts stacks. */
static void test_caps(void)
{
    CoreSpec spec = {EM_X86_64, 5, TRUE, 0};
    g_autoptr(GByteArray) core = build_core(&spec);
    g_autoptr(CoronerCrashRecord) record = test_record();
    record->process.tid = 1004;
    CoronerMinidumpOptions o;
    coroner_minidump_options_init(&o);
    o.host_info = FALSE;
    o.max_threads = 2;
    o.max_stack_bytes = 256;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) dump = write_minidump(core, "caps", record, &o, FALSE, warnings, &error);
    g_assert_no_error(error);
    const uint8_t *tl = stream(dump, MD_THREAD_LIST_STREAM, NULL);
    uint32_t count;
    memcpy(&count, tl, 4);
    g_assert_cmpuint(count, ==, 2);
    MDRawThread th;
    memcpy(&th, tl + 4 + sizeof th, sizeof th);
    g_assert_cmpuint(th.thread_id, ==, 1004);
    g_assert_cmpuint(th.stack.memory.data_size, ==, 256);
    MDRawExceptionStream ex;
    memcpy(&ex, stream(dump, MD_EXCEPTION_STREAM, NULL), sizeof ex);
    g_assert_cmpuint(ex.thread_id, ==, 1004);
    g_assert_cmpuint(warnings->len, >=, 1);

    /* A size cap below what the threads need is an error, not a broken file. */
    o.max_threads = 1024;
    o.max_stack_bytes = 1 << 20;
    o.max_bytes = 1;
    g_autoptr(GBytes) small = write_minidump(core, "caps", record, &o, FALSE, NULL, &error);
    if (small) {
        g_assert_cmpuint(g_bytes_get_size(small), <=, 64 * 1024);
    } else {
        g_assert_error(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_FAILED);
        g_clear_error(&error);
    }
    /* Without a record or NT_SIGINFO: the first thread, no signal, still a minidump. */
    spec.siginfo = FALSE;
    g_autoptr(GByteArray) bare = build_core(&spec);
    coroner_minidump_options_init(&o);
    o.host_info = FALSE;
    g_autoptr(GBytes) anon = write_minidump(bare, "bare", NULL, &o, FALSE, NULL, &error);
    g_assert_no_error(error);
    memcpy(&ex, stream(anon, MD_EXCEPTION_STREAM, NULL), sizeof ex);
    g_assert_cmpuint(ex.thread_id, ==, 1000);
    g_assert_cmpuint(ex.exception_record.exception_code, ==, 0);
}

/* Every way to hurt the writer gives an error of ours or a minidump, in both variants. */
static void try_hostile(const GByteArray *core, const char *what)
{
    CoronerMinidumpOptions o;
    coroner_minidump_options_init(&o);
    o.host_info = FALSE;
    o.timeout_ms = 5000;
    for (int sandboxed = 0; sandboxed <= 1; sandboxed++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) dump = write_minidump(core, "hostile", NULL, &o, sandboxed, NULL, &error);
        if (dump) {
            g_assert_no_error(error);
            g_assert_nonnull(stream(dump, MD_THREAD_LIST_STREAM, NULL));
        } else {
            g_assert_nonnull(error);
            g_assert_true(error->domain == CORONER_MINIDUMP_ERROR);
            if (!sandboxed)
                g_test_message("%s: %s", what, error->message);
        }
    }
}

static void test_hostile(void)
{
    g_autoptr(GByteArray) empty = g_byte_array_new();
    CoronerMinidumpOptions o;
    coroner_minidump_options_init(&o);
    g_autoptr(GError) error = NULL;
    int fd = core_fd(empty, "empty");
    g_assert_null(coroner_minidump_from_core_fd(fd, NULL, &o, NULL, &error));
    close(fd);
    g_assert_error(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_NOT_CORE);
    g_clear_error(&error);

    g_autoptr(GRand) rand = g_rand_new_with_seed(16);
    g_autoptr(GByteArray) noise = g_byte_array_new();
    for (int i = 0; i < 65536; i++) {
        guint8 b = (guint8)g_rand_int(rand);
        g_byte_array_append(noise, &b, 1);
    }
    try_hostile(noise, "noise");

    /* An executable is ELF but no core. */
    g_autoptr(GByteArray) exe = module_image();
    fd = core_fd(exe, "exe");
    g_assert_null(coroner_minidump_from_core_fd(fd, NULL, &o, NULL, &error));
    close(fd);
    g_assert_error(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_NOT_CORE);
    g_clear_error(&error);

    /* A core of another machine. */
    CoreSpec spec = {EM_X86_64, 2, TRUE, 0};
    g_autoptr(GByteArray) core = build_core(&spec);
    g_autoptr(GByteArray) ppc = g_byte_array_new();
    g_byte_array_append(ppc, core->data, core->len);
    ((Elf64_Ehdr *)ppc->data)->e_machine = EM_PPC64;
    fd = core_fd(ppc, "ppc");
    g_assert_null(coroner_minidump_from_core_fd(fd, NULL, &o, NULL, &error));
    close(fd);
    g_assert_error(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_UNSUPPORTED);
    g_clear_error(&error);

    /* Truncated at every 97th byte, and at the edges. */
    for (gsize cut = 1; cut < core->len; cut += cut < 4096 ? 97 : 4001) {
        g_autoptr(GByteArray) t = g_byte_array_new();
        g_byte_array_append(t, core->data, (guint)cut);
        g_autofree char *what = g_strdup_printf("cut at %zu", cut);
        try_hostile(t, what);
    }

    /* Absurd counts: NT_FILE's, the program headers', a note's size. */
    spec.file_count_override = G_MAXUINT64 / 8;
    g_autoptr(GByteArray) files = build_core(&spec);
    try_hostile(files, "NT_FILE count");
    g_autoptr(GByteArray) phnum = g_byte_array_new();
    g_byte_array_append(phnum, core->data, core->len);
    ((Elf64_Ehdr *)phnum->data)->e_phnum = 0xfffe;
    try_hostile(phnum, "e_phnum");
    g_autoptr(GByteArray) notesz = g_byte_array_new();
    g_byte_array_append(notesz, core->data, core->len);
    Elf64_Phdr *ph = (Elf64_Phdr *)(notesz->data + sizeof(Elf64_Ehdr));
    ph[0].p_filesz = G_MAXUINT64 - 10;
    try_hostile(notesz, "note segment size");
    Elf64_Nhdr *nh =
        (Elf64_Nhdr *)(core->data + ((Elf64_Phdr *)(core->data + sizeof(Elf64_Ehdr)))->p_offset);
    g_autoptr(GByteArray) descsz = g_byte_array_new();
    g_byte_array_append(descsz, core->data, core->len);
    ((Elf64_Nhdr *)(descsz->data + ((guint8 *)nh - core->data)))->n_descsz = 0xfffffff0;
    try_hostile(descsz, "n_descsz");
    /* A stack segment claiming more bytes than the file has. */
    g_autoptr(GByteArray) load = g_byte_array_new();
    g_byte_array_append(load, core->data, core->len);
    ph = (Elf64_Phdr *)(load->data + sizeof(Elf64_Ehdr));
    ph[4].p_filesz = (uint64_t)1 << 40;
    try_hostile(load, "PT_LOAD size");
}

/* Random bytes flipped in the headers and notes of a good core, 300 times: never a crash. */
static void test_flipped(void)
{
    CoreSpec spec = {EM_X86_64, 3, TRUE, 0};
    g_autoptr(GByteArray) core = build_core(&spec);
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(core->data + sizeof(Elf64_Ehdr));
    /* The interesting part: ELF header, program headers, notes, the module's headers. */
    gsize span = ph[0].p_offset + ph[0].p_filesz;
    gsize module_off = ph[1].p_offset;
    CoronerMinidumpOptions o;
    coroner_minidump_options_init(&o);
    o.host_info = FALSE;
    g_autoptr(GRand) rand = g_rand_new_with_seed(1648);
    guint made = 0;
    for (int round = 0; round < 300; round++) {
        g_autoptr(GByteArray) bad = g_byte_array_new();
        g_byte_array_append(bad, core->data, core->len);
        for (int k = 0; k < 4; k++) {
            gsize at = g_rand_boolean(rand) ? (gsize)g_rand_int_range(rand, 0, (gint32)span)
                                            : module_off + (gsize)g_rand_int_range(rand, 0, 0x300);
            bad->data[at] = (guint8)g_rand_int(rand);
        }
        int fd = core_fd(bad, "flipped");
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) dump = coroner_minidump_from_core_fd(fd, NULL, &o, NULL, &error);
        close(fd);
        if (dump) {
            g_assert_nonnull(stream(dump, MD_THREAD_LIST_STREAM, NULL));
            made++;
        } else {
            g_assert_true(error->domain == CORONER_MINIDUMP_ERROR);
        }
    }
    g_test_message("%u of 300 flipped cores still made a minidump", made);
}

/* A real kernel core: the crash's threads, signal and the program's build-id. */
static void test_kernel_core(void)
{
    int pid;
    g_autofree char *path = test_program_core("CRASH_C", "threads", &pid);
    g_autoptr(GError) error = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    /* No options are the defaults, sandboxed and in-process alike. */
    g_autoptr(GBytes) dump = coroner_minidump_sandboxed(fd, NULL, NULL, 65534, 65534, NULL, &error);
    g_assert_no_error(error);
    g_autoptr(GBytes) in_process = coroner_minidump_from_core_fd(fd, NULL, NULL, NULL, &error);
    close(fd);
    g_assert_no_error(error);
    g_assert_true(g_bytes_equal(dump, in_process));
    uint32_t count;
    memcpy(&count, stream(dump, MD_THREAD_LIST_STREAM, NULL), 4);
    g_assert_cmpuint(count, ==, 5);
    MDRawExceptionStream ex;
    memcpy(&ex, stream(dump, MD_EXCEPTION_STREAM, NULL), sizeof ex);
    g_assert_cmpuint(ex.exception_record.exception_code, ==, SIGSEGV);
    g_assert_cmpuint(ex.thread_id, ==, (uint32_t)pid);

    /* The program's build-id, as the file itself has it. */
    g_autofree char *exe = realpath(test_path("CRASH_C"), NULL);
    g_autofree char *out = NULL;
    const char *argv[] = {"readelf", "-n", exe, NULL};
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               NULL, NULL, NULL));
    const char *line = strstr(out, "Build ID: ");
    g_assert_nonnull(line);
    g_autofree char *want = g_strndup(line + 10, 40);
    uint32_t size;
    const uint8_t *ml = stream(dump, MD_MODULE_LIST_STREAM, &size);
    memcpy(&count, ml, 4);
    gboolean found = FALSE;
    for (unsigned i = 0; i < count; i++) {
        MDRawModule m;
        memcpy(&m, ml + 4 + i * 108, sizeof m);
        g_autofree char *name = md_string(dump, m.module_name_rva);
        if (!g_str_equal(name, exe))
            continue;
        const uint8_t *cv = at(dump, m.cv_record.rva, m.cv_record.data_size);
        GString *hex = g_string_new(NULL);
        for (uint32_t k = 4; k < m.cv_record.data_size; k++)
            g_string_append_printf(hex, "%02x", cv[k]);
        g_assert_cmpstr(hex->str, ==, want);
        g_string_free(hex, TRUE);
        found = TRUE;
    }
    g_assert_true(found);
}

static const CoronerTestCase tests[] = {
    {"/minidump/synthetic-x86_64", test_synthetic_x86_64},
    {"/minidump/synthetic-aarch64", test_synthetic_aarch64},
    {"/minidump/caps", test_caps},
    {"/minidump/hostile", test_hostile},
    {"/minidump/flipped", test_flipped},
    {"/minidump/kernel-core", test_kernel_core},
};

CORONER_TEST_MAIN(tests)
