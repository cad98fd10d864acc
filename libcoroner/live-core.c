/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "live-core.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/procfs.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs-util.h"

#if defined(__x86_64__)
#define LIVE_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define LIVE_MACHINE EM_AARCH64
#endif

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

#define PAGE 4096u
#define XSTATE_MAX (64u * 1024u)
#define CHUNK (256u * 1024u)

typedef struct {
    pid_t tid;
    int pending_signal; /* a signal that stopped it first, handed back on detach */
    gboolean seized;
} Thread;

typedef struct {
    pid_t pid;
    GArray *threads; /* Thread; the main thread first */
    CoronerMapping *maps;
    size_t n_maps;
    char *maps_text;
    GByteArray *notes;
} Live;

/* ------------------------------------------------------------- threads */

static gboolean has_thread(Live *l, pid_t tid)
{
    for (guint i = 0; i < l->threads->len; i++)
        if (g_array_index(l->threads, Thread, i).tid == tid)
            return TRUE;
    return FALSE;
}

/* Seizes and interrupts one thread; FALSE when it is gone, an error when ptrace refuses. */
static gboolean stop_thread(Live *l, pid_t tid, GError **error)
{
    Thread t = {.tid = tid};
    if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) < 0) {
        int e = errno;
        if (e == ESRCH)
            return TRUE;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
                    "cannot trace thread %d of process %d: %s%s", (int)tid, (int)l->pid,
                    g_strerror(e),
                    e == EPERM ? " (not its owner, or kernel.yama.ptrace_scope forbids it)" : "");
        return FALSE;
    }
    t.seized = TRUE;
    if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) < 0) {
        g_array_append_val(l->threads, t);
        return TRUE;
    }
    int status;
    pid_t r;
    while ((r = waitpid(tid, &status, __WALL)) < 0 && errno == EINTR)
        ;
    if (r == tid && WIFSTOPPED(status) && (status >> 16) != PTRACE_EVENT_STOP &&
        WSTOPSIG(status) != SIGTRAP)
        t.pending_signal = WSTOPSIG(status);
    if (r != tid || !WIFSTOPPED(status))
        t.seized = FALSE; /* it exited */
    g_array_append_val(l->threads, t);
    return TRUE;
}

/* Every thread, including those created while the first ones were being stopped. */
static gboolean stop_all(Live *l, GError **error)
{
    if (!stop_thread(l, l->pid, error))
        return FALSE;
    for (gboolean found = TRUE; found;) {
        found = FALSE;
        g_autofree char *task = g_strdup_printf("/proc/%d/task", (int)l->pid);
        DIR *d = opendir(task);
        if (!d) {
            int e = errno;
            coroner_set_errno_error(error, e, "cannot list %s", task);
            return FALSE;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
            pid_t tid = (pid_t)g_ascii_strtoll(de->d_name, NULL, 10);
            if (tid <= 0 || has_thread(l, tid))
                continue;
            found = TRUE;
            if (!stop_thread(l, tid, error)) {
                closedir(d);
                return FALSE;
            }
        }
        closedir(d);
    }
    return TRUE;
}

static void release_all(Live *l)
{
    for (guint i = 0; i < l->threads->len; i++) {
        const Thread *t = &g_array_index(l->threads, Thread, i);
        if (t->seized)
            (void)ptrace(PTRACE_DETACH, t->tid, NULL, (void *)(intptr_t)t->pending_signal);
    }
}

/* --------------------------------------------------------------- notes */

static void add_note(Live *l, const char *name, uint32_t type, const void *desc, size_t size)
{
    static const uint8_t pad[4];
    uint32_t header[3] = {(uint32_t)strlen(name) + 1, (uint32_t)size, type};
    g_byte_array_append(l->notes, (const guint8 *)header, sizeof header);
    g_byte_array_append(l->notes, (const guint8 *)name, header[0]);
    g_byte_array_append(l->notes, pad, (4 - header[0] % 4) % 4);
    g_byte_array_append(l->notes, desc, (guint)size);
    g_byte_array_append(l->notes, pad, (4 - size % 4) % 4);
}

/* A regset of the thread into buf; its size, 0 when the kernel has none. */
static size_t get_regset(pid_t tid, unsigned type, void *buf, size_t size)
{
    struct iovec iov = {buf, size};
    if (ptrace(PTRACE_GETREGSET, tid, (void *)(uintptr_t)type, &iov) < 0)
        return 0;
    return iov.iov_len;
}

/* Fields 4-6 of /proc/PID/stat: ppid, pgrp, session (after the parenthesised comm). */
static void stat_ids(pid_t pid, int *ppid, int *pgrp, int *sid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
    g_autofree char *text = NULL;
    *ppid = *pgrp = *sid = 0;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return;
    const char *close_paren = strrchr(text, ')');
    if (close_paren)
        (void)sscanf(close_paren + 1, " %*c %d %d %d", ppid, pgrp, sid);
}

static void thread_notes(Live *l, const Thread *t, gboolean first)
{
    struct elf_prstatus st;
    memset(&st, 0, sizeof st);
    int ppid, pgrp, sid;
    stat_ids(t->tid, &ppid, &pgrp, &sid);
    st.pr_info.si_signo = SIGSTOP;
    st.pr_cursig = SIGSTOP; /* as the kernel does: every thread carries the dump's signal */
    st.pr_pid = t->tid;
    st.pr_ppid = ppid;
    st.pr_pgrp = pgrp;
    st.pr_sid = sid;
    (void)get_regset(t->tid, NT_PRSTATUS, &st.pr_reg, sizeof st.pr_reg);
    st.pr_fpvalid = 1;
    add_note(l, "CORE", NT_PRSTATUS, &st, sizeof st);

    if (first) {
        struct elf_prpsinfo ps;
        memset(&ps, 0, sizeof ps);
        ps.pr_state = 1;
        ps.pr_sname = 'S';
        ps.pr_pid = l->pid;
        ps.pr_ppid = ppid;
        ps.pr_pgrp = pgrp;
        ps.pr_sid = sid;
        g_autofree char *dir = g_strdup_printf("/proc/%d", (int)l->pid);
        struct stat sb;
        if (stat(dir, &sb) == 0) {
            ps.pr_uid = sb.st_uid;
            ps.pr_gid = sb.st_gid;
        }
        g_autofree char *comm_path = g_strdup_printf("/proc/%d/comm", (int)l->pid);
        g_autofree char *comm = NULL;
        if (g_file_get_contents(comm_path, &comm, NULL, NULL))
            g_strlcpy(ps.pr_fname, g_strchomp(comm), sizeof ps.pr_fname);
        g_autofree char *cmd_path = g_strdup_printf("/proc/%d/cmdline", (int)l->pid);
        g_autofree char *cmd = NULL;
        gsize cmd_len = 0;
        if (g_file_get_contents(cmd_path, &cmd, &cmd_len, NULL)) {
            size_t n = MIN(cmd_len, sizeof ps.pr_psargs - 1);
            for (size_t i = 0; i < n; i++)
                ps.pr_psargs[i] = cmd[i] ? cmd[i] : ' ';
            while (n > 0 && ps.pr_psargs[n - 1] == ' ')
                ps.pr_psargs[--n] = '\0';
        }
        add_note(l, "CORE", NT_PRPSINFO, &ps, sizeof ps);

        /* Nothing was delivered: the dump says SIGSTOP, sent by whoever dumped it. */
        siginfo_t si;
        memset(&si, 0, sizeof si);
        si.si_signo = SIGSTOP;
        si.si_code = SI_USER;
        si.si_pid = getpid();
        si.si_uid = getuid();
        add_note(l, "CORE", NT_SIGINFO, &si, sizeof si);

        g_autofree char *auxv_path = g_strdup_printf("/proc/%d/auxv", (int)l->pid);
        g_autofree char *auxv = NULL;
        gsize auxv_len = 0;
        if (g_file_get_contents(auxv_path, &auxv, &auxv_len, NULL))
            add_note(l, "CORE", NT_AUXV, auxv, auxv_len);

        /* NT_FILE: count, page size, (start, end, page offset) per file mapping, the names. */
        GByteArray *files = g_byte_array_new();
        g_autoptr(GString) names = g_string_new(NULL);
        uint64_t count = 0, page = PAGE;
        for (size_t i = 0; i < l->n_maps; i++)
            count += l->maps[i].name[0] == '/';
        g_byte_array_append(files, (const guint8 *)&count, 8);
        g_byte_array_append(files, (const guint8 *)&page, 8);
        for (size_t i = 0; i < l->n_maps; i++) {
            const CoronerMapping *m = &l->maps[i];
            if (m->name[0] != '/')
                continue;
            uint64_t v[3] = {m->start, m->end, m->file_offset / PAGE};
            g_byte_array_append(files, (const guint8 *)v, sizeof v);
            g_string_append_len(names, m->name, (gssize)strlen(m->name) + 1);
        }
        g_byte_array_append(files, (const guint8 *)names->str, (guint)names->len);
        add_note(l, "CORE", NT_FILE, files->data, files->len);
        g_byte_array_unref(files);
    }

    guint8 fp[1024];
    size_t n = get_regset(t->tid, NT_PRFPREG, fp, sizeof fp);
    if (n)
        add_note(l, "CORE", NT_PRFPREG, fp, n);
#if defined(__x86_64__)
    g_autofree guint8 *xstate = g_malloc0(XSTATE_MAX);
    n = get_regset(t->tid, NT_X86_XSTATE, xstate, XSTATE_MAX);
    if (n)
        add_note(l, "LINUX", NT_X86_XSTATE, xstate, n);
#endif
}

/* -------------------------------------------------------------- memory */

/* How many bytes of the mapping a core holds, as the kernel's default coredump_filter has it. */
static uint64_t dump_size(const CoronerMapping *m, const char *perms)
{
    uint64_t size = m->end - m->start;
    if (perms[0] != 'r' || g_str_equal(m->name, "[vvar]") || g_str_equal(m->name, "[vsyscall]") ||
        g_str_has_prefix(m->name, "[vvar"))
        return 0;
    gboolean file = m->name[0] == '/' && !g_str_has_prefix(m->name, "/memfd:") &&
                    !g_str_has_prefix(m->name, "/SYSV") && !g_str_has_prefix(m->name, "/dev/zero");
    if (!file)
        return size;
    /*
     * A file's private data the program may have written to (.data, and the
     * RELRO part with .dynamic's DT_DEBUG, read-only again after relocation):
     * whole.  The kernel tells written pages apart; a little more is harmless.
     */
    if (perms[3] == 'p' && perms[2] != 'x' && (perms[1] == 'w' || m->file_offset != 0))
        return size;
    /* The ELF header, program headers and build-id note debuggers find modules by. */
    return m->file_offset == 0 ? PAGE : 0;
}

/*
 * The start addresses of the mappings the kernel leaves out of every core
 * (VM_DONTDUMP: madvise(MADV_DONTDUMP), e.g. a sanitizer's terabytes of
 * shadow memory): /proc/PID/smaps lists "dd" in their VmFlags.
 */
static GHashTable *dont_dump_starts(pid_t pid)
{
    GHashTable *starts = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    g_autofree char *path = g_strdup_printf("/proc/%d/smaps", (int)pid);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return starts;
    guint64 start = 0;
    gboolean in_mapping = FALSE;
    for (char *line = text; line && *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        /*
         * A mapping's header ("start-end perms ..."), or one of its "Key: value"
         * lines (a key may start with a hex digit: sscanf into a scratch pair).
         */
        guint64 a, b;
        if (sscanf(line, "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x ", &a, &b) == 2) {
            start = a;
            in_mapping = TRUE;
        } else if (in_mapping && g_str_has_prefix(line, "VmFlags:")) {
            g_auto(GStrv) flags = g_strsplit(line + strlen("VmFlags:"), " ", -1);
            if (g_strv_contains((const char *const *)flags, "dd"))
                g_hash_table_add(starts, g_memdup2(&start, sizeof start));
            in_mapping = FALSE;
        }
        line = next;
    }
    return starts;
}

/* The permissions column of each line of the maps text, in order. */
static char **maps_perms(const char *text, size_t n)
{
    char **perms = g_new0(char *, n + 1);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    size_t k = 0;
    for (size_t i = 0; lines[i] && k < n; i++) {
        char p[8];
        if (sscanf(lines[i], "%*x-%*x %7s", p) == 1)
            perms[k++] = g_strdup(p);
    }
    for (; k < n; k++)
        perms[k] = g_strdup("----");
    return perms;
}

static int stream_memory(int mem_fd, uint64_t address, uint64_t size, CoronerMinimalWriteFn write,
                         void *user)
{
    g_autofree guint8 *buf = g_malloc(CHUNK);
    for (uint64_t at = 0; at < size;) {
        size_t piece = (size_t)MIN((uint64_t)CHUNK, size - at);
        ssize_t n = pread(mem_fd, buf, piece, (off_t)(address + at));
        if (n <= 0) {
            /* An unreadable page (a hole of a file mapping, a guard page) reads as zeros. */
            piece = PAGE - (size_t)((address + at) % PAGE);
            piece = (size_t)MIN((uint64_t)piece, size - at);
            memset(buf, 0, piece);
            n = (ssize_t)piece;
        }
        int r = write(user, buf, (size_t)n);
        if (r < 0)
            return r;
        at += (uint64_t)n;
    }
    return 0;
}

static gboolean write_core(Live *l, CoronerMinimalWriteFn write, void *user, GError **error)
{
    g_auto(GStrv) perms = maps_perms(l->maps_text, l->n_maps);
    g_autoptr(GHashTable) dont_dump = dont_dump_starts(l->pid);
    size_t phnum = 1 + l->n_maps;
    uint64_t notes_off = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
    uint64_t data_off = (notes_off + l->notes->len + PAGE - 1) / PAGE * PAGE;
    g_autofree Elf64_Phdr *ph = g_new0(Elf64_Phdr, phnum);
    ph[0] = (Elf64_Phdr){.p_type = PT_NOTE, .p_offset = notes_off, .p_filesz = l->notes->len};
    uint64_t at = data_off;
    for (size_t i = 0; i < l->n_maps; i++) {
        const CoronerMapping *m = &l->maps[i];
        const char *p = perms[i];
        uint64_t size = g_hash_table_contains(dont_dump, &m->start) ? 0 : dump_size(m, p);
        ph[i + 1] = (Elf64_Phdr){
            .p_type = PT_LOAD,
            .p_flags = (p[0] == 'r' ? PF_R : 0) | (p[1] == 'w' ? PF_W : 0) | (p[2] == 'x' ? PF_X : 0),
            .p_offset = at,
            .p_vaddr = m->start,
            .p_filesz = size,
            .p_memsz = m->end - m->start,
            .p_align = PAGE,
        };
        at += size;
    }
    Elf64_Ehdr eh = {
        .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT,
                    ELFOSABI_NONE},
        .e_type = ET_CORE,
        .e_machine = LIVE_MACHINE,
        .e_version = EV_CURRENT,
        .e_phoff = sizeof(Elf64_Ehdr),
        .e_ehsize = sizeof(Elf64_Ehdr),
        .e_phentsize = sizeof(Elf64_Phdr),
        .e_phnum = (Elf64_Half)phnum,
    };
    int r = write(user, &eh, sizeof eh);
    if (r == 0)
        r = write(user, ph, phnum * sizeof *ph);
    if (r == 0)
        r = write(user, l->notes->data, l->notes->len);
    if (r == 0 && data_off > notes_off + l->notes->len) {
        g_autofree guint8 *zeros = g_malloc0(data_off - notes_off - l->notes->len);
        r = write(user, zeros, data_off - notes_off - l->notes->len);
    }
    g_autofree char *mem_path = g_strdup_printf("/proc/%d/mem", (int)l->pid);
    int mem_fd = r == 0 ? open(mem_path, O_RDONLY | O_CLOEXEC) : -1;
    if (r == 0 && mem_fd < 0)
        r = -errno;
    for (size_t i = 0; r == 0 && i < l->n_maps; i++)
        r = stream_memory(mem_fd, ph[i + 1].p_vaddr, ph[i + 1].p_filesz, write, user);
    if (mem_fd >= 0)
        close(mem_fd);
    if (r < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), "cannot dump process %d: %s",
                    (int)l->pid, g_strerror(-r));
        return FALSE;
    }
    return TRUE;
}

/* Whether the stopped process's /proc entries still belong to owner (see coroner_live_core()). */
static gboolean owned_by(pid_t pid, uid_t owner, GError **error)
{
    if (owner == (uid_t)-1)
        return TRUE;
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    struct stat st;
    if (stat(path, &st) == 0 && st.st_uid == owner)
        return TRUE;
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                "process %d is no longer dumpable by uid %u", (int)pid, (unsigned)owner);
    return FALSE;
}

gboolean coroner_live_core(pid_t pid, uid_t owner, CoronerMinimalWriteFn write, void *user,
                           GError **error)
{
#ifndef LIVE_MACHINE
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                "live dumps are not supported on this architecture");
    return FALSE;
#else
    Live l = {.pid = pid, .threads = g_array_new(FALSE, TRUE, sizeof(Thread)),
              .notes = g_byte_array_new()};
    gboolean ok = stop_all(&l, error) && owned_by(pid, owner, error);
    if (ok) {
        g_autofree char *maps_path = g_strdup_printf("/proc/%d/maps", (int)pid);
        ok = g_file_get_contents(maps_path, &l.maps_text, NULL, error);
    }
    if (ok) {
        l.maps = coroner_mappings_parse(l.maps_text, &l.n_maps);
        gboolean first = TRUE;
        for (guint i = 0; i < l.threads->len; i++) {
            const Thread *t = &g_array_index(l.threads, Thread, i);
            if (!t->seized)
                continue;
            thread_notes(&l, t, first);
            first = FALSE;
        }
        if (first) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "process %d has gone", (int)pid);
            ok = FALSE;
        }
    }
    if (ok)
        ok = write_core(&l, write, user, error);
    release_all(&l);
    coroner_mappings_free(l.maps, l.n_maps);
    g_free(l.maps_text);
    g_array_unref(l.threads);
    g_byte_array_unref(l.notes);
    return ok;
#endif
}

static int sink_fd(void *user, const void *data, size_t n)
{
    return coroner_write_all(*(const int *)user, data, n);
}

static int sink_minimal(void *user, const void *data, size_t n)
{
    return coroner_minimal_core_feed(user, data, n);
}

gboolean coroner_live_core_write(pid_t pid, uid_t owner, const CoronerMinimalOptions *options,
                                 int fd, char **ret_warning, GError **error)
{
    CoronerMinimalCore *m = coroner_minimal_core_new(options, sink_fd, &fd);
    gboolean ok = coroner_live_core(pid, owner, sink_minimal, m, error);
    int r = ok ? coroner_minimal_core_finish(m) : 0;
    const char *warning = coroner_minimal_core_warning(m);
    if (ok && r < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), "cannot write the core: %s",
                    warning && r == -EINVAL ? warning : g_strerror(-r));
        ok = FALSE;
    } else if (ok && warning && ret_warning) {
        *ret_warning = g_strdup(warning);
    }
    coroner_minimal_core_free(m);
    return ok;
}
