/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check-core: an ELF core checker that shares no code with what it checks.
 *
 * It uses only <elf.h> and the kernel's note layouts (no libelf, no libdw,
 * no gdb), so a bug in the handler's core handling cannot hide itself by
 * being mirrored here.
 *
 *   check-core [--allow-truncated] [FILE|-]
 *
 * Prints key=value lines:
 *   class=ELF64 type=CORE machine=N
 *   pid=         pr_pid of the first NT_PRSTATUS (the thread that got the signal)
 *   signal=      its pr_cursig
 *   tids=        pr_pid of every NT_PRSTATUS, in note order, comma-separated
 *   threads=     the number of NT_PRSTATUS notes
 *   comm=        pr_fname of NT_PRPSINFO
 *   siginfo_signo= siginfo_code=   from NT_SIGINFO, when present
 *   segments=    program headers; loads= PT_LOAD headers; notes= notes seen
 *   expected_size= the largest p_offset + p_filesz (what a complete core needs)
 *   size=        the bytes actually read
 *   complete=    yes when size >= expected_size
 *
 * Exits 0 for a valid, complete core; 1 for an invalid one (bad header,
 * notes out of bounds, no NT_PRSTATUS) or a truncated one unless
 * --allow-truncated is given (then the notes must still be readable); 2 on
 * usage or I/O errors.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The x86_64/aarch64 layout of struct elf_prstatus up to pr_pid, as the
 * kernel writes it (include/uapi/linux/elfcore.h): a 12-byte elf_siginfo,
 * pr_cursig (short, then padding), two unsigned longs, then pr_pid.
 */
#define PRSTATUS_CURSIG_OFFSET 12
#define PRSTATUS_PID_OFFSET 32
/* struct elf_prpsinfo (64-bit): pr_fname[16] sits at offset 40. */
#define PRPSINFO_FNAME_OFFSET 40
#define PRPSINFO_FNAME_SIZE 16

typedef struct {
    unsigned char *data;
    size_t size;
} Buffer;

static int fail(const char *why)
{
    printf("error=%s\n", why);
    fprintf(stderr, "check-core: %s\n", why);
    return 1;
}

static int read_all(int fd, Buffer *ret)
{
    size_t cap = 1 << 20, len = 0;
    unsigned char *data = malloc(cap);
    if (!data)
        return -ENOMEM;
    for (;;) {
        if (len == cap) {
            cap *= 2;
            unsigned char *bigger = realloc(data, cap);
            if (!bigger) {
                free(data);
                return -ENOMEM;
            }
            data = bigger;
        }
        ssize_t n = read(fd, data + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int r = -errno;
            free(data);
            return r;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    ret->data = data;
    ret->size = len;
    return 0;
}

/* True when [offset, offset + length) lies inside the buffer, without overflow. */
static int in_bounds(const Buffer *b, uint64_t offset, uint64_t length)
{
    return offset <= b->size && length <= b->size - offset;
}

static uint32_t align4(uint32_t v)
{
    return (v + 3u) & ~3u;
}

int main(int argc, char **argv)
{
    int allow_truncated = 0;
    const char *path = "-";

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--allow-truncated") == 0)
            allow_truncated = 1;
        else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "usage: check-core [--allow-truncated] [FILE|-]\n");
            return 2;
        } else
            path = argv[i];
    }

    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "check-core: %s: %s\n", path, strerror(errno));
        return 2;
    }
    Buffer core = { NULL, 0 };
    int r = read_all(fd, &core);
    if (r < 0) {
        fprintf(stderr, "check-core: reading %s: %s\n", path, strerror(-r));
        return 2;
    }

    if (core.size < sizeof(Elf64_Ehdr))
        return fail("shorter than an ELF header");
    Elf64_Ehdr eh;
    memcpy(&eh, core.data, sizeof eh);
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
        return fail("no ELF magic");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64)
        return fail("not ELFCLASS64");
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
        return fail("not little-endian");
    if (eh.e_type != ET_CORE)
        return fail("not ET_CORE");
    if (eh.e_phentsize != sizeof(Elf64_Phdr))
        return fail("unexpected e_phentsize");

    /* With more than 65534 segments the real count lives in section 0's sh_info. */
    uint64_t phnum = eh.e_phnum;
    if (phnum == PN_XNUM) {
        if (eh.e_shoff == 0 || !in_bounds(&core, eh.e_shoff, sizeof(Elf64_Shdr)))
            return fail("PN_XNUM without a readable section header 0");
        Elf64_Shdr sh0;
        memcpy(&sh0, core.data + eh.e_shoff, sizeof sh0);
        phnum = sh0.sh_info;
    }
    if (phnum == 0)
        return fail("no program headers");
    if (!in_bounds(&core, eh.e_phoff, phnum * sizeof(Elf64_Phdr)))
        return fail("program headers out of bounds");

    printf("class=ELF64\ntype=CORE\nmachine=%u\n", eh.e_machine);

    uint64_t expected = eh.e_phoff + phnum * sizeof(Elf64_Phdr);
    if (eh.e_shoff && eh.e_shnum)
        expected = expected > eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize
                       ? expected
                       : eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize;
    uint64_t loads = 0, notes = 0, prstatus = 0;
    long long first_pid = -1;
    int first_signal = -1;
    int siginfo_signo = -1, siginfo_code = 0, have_siginfo = 0;
    char comm[PRPSINFO_FNAME_SIZE + 1] = "";
    int have_comm = 0;
    /* Room for many threads' ids; more are counted but not listed. */
    char tids[8192] = "";
    size_t tids_len = 0;

    for (uint64_t i = 0; i < phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, core.data + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_offset + ph.p_filesz < ph.p_offset)
            return fail("segment size overflows");
        if (ph.p_offset + ph.p_filesz > expected)
            expected = ph.p_offset + ph.p_filesz;
        if (ph.p_type == PT_LOAD)
            loads++;
        if (ph.p_type != PT_NOTE)
            continue;
        if (!in_bounds(&core, ph.p_offset, ph.p_filesz))
            return fail("PT_NOTE segment out of bounds (core cut before its notes)");

        uint64_t pos = ph.p_offset, end = ph.p_offset + ph.p_filesz;
        while (pos + sizeof(Elf64_Nhdr) <= end) {
            Elf64_Nhdr nh;
            memcpy(&nh, core.data + pos, sizeof nh);
            uint64_t name_at = pos + sizeof nh;
            uint64_t desc_at = name_at + align4(nh.n_namesz);
            uint64_t next = desc_at + align4(nh.n_descsz);
            if (next > end || next <= pos)
                return fail("note out of bounds");
            notes++;
            const unsigned char *desc = core.data + desc_at;

            /* Only the kernel's "CORE" notes carry the layouts below. */
            int is_core = nh.n_namesz == 5 && memcmp(core.data + name_at, "CORE", 5) == 0;
            if (is_core && nh.n_type == NT_PRSTATUS) {
                if (nh.n_descsz < PRSTATUS_PID_OFFSET + 4)
                    return fail("NT_PRSTATUS too short");
                int32_t pid;
                int16_t cursig;
                memcpy(&pid, desc + PRSTATUS_PID_OFFSET, sizeof pid);
                memcpy(&cursig, desc + PRSTATUS_CURSIG_OFFSET, sizeof cursig);
                if (prstatus == 0) {
                    first_pid = pid;
                    first_signal = cursig;
                }
                prstatus++;
                if (tids_len + 16 < sizeof tids)
                    tids_len += (size_t)snprintf(tids + tids_len, sizeof tids - tids_len, "%s%d",
                                                 tids_len ? "," : "", pid);
            } else if (is_core && nh.n_type == NT_PRPSINFO) {
                if (nh.n_descsz >= PRPSINFO_FNAME_OFFSET + PRPSINFO_FNAME_SIZE) {
                    memcpy(comm, desc + PRPSINFO_FNAME_OFFSET, PRPSINFO_FNAME_SIZE);
                    comm[PRPSINFO_FNAME_SIZE] = '\0';
                    have_comm = 1;
                }
            } else if (is_core && nh.n_type == NT_SIGINFO) {
                if (nh.n_descsz >= 12) {
                    int32_t v[3];
                    memcpy(v, desc, sizeof v);
                    siginfo_signo = v[0];
                    /* siginfo_t: si_signo, si_errno, si_code. */
                    siginfo_code = v[2];
                    have_siginfo = 1;
                }
            }
            pos = next;
        }
    }

    if (prstatus == 0)
        return fail("no NT_PRSTATUS note");

    printf("pid=%lld\nsignal=%d\ntids=%s\nthreads=%" PRIu64 "\n", first_pid, first_signal, tids,
           prstatus);
    if (have_comm)
        printf("comm=%s\n", comm);
    if (have_siginfo)
        printf("siginfo_signo=%d\nsiginfo_code=%d\n", siginfo_signo, siginfo_code);
    printf("segments=%" PRIu64 "\nloads=%" PRIu64 "\nnotes=%" PRIu64 "\n", phnum, loads, notes);
    printf("expected_size=%" PRIu64 "\nsize=%zu\n", expected, core.size);
    int complete = core.size >= expected;
    printf("complete=%s\n", complete ? "yes" : "no");

    if (!complete && !allow_truncated) {
        fprintf(stderr, "check-core: truncated: %zu of %" PRIu64 " bytes\n", core.size, expected);
        return 1;
    }
    free(core.data);
    return 0;
}
