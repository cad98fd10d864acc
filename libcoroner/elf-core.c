/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "elf-core.h"

#include <elf.h>
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK(coroner - elf - core - error - quark, coroner_elf_core_error)

/* What a hostile core cannot make us exceed. */
#define MAX_PHDRS (1u << 20)
#define MAX_NOTES_BYTES ((gsize)64 << 20)
#define MAX_FILE_ENTRIES 65536u
#define MAX_REGIONS 65536u
/* How much of a module's first mapping is read for its program headers and notes. */
#define MODULE_HEADER_BYTES 65536u

/* prstatus (64-bit): pr_pid at 32, pr_reg at 112. */
#define PRSTATUS_PID 32
#define PRSTATUS_REG 112

/* A PT_LOAD's bytes in the file. */
typedef struct {
    uint64_t vaddr;
    uint64_t filesz;
    uint64_t offset;
} Segment;

struct CoronerElfCorePrivate {
    int fd;
    uint64_t file_size;
    Elf *elf;
    GArray *segments;   /* Segment, by vaddr, not overlapping */
    GBytes *file_names; /* NT_FILE's desc, which the names point into */
    GPtrArray *warnings;
};

static void warn(const CoronerElfCore *c, const char *format, ...) G_GNUC_PRINTF(2, 3);
static void warn(const CoronerElfCore *c, const char *format, ...)
{
    if (!c->priv->warnings)
        return;
    va_list ap;
    va_start(ap, format);
    g_ptr_array_add(c->priv->warnings, g_strdup_vprintf(format, ap));
    va_end(ap);
}

static int segment_cmp(gconstpointer a, gconstpointer b)
{
    const Segment *x = a, *y = b;
    return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/* The segment holding vaddr, or NULL. */
static const Segment *segment_at(const CoronerElfCore *c, uint64_t vaddr)
{
    guint lo = 0, hi = c->priv->segments->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const Segment *s = &g_array_index(c->priv->segments, Segment, mid);
        if (vaddr < s->vaddr)
            hi = mid;
        else if (vaddr - s->vaddr >= s->filesz)
            lo = mid + 1;
        else
            return s;
    }
    return NULL;
}

/* The lowest segment starting above vaddr and at most gap bytes above it, or NULL. */
static const Segment *segment_above(const CoronerElfCore *c, uint64_t vaddr, uint64_t gap)
{
    for (guint i = 0; i < c->priv->segments->len; i++) {
        const Segment *s = &g_array_index(c->priv->segments, Segment, i);
        if (s->vaddr > vaddr)
            return s->vaddr - vaddr <= gap ? s : NULL;
    }
    return NULL;
}

/*
 * Copies up to length bytes of the crashed process's memory at vaddr: the
 * contiguous part the core holds (segments may follow each other).  Returns
 * the bytes copied; 0 when vaddr is not in the core.
 */
gsize coroner_elf_core_read(const CoronerElfCore *c, uint64_t vaddr, void *buf, gsize length)
{
    gsize done = 0;
    while (done < length) {
        const Segment *s = segment_at(c, vaddr + done);
        if (!s)
            break;
        uint64_t in_seg = vaddr + done - s->vaddr;
        gsize n = (gsize)MIN((uint64_t)(length - done), s->filesz - in_seg);
        uint64_t off = s->offset + in_seg;
        if (off >= c->priv->file_size)
            break;
        n = (gsize)MIN((uint64_t)n, c->priv->file_size - off);
        ssize_t r = pread(c->priv->fd, (uint8_t *)buf + done, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        done += (gsize)r;
    }
    return done;
}

static gboolean note_is(const Elf_Data *d, const GElf_Nhdr *nh, size_t name_off, const char *name)
{
    size_t len = strlen(name) + 1;
    return nh->n_namesz == len && memcmp((const char *)d->d_buf + name_off, name, len) == 0;
}

static void read_prstatus(CoronerElfCore *c, const uint8_t *d, size_t size)
{
    unsigned nregs = c->machine == EM_X86_64 ? CORONER_X86_64_NREGS : CORONER_AARCH64_NREGS;
    if (size < PRSTATUS_REG + nregs * 8u) {
        warn(c, "a thread's NT_PRSTATUS is too short (%zu bytes): left out", size);
        return;
    }
    CoronerElfCoreThread t = {0};
    int32_t pid;
    memcpy(&pid, d + PRSTATUS_PID, 4);
    t.tid = (uint32_t)pid;
    memcpy(t.regs, d + PRSTATUS_REG, nregs * 8u);
    g_array_append_val(c->threads, t);
}

static void read_fpregs(CoronerElfCore *c, const uint8_t *d, size_t size)
{
    if (c->threads->len == 0)
        return;
    CoronerElfCoreThread *t = &g_array_index(c->threads, CoronerElfCoreThread, c->threads->len - 1);
    gsize want = c->machine == EM_X86_64 ? 512 : CORONER_AARCH64_FPSIMD_SIZE;
    if (size < want || t->fp_length)
        return;
    memcpy(t->fpregs, d, want);
    t->fp_length = want;
}

static void read_siginfo(CoronerElfCore *c, const uint8_t *d, size_t size)
{
    /* siginfo_t: si_signo, si_errno, si_code, then the union at 16 (si_addr for faults). */
    if (c->has_siginfo || size < 24)
        return;
    int32_t signo, code;
    uint64_t addr;
    memcpy(&signo, d, 4);
    memcpy(&code, d + 8, 4);
    memcpy(&addr, d + 16, 8);
    c->has_siginfo = TRUE;
    c->si_signo = signo;
    c->si_code = code;
    gboolean fault = signo == SIGSEGV || signo == SIGBUS || signo == SIGILL || signo == SIGFPE ||
                     signo == SIGTRAP;
    /* si_code > 0: the kernel raised it for an instruction, and si_addr means something. */
    c->fault_addr = fault && code > 0 ? addr : 0;
}

static void read_prpsinfo(CoronerElfCore *c, const uint8_t *d, size_t size)
{
    /* elf_prpsinfo (64-bit): pr_pid at 24, pr_psargs[80] at 56. */
    if (size < 136)
        return;
    memcpy(&c->pid, d + 24, 4);
    memcpy(c->psargs, d + 56, 80);
    c->psargs[80] = '\0';
}

/* NT_FILE: count, page size, count × (start, end, page offset), count NUL-terminated names. */
static void read_nt_file(CoronerElfCore *c, const uint8_t *d, size_t size)
{
    if (c->priv->file_names || size < 16)
        return;
    uint64_t count, page;
    memcpy(&count, d, 8);
    memcpy(&page, d + 8, 8);
    if (count > MAX_FILE_ENTRIES || count > (size - 16) / 24 || page == 0 || page > (1u << 30)) {
        warn(c, "the core's file list (NT_FILE) is malformed: no module names");
        return;
    }
    c->priv->file_names = g_bytes_new(d, size);
    const uint8_t *base = g_bytes_get_data(c->priv->file_names, NULL);
    const char *name = (const char *)base + 16 + count * 24;
    const char *end = (const char *)base + size;
    for (uint64_t i = 0; i < count; i++) {
        const char *nul = name < end ? memchr(name, '\0', (size_t)(end - name)) : NULL;
        if (!nul)
            break;
        CoronerElfCoreFile f;
        uint64_t pgoff;
        memcpy(&f.start, base + 16 + i * 24, 8);
        memcpy(&f.end, base + 16 + i * 24 + 8, 8);
        memcpy(&pgoff, base + 16 + i * 24 + 16, 8);
        f.offset = pgoff * page;
        f.name = name;
        if (f.end > f.start && pgoff <= G_MAXUINT64 / page)
            g_array_append_val(c->files, f);
        name = nul + 1;
    }
}

static void read_notes(CoronerElfCore *c, const GElf_Phdr *ph, gsize *notes_bytes)
{
    if (ph->p_filesz == 0 || ph->p_filesz > MAX_NOTES_BYTES - *notes_bytes ||
        ph->p_offset > c->priv->file_size || ph->p_filesz > c->priv->file_size - ph->p_offset) {
        warn(c, "a note segment lies outside the core or is too big: skipped");
        return;
    }
    *notes_bytes += ph->p_filesz;
    Elf_Data *data =
        elf_getdata_rawchunk(c->priv->elf, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_NHDR);
    if (!data)
        return;
    size_t off = 0, name_off, desc_off;
    GElf_Nhdr nh;
    while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
        const uint8_t *desc = (const uint8_t *)data->d_buf + desc_off;
        if (!note_is(data, &nh, name_off, "CORE"))
            continue;
        switch (nh.n_type) {
        case NT_PRSTATUS:
            read_prstatus(c, desc, nh.n_descsz);
            break;
        case NT_PRFPREG:
            read_fpregs(c, desc, nh.n_descsz);
            break;
        case NT_SIGINFO:
            read_siginfo(c, desc, nh.n_descsz);
            break;
        case NT_PRPSINFO:
            read_prpsinfo(c, desc, nh.n_descsz);
            break;
        case NT_AUXV:
            if (!c->auxv)
                c->auxv = g_bytes_new(desc, nh.n_descsz);
            break;
        case NT_FILE:
            read_nt_file(c, desc, nh.n_descsz);
            break;
        default:
            break;
        }
    }
}

void coroner_elf_core_free(CoronerElfCore *c)
{
    if (!c)
        return;
    if (c->priv->elf)
        elf_end(c->priv->elf);
    g_clear_pointer(&c->priv->segments, g_array_unref);
    g_clear_pointer(&c->regions, g_array_unref);
    g_clear_pointer(&c->threads, g_array_unref);
    g_clear_pointer(&c->files, g_array_unref);
    g_clear_pointer(&c->priv->file_names, g_bytes_unref);
    g_clear_pointer(&c->auxv, g_bytes_unref);
    g_free(c->priv);
    g_free(c);
}

static gboolean core_open(CoronerElfCore *c, int fd, GError **error)
{
    c->priv->fd = fd;
    c->priv->segments = g_array_new(FALSE, FALSE, sizeof(Segment));
    c->regions = g_array_new(FALSE, FALSE, sizeof(CoronerElfCoreRegion));
    c->threads = g_array_new(FALSE, FALSE, sizeof(CoronerElfCoreThread));
    c->files = g_array_new(FALSE, FALSE, sizeof(CoronerElfCoreFile));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        g_set_error_literal(error, CORONER_ELF_CORE_ERROR, CORONER_ELF_CORE_ERROR_NOT_CORE,
                            "the core is not a regular file");
        return FALSE;
    }
    c->priv->file_size = (uint64_t)st.st_size;
    elf_version(EV_CURRENT);
    c->priv->elf = elf_begin(fd, ELF_C_READ, NULL);
    GElf_Ehdr eh;
    if (!c->priv->elf || elf_kind(c->priv->elf) != ELF_K_ELF || !gelf_getehdr(c->priv->elf, &eh) ||
        eh.e_type != ET_CORE) {
        g_set_error_literal(error, CORONER_ELF_CORE_ERROR, CORONER_ELF_CORE_ERROR_NOT_CORE,
                            "not an ELF core file");
        return FALSE;
    }
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
        (eh.e_machine != EM_X86_64 && eh.e_machine != EM_AARCH64)) {
        g_set_error(error, CORONER_ELF_CORE_ERROR, CORONER_ELF_CORE_ERROR_UNSUPPORTED,
                    "a core of machine type %u (%s-bit): only 64-bit x86_64 and aarch64 cores "
                    "can be read",
                    eh.e_machine, eh.e_ident[EI_CLASS] == ELFCLASS64 ? "64" : "32");
        return FALSE;
    }
    c->machine = eh.e_machine;
    size_t phnum;
    if (elf_getphdrnum(c->priv->elf, &phnum) != 0 || phnum == 0 || phnum > MAX_PHDRS) {
        g_set_error_literal(error, CORONER_ELF_CORE_ERROR, CORONER_ELF_CORE_ERROR_NOT_CORE,
                            "the core's program headers are missing or absurd");
        return FALSE;
    }
    gsize notes_bytes = 0;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(c->priv->elf, (int)i, &ph)) {
            g_set_error_literal(error, CORONER_ELF_CORE_ERROR, CORONER_ELF_CORE_ERROR_NOT_CORE,
                                "the core's program headers are truncated");
            return FALSE;
        }
        if (ph.p_type == PT_NOTE) {
            read_notes(c, &ph, &notes_bytes);
        } else if (ph.p_type == PT_LOAD) {
            if (ph.p_filesz > 0 && ph.p_vaddr <= G_MAXUINT64 - ph.p_filesz) {
                Segment s = {ph.p_vaddr, ph.p_filesz, ph.p_offset};
                g_array_append_val(c->priv->segments, s);
            }
            if (ph.p_memsz > 0 && c->regions->len < MAX_REGIONS) {
                CoronerElfCoreRegion r = {ph.p_vaddr, ph.p_memsz, ph.p_flags};
                g_array_append_val(c->regions, r);
            }
        }
    }
    g_array_sort(c->priv->segments, segment_cmp);
    /* Overlapping segments would make reads ambiguous: keep the first of each overlap. */
    guint kept = 0;
    for (guint i = 0; i < c->priv->segments->len; i++) {
        Segment s = g_array_index(c->priv->segments, Segment, i);
        if (kept > 0) {
            const Segment *prev = &g_array_index(c->priv->segments, Segment, kept - 1);
            if (s.vaddr - prev->vaddr < prev->filesz)
                continue;
        }
        g_array_index(c->priv->segments, Segment, kept++) = s;
    }
    g_array_set_size(c->priv->segments, kept);
    if (c->threads->len == 0) {
        g_set_error_literal(error, CORONER_ELF_CORE_ERROR, CORONER_ELF_CORE_ERROR_NO_THREADS,
                            "the core has no thread (NT_PRSTATUS)");
        return FALSE;
    }
    return TRUE;
}

CoronerElfCore *coroner_elf_core_open(int fd, GPtrArray *warnings, GError **error)
{
    CoronerElfCore *c = g_new0(CoronerElfCore, 1);
    c->priv = g_new0(CoronerElfCorePrivate, 1);
    c->priv->warnings = warnings;
    if (!core_open(c, fd, error)) {
        coroner_elf_core_free(c);
        return NULL;
    }
    return c;
}

gboolean coroner_elf_core_segment(const CoronerElfCore *c, uint64_t vaddr, uint64_t gap,
                                  uint64_t *ret_start, uint64_t *ret_end)
{
    const Segment *s = segment_at(c, vaddr);
    if (!s && gap > 0)
        s = segment_above(c, vaddr, gap);
    if (!s)
        return FALSE;
    *ret_start = s->vaddr;
    *ret_end = s->vaddr + s->filesz;
    return TRUE;
}

uint64_t coroner_elf_core_thread_sp(const CoronerElfCore *c, const CoronerElfCoreThread *t)
{
    return c->machine == EM_X86_64 ? t->regs[CORONER_X86_64_RSP] : t->regs[CORONER_AARCH64_SP];
}

uint64_t coroner_elf_core_thread_pc(const CoronerElfCore *c, const CoronerElfCoreThread *t)
{
    return c->machine == EM_X86_64 ? t->regs[CORONER_X86_64_RIP] : t->regs[CORONER_AARCH64_PC];
}

/*
 * The GNU build-id of the ELF image whose first byte is at base in the
 * crashed process: its headers are in the core's copy of the mapping (the
 * first page of every mapping is in every core we store).  libelf reads the
 * program headers and notes from that copy; the section headers are not
 * there, so they are blanked out first.
 */
gsize coroner_elf_core_build_id(const CoronerElfCore *c, uint64_t base, uint64_t mapped,
                                uint8_t *ret_id, gboolean *ret_is_elf)
{
    *ret_is_elf = FALSE;
    gsize want = (gsize)MIN(mapped, (uint64_t)MODULE_HEADER_BYTES);
    g_autofree uint8_t *buf = g_malloc0(MAX(want, sizeof(Elf64_Ehdr)));
    gsize n = coroner_elf_core_read(c, base, buf, want);
    if (n < sizeof(Elf64_Ehdr) || memcmp(buf, ELFMAG, SELFMAG) != 0 ||
        buf[EI_CLASS] != ELFCLASS64 || buf[EI_DATA] != ELFDATA2LSB)
        return 0;
    *ret_is_elf = TRUE;
    Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
    eh->e_shoff = 0;
    eh->e_shnum = 0;
    eh->e_shstrndx = 0;
    Elf *e = elf_memory((char *)buf, n);
    if (!e)
        return 0;
    gsize found = 0;
    size_t phnum;
    if (elf_getphdrnum(e, &phnum) == 0 && phnum <= 256) {
        for (size_t i = 0; i < phnum && !found; i++) {
            GElf_Phdr ph;
            if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_NOTE || ph.p_offset > n ||
                ph.p_filesz > n - ph.p_offset)
                continue;
            Elf_Data *d = elf_getdata_rawchunk(e, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
            if (!d)
                continue;
            size_t off = 0, name_off, desc_off;
            GElf_Nhdr nh;
            while (!found && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
                if (nh.n_type == NT_GNU_BUILD_ID && note_is(d, &nh, name_off, "GNU") &&
                    nh.n_descsz > 0 && nh.n_descsz <= CORONER_ELF_CORE_MAX_BUILD_ID) {
                    memcpy(ret_id, (const uint8_t *)d->d_buf + desc_off, nh.n_descsz);
                    found = nh.n_descsz;
                }
            }
        }
    }
    elf_end(e);
    return found;
}
