/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The symbolizer's libdwfl session (see symbolize-internal.h): the core's
 * modules reported, its threads unwound to raw PCs with CFI, and NT_SIGINFO.
 */
#include <dwarf.h>
#include <elf.h>
#include <gio/gio.h>
#include <signal.h>
#include <string.h>

#include "symbolize-internal.h"

void symbolize_raw_thread_free(RawThread *t)
{
    g_array_unref(t->frames);
    g_free(t->error);
    g_free(t);
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
    Job *job = arg;
    RawThread *t = g_ptr_array_index(job->threads, job->threads->len - 1);
    Dwarf_Addr pc;
    bool activation;
    if (!dwfl_frame_pc(state, &pc, &activation)) {
        t->error = g_strdup(symbolize_dwfl_error());
        return DWARF_CB_ABORT;
    }
    RawFrame f = {pc, activation};
    g_array_append_val(t->frames, f);
    if (t->frames->len >= job->o->max_frames)
        return DWARF_CB_ABORT;
    if (symbolize_past(job->deadline)) {
        job->timed_out = TRUE;
        return DWARF_CB_ABORT;
    }
    return DWARF_CB_OK;
}

int symbolize_unwind_thread(Dwfl_Thread *thread, void *arg)
{
    Job *job = arg;
    pid_t tid = dwfl_thread_tid(thread);
    /* Past the cap, only the crashing thread is still worth unwinding. */
    if (job->threads->len >= job->o->max_threads && tid != job->crash_tid)
        return DWARF_CB_OK;
    if (symbolize_past(job->deadline)) {
        job->timed_out = TRUE;
        return DWARF_CB_ABORT;
    }
    RawThread *t = g_new0(RawThread, 1);
    t->tid = tid;
    t->frames = g_array_new(FALSE, FALSE, sizeof(RawFrame));
    g_ptr_array_add(job->threads, t);
    int r = dwfl_thread_getframes(thread, frame_cb, job);
    /* -1 with frames is how unwinding usually ends in libdwfl 0.188 (no CFI past _start). */
    if (r < 0 && !t->error && t->frames->len == 0)
        t->error = g_strdup(symbolize_dwfl_error());
    return DWARF_CB_OK;
}

int symbolize_list_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
                          void *arg)
{
    ModuleList *ml = arg;
    CoronerModule *m = coroner_module_new();
    Dwarf_Addr low = 0, high = 0;
    dwfl_module_info(mod, NULL, &low, &high, NULL, NULL, NULL, NULL);
    m->path = g_strdup(name);
    m->start = low;
    m->end = high;
    m->build_id = symbolize_module_build_id(mod);
    g_ptr_array_add(ml->record->modules, m);
    g_ptr_array_add(ml->modules, m);
    g_ptr_array_add(ml->handles, mod);
    return DWARF_CB_OK;
}

int symbolize_module_cmp(gconstpointer a, gconstpointer b)
{
    const CoronerModule *x = *(CoronerModule *const *)a, *y = *(CoronerModule *const *)b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Reads NT_SIGINFO: si_code and, for faults the kernel raised, the address. */
void symbolize_read_siginfo(Elf *core, CoronerCrashRecord *record)
{
    size_t phnum;
    if (elf_getphdrnum(core, &phnum) != 0)
        return;
    GElf_Ehdr ehdr;
    if (!gelf_getehdr(core, &ehdr))
        return;
    gboolean is64 = ehdr.e_ident[EI_CLASS] == ELFCLASS64;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(core, (int)i, &ph) || ph.p_type != PT_NOTE)
            continue;
        Elf_Data *data = elf_getdata_rawchunk(core, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
        if (!data)
            continue;
        size_t offset = 0, name_offset, desc_offset;
        GElf_Nhdr nh;
        while ((offset = gelf_getnote(data, offset, &nh, &name_offset, &desc_offset)) > 0) {
            if (nh.n_type != NT_SIGINFO || nh.n_namesz != 5 ||
                memcmp((const char *)data->d_buf + name_offset, "CORE", 5) != 0)
                continue;
            /* siginfo_t: si_signo, si_errno, si_code (ints), then the union, pointer-aligned. */
            size_t addr_at = is64 ? 16 : 12, word = is64 ? 8 : 4;
            if (nh.n_descsz < addr_at + word)
                return;
            const uint8_t *d = (const uint8_t *)data->d_buf + desc_offset;
            int32_t signo, code;
            memcpy(&signo, d, 4);
            memcpy(&code, d + 8, 4);
            if (record->signal.number == 0 && signo > 0 && signo < 65) {
                record->signal.number = signo;
                g_free(record->signal.name);
                record->signal.name = coroner_signal_name(signo);
            }
            record->signal.code = code;
            record->signal.has_code = TRUE;
            gboolean fault = signo == SIGSEGV || signo == SIGBUS || signo == SIGILL ||
                             signo == SIGFPE || signo == SIGTRAP;
            /* si_code > 0 means the kernel raised it for an instruction: si_addr is meaningful. */
            if (fault && code > 0) {
                uint64_t address = 0;
                if (is64)
                    memcpy(&address, d + addr_at, 8);
                else {
                    uint32_t a32;
                    memcpy(&a32, d + addr_at, 4);
                    address = a32;
                }
                record->signal.address = address;
                record->signal.has_address = TRUE;
            }
            return;
        }
    }
}

typedef struct {
    const char *build_id;
    gboolean present; /* a module of the core has this build-id */
    gboolean found;   /* ... and libdwfl did not find its file */
} FileHunt;

static int find_fileless(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
                         void *arg)
{
    FileHunt *h = arg;
    Dwarf_Addr bias;
    g_autofree char *hex = symbolize_module_build_id(mod);
    if (hex && strcmp(hex, h->build_id) == 0) {
        h->present = TRUE;
        if (!dwfl_module_getelf(mod, &bias))
            h->found = TRUE;
    }
    return DWARF_CB_OK;
}

/*
 * Reports the core's modules.  libdwfl checks the build-id of every file it
 * finds through the core's own paths, but trusts an executable it is handed:
 * a program rebuilt or replaced since the crash would give a confidently
 * wrong backtrace.  So the core is reported on its own first, and the given
 * executable is only used when its build-id is that of a module libdwfl could
 * not find a file for (deleted, or seen under another path).
 */
Dwfl *symbolize_report_core(Elf *core, const char *executable, CoronerCrashRecord *record,
                            GError **error)
{
    for (int round = 0; round < 2; round++) {
        Dwfl *dwfl = dwfl_begin(&symbolize_core_callbacks);
        if (!dwfl) {
            g_set_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_FAILED,
                        "libdwfl: %s", symbolize_dwfl_error());
            return NULL;
        }
        if (dwfl_core_file_report(dwfl, core, round ? executable : NULL) < 0) {
            g_set_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NOT_CORE,
                        "cannot read the core's modules: %s", symbolize_dwfl_error());
            dwfl_end(dwfl);
            return NULL;
        }
        dwfl_report_end(dwfl, NULL, NULL);
        if (round == 1 || !executable)
            return dwfl;
        g_autofree char *id = symbolize_file_build_id(executable);
        FileHunt hunt = {id, FALSE, FALSE};
        if (id)
            dwfl_getmodules(dwfl, find_fileless, &hunt, 0);
        if (!hunt.found) {
            if (!id)
                coroner_crash_record_add_error(record,
                                               "the executable %s was not used: it "
                                               "cannot be read or has no build-id",
                                               executable);
            else if (!hunt.present)
                coroner_crash_record_add_error(record,
                                               "the executable %s was not used: its "
                                               "build-id %s is not in the core (rebuilt "
                                               "or replaced since the crash?)",
                                               executable, id);
            return dwfl;
        }
        dwfl_end(dwfl);
    }
    g_assert_not_reached();
}
