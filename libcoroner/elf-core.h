/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An uncompressed 64-bit little-endian ELF core (x86_64, aarch64) as the
 * minidump writer needs it: the threads with their registers (NT_PRSTATUS,
 * NT_PRFPREG), the signal (NT_SIGINFO), the process (NT_PRPSINFO), the
 * auxiliary vector (NT_AUXV), the mapped files (NT_FILE), the mappings
 * (PT_LOAD) and reads of the crashed process's memory the core holds.  Read
 * with libelf: program headers and notes through gelf, a module's ELF headers
 * from the core's memory through elf_memory().
 *
 * The core is untrusted: every count and size it states is checked against
 * the file and capped, so a hostile core yields an error or less data, never
 * a read out of bounds.  Still, parse untrusted cores in the sandbox.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define CORONER_ELF_CORE_ERROR (coroner_elf_core_error_quark())
GQuark coroner_elf_core_error_quark(void);

typedef enum {
    CORONER_ELF_CORE_ERROR_NOT_CORE,    /* not an ELF core, or its headers are unreadable */
    CORONER_ELF_CORE_ERROR_UNSUPPORTED, /* a core of another class, byte order or machine */
    CORONER_ELF_CORE_ERROR_NO_THREADS,  /* no NT_PRSTATUS */
} CoronerElfCoreError;

/* Indexes into CoronerElfCoreThread.regs: the kernel's user_regs_struct (x86_64). */
enum {
    CORONER_X86_64_R15,
    CORONER_X86_64_R14,
    CORONER_X86_64_R13,
    CORONER_X86_64_R12,
    CORONER_X86_64_RBP,
    CORONER_X86_64_RBX,
    CORONER_X86_64_R11,
    CORONER_X86_64_R10,
    CORONER_X86_64_R9,
    CORONER_X86_64_R8,
    CORONER_X86_64_RAX,
    CORONER_X86_64_RCX,
    CORONER_X86_64_RDX,
    CORONER_X86_64_RSI,
    CORONER_X86_64_RDI,
    CORONER_X86_64_ORIG_RAX,
    CORONER_X86_64_RIP,
    CORONER_X86_64_CS,
    CORONER_X86_64_EFLAGS,
    CORONER_X86_64_RSP,
    CORONER_X86_64_SS,
    CORONER_X86_64_FS_BASE,
    CORONER_X86_64_GS_BASE,
    CORONER_X86_64_DS,
    CORONER_X86_64_ES,
    CORONER_X86_64_FS,
    CORONER_X86_64_GS,
    CORONER_X86_64_NREGS,
};
/* aarch64's user_pt_regs: x0…x30, then these. */
#define CORONER_AARCH64_SP 31
#define CORONER_AARCH64_PC 32
#define CORONER_AARCH64_PSTATE 33
#define CORONER_AARCH64_NREGS 34
/* The longest build-id kept (SHA-1's 20 bytes are the usual). */
#define CORONER_ELF_CORE_MAX_BUILD_ID 64u

/* aarch64's NT_PRFPREG (user_fpsimd_state): v0…v31, fpsr, fpcr. */
#define CORONER_AARCH64_FPSIMD_SIZE (32 * 16 + 8)

typedef struct {
    uint32_t tid;                         /* in the crashed process's pid namespace */
    uint64_t regs[CORONER_AARCH64_NREGS]; /* CORONER_X86_64_NREGS or _AARCH64_NREGS used */
    uint8_t fpregs[512 + 16];             /* NT_PRFPREG as it is */
    gsize fp_length;                      /* 0 without one */
} CoronerElfCoreThread;

/* An NT_FILE entry: [start, end) maps name from offset (bytes). */
typedef struct {
    uint64_t start;
    uint64_t end;
    uint64_t offset;
    const char *name; /* points into the core's copy of the note */
} CoronerElfCoreFile;

/* A PT_LOAD: a mapping of the process, whether or not its bytes are in the core. */
typedef struct {
    uint64_t vaddr;
    uint64_t memsz;
    uint32_t flags; /* PF_R, PF_W, PF_X */
} CoronerElfCoreRegion;

typedef struct CoronerElfCorePrivate CoronerElfCorePrivate;

typedef struct {
    unsigned machine;     /* EM_X86_64 or EM_AARCH64 */
    GArray *threads;      /* CoronerElfCoreThread, in note order: the dumping thread first */
    GArray *files;        /* CoronerElfCoreFile, in note order */
    GArray *regions;      /* CoronerElfCoreRegion, in program header order (at most 65536) */
    GBytes *auxv;         /* NT_AUXV, or NULL */
    char psargs[81];      /* NT_PRPSINFO's arguments, space-joined, or "" */
    uint32_t pid;         /* NT_PRPSINFO's, 0 without */
    gboolean has_siginfo; /* NT_SIGINFO: */
    int si_signo;
    int si_code;
    uint64_t fault_addr; /* si_addr of a fault the kernel raised (si_code > 0), else 0 */
    CoronerElfCorePrivate *priv;
} CoronerElfCore;

/*
 * Reads the core behind fd (a regular file; the fd stays the caller's and
 * must stay open while the core is used).  What it skips (a malformed note,
 * a note segment outside the file) is appended to warnings (char*, may be
 * NULL).  Fails when it is no 64-bit little-endian x86_64 or aarch64 core or
 * has no thread.
 */
CoronerElfCore *coroner_elf_core_open(int fd, GPtrArray *warnings, GError **error);
void coroner_elf_core_free(CoronerElfCore *core);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerElfCore, coroner_elf_core_free)

/*
 * Copies up to length bytes of the process's memory at vaddr: the contiguous
 * part the core holds (adjacent segments are followed).  Returns the bytes
 * copied; 0 when vaddr is not in the core.
 */
gsize coroner_elf_core_read(const CoronerElfCore *core, uint64_t vaddr, void *buf, gsize length);

/*
 * The core's segment holding vaddr, or else the lowest one starting above it
 * by at most gap bytes (a stack pointer in a guard page finds its stack).
 * Sets [ret_start, ret_end) of the bytes the core holds; FALSE when none.
 */
gboolean coroner_elf_core_segment(const CoronerElfCore *core, uint64_t vaddr, uint64_t gap,
                                  uint64_t *ret_start, uint64_t *ret_end);

/*
 * The GNU build-id of the ELF image whose first byte is at base, mapped for
 * mapped bytes from its file's offset 0, from the headers and notes the core
 * holds there.  ret_id gets at most CORONER_ELF_CORE_MAX_BUILD_ID bytes; returns its length, 0 when
 * there is none.  *ret_is_elf says whether an ELF header is there at all.
 */
gsize coroner_elf_core_build_id(const CoronerElfCore *core, uint64_t base, uint64_t mapped,
                                uint8_t *ret_id, gboolean *ret_is_elf);

uint64_t coroner_elf_core_thread_sp(const CoronerElfCore *core, const CoronerElfCoreThread *t);
uint64_t coroner_elf_core_thread_pc(const CoronerElfCore *core, const CoronerElfCoreThread *t);

G_END_DECLS
