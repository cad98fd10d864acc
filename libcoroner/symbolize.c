/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The symbolizer (see symbolize.h).  Two phases, so that debuginfod is only
 * asked about what matters:
 *
 *   1. unwind: report the core's modules, attach to its threads and collect
 *      raw PCs for every thread (CFI from the mapped files, which are on this
 *      machine); debuginfod is off, so nothing is downloaded for modules the
 *      backtrace never touches;
 *   2. symbolize: with debuginfod on (when wanted, within its own time
 *      budget), turn each PC into function, inlined frames and file:line.
 *
 * libdwfl remembers that a module has no DWARF once it looked, so modules
 * outside the backtrace are checked for debug info in phase 1 (locally) and
 * those inside it only in phase 2.
 */
#include "symbolize.h"

#include <elf.h>
#include <errno.h>
#include <gio/gio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "module-paths.h"
#include "signature.h"
#include "symbolize-internal.h"
#include "options-defaults.h"

G_DEFINE_QUARK(coroner-symbolize-error-quark, coroner_symbolize_error)

void coroner_symbolize_options_init(CoronerSymbolizeOptions *o)
{
    const char *urls = g_getenv("DEBUGINFOD_URLS");
    *o = (CoronerSymbolizeOptions){
        .max_threads = 256,
        .max_frames = 256,
        .timeout_ms = 10000,
        .memory_limit = (uint64_t)1 << 30,
        .debuginfod = urls && *urls,
        .debuginfod_timeout_ms = 5000,
    };
}

static gboolean symbolize_elf(Elf *core, int core_fd, const char *executable,
                              const CoronerSymbolizeOptions *o, CoronerCrashRecord *record,
                              DebuginfodEnv *env, GError **error)
{
    Job job = {
        .o = o,
        .deadline = o->timeout_ms ? g_get_monotonic_time() + (gint64)o->timeout_ms * 1000 : 0,
        .crash_tid = record->process.tid > 0 ? (pid_t)record->process.tid : 0,
        .threads = g_ptr_array_new_with_free_func((GDestroyNotify)symbolize_raw_thread_free),
        .frame_modules = g_hash_table_new(NULL, NULL),
        .frame_cache = symbolize_frame_cache_new(),
    };
    /* The record owns the modules; ml.modules only indexes them beside their handles. */
    ModuleList ml = {record, g_ptr_array_new(), g_ptr_array_new()};
    g_ptr_array_set_size(record->threads, 0);
    g_ptr_array_set_size(record->modules, 0);
    gboolean ok = FALSE;

    symbolize_read_siginfo(core, record);

    job.dwfl = symbolize_report_core(core, executable, record, error);
    if (!job.dwfl)
        goto out;
    if (dwfl_core_file_attach(job.dwfl, core) < 0) {
        g_set_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NO_THREADS,
                    "cannot read the core's threads: %s", symbolize_dwfl_error());
        goto out;
    }

    /* Phase 1: unwind, debuginfod off. */
    if (dwfl_getthreads(job.dwfl, symbolize_unwind_thread, &job) < 0 && job.threads->len == 0) {
        g_set_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NO_THREADS,
                    "cannot unwind the core's threads: %s", symbolize_dwfl_error());
        goto out;
    }
    if (job.threads->len == 0) {
        g_set_error_literal(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NO_THREADS,
                            "the core has no threads");
        goto out;
    }

    for (guint i = 0; i < job.threads->len; i++) {
        RawThread *t = job.threads->pdata[i];
        for (guint j = 0; j < t->frames->len; j++) {
            RawFrame *f = &g_array_index(t->frames, RawFrame, j);
            Dwfl_Module *m = dwfl_addrmodule(job.dwfl, f->pc - (f->activation ? 0 : 1));
            if (m)
                g_hash_table_add(job.frame_modules, m);
        }
    }
    dwfl_getmodules(job.dwfl, symbolize_list_module, &ml, 0);
    for (guint i = 0; i < ml.handles->len; i++) {
        Dwfl_Module *m = ml.handles->pdata[i];
        CoronerModule *cm = ml.modules->pdata[i];
        if (!g_hash_table_contains(job.frame_modules, m))
            cm->has_debug_info = symbolize_has_local_debug_info(m, cm->build_id);
    }

    /* Phase 2: symbolize, debuginfod on when wanted. */
    if (o->debuginfod)
        symbolize_debuginfod_switch_on(&job, env);

    /* The crashing thread first: the signalled tid, else the first NT_PRSTATUS. */
    guint crashed = 0;
    for (guint i = 0; i < job.threads->len; i++)
        if (((RawThread *)job.threads->pdata[i])->tid == job.crash_tid)
            crashed = i;
    for (guint n = 0; n < job.threads->len; n++) {
        guint i = n == 0 ? crashed : (n <= crashed ? n - 1 : n);
        RawThread *t = job.threads->pdata[i];
        CoronerThread *ct = coroner_thread_new(t->tid, coroner_crash_record_thread_name(record, t->tid));
        ct->crashed = n == 0;
        for (guint j = 0; j < t->frames->len && ct->frames->len < o->max_frames; j++) {
            gboolean late = symbolize_past(job.deadline);
            job.timed_out = job.timed_out || late;
            symbolize_frame_cached(job.frame_cache, &g_array_index(t->frames, RawFrame, j),
                                   job.dwfl, ct->frames, o->max_frames, late);
        }
        if (t->error && n == 0)
            coroner_crash_record_add_error(record,
                                           "the crashing thread %d did not unwind "
                                           "completely: %s",
                                           (int)t->tid, t->error);
        g_ptr_array_add(record->threads, ct);
    }
    if (job.timed_out)
        coroner_crash_record_add_error(record,
                                       "the backtrace is incomplete: the symbolizer ran "
                                       "out of time (%u ms)",
                                       o->timeout_ms);

    for (guint i = 0; i < ml.handles->len; i++) {
        Dwfl_Module *m = ml.handles->pdata[i];
        CoronerModule *cm = ml.modules->pdata[i];
        Dwarf_Addr bias;
        if (!g_hash_table_contains(job.frame_modules, m))
            continue;
        cm->has_debug_info = dwfl_module_getdwarf(m, &bias) != NULL;
        if (!dwfl_module_getelf(m, &bias))
            coroner_crash_record_add_error(record,
                                           "the file of %s (build-id %s) was not found "
                                           "or does not match the crash: its frames "
                                           "have no names",
                                           cm->path ? cm->path : "a module",
                                           cm->build_id ? cm->build_id : "unknown");
    }
    g_ptr_array_sort(record->modules, symbolize_module_cmp);
    /* libdwfl names a core's libraries by soname; the record names the files the process mapped. */
    coroner_crash_record_resolve_module_paths_core(record, core_fd);

    g_clear_pointer(&record->signature, g_free);
    record->signature = coroner_crash_signature(record);
    record->backtrace_quality = coroner_backtrace_quality(record);
    ok = TRUE;

out:
    if (job.dwfl)
        dwfl_end(job.dwfl);
    g_ptr_array_unref(job.threads);
    g_hash_table_unref(job.frame_modules);
    g_hash_table_unref(job.frame_cache);
    g_ptr_array_unref(ml.modules);
    g_ptr_array_unref(ml.handles);
    return ok;
}

gboolean coroner_symbolize_core_fd(int core_fd, const char *executable,
                                   const CoronerSymbolizeOptions *o, CoronerCrashRecord *record,
                                   GError **error)
{
    CoronerSymbolizeOptions defaults;
    o = CORONER_OPTIONS_OR_DEFAULTS(o, &defaults, coroner_symbolize_options_init);
    elf_version(EV_CURRENT);
    struct stat st;
    if (fstat(core_fd, &st) < 0) {
        int e = errno;
        g_set_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_FAILED,
                    "cannot read the core: %s", g_strerror(e));
        return FALSE;
    }
    if (S_ISREG(st.st_mode) && st.st_size == 0) {
        g_set_error_literal(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NOT_CORE,
                            "the core file is empty");
        return FALSE;
    }
    /*
     * Mapped: libdwfl touches only the notes and the few pages it unwinds
     * through.  A core that shrinks under us raises SIGBUS, which is one more
     * reason untrusted cores go through the sandbox.
     */
    Elf *core = elf_begin(core_fd, ELF_C_READ_MMAP, NULL);
    if (!core) {
        g_set_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NOT_CORE,
                    "not an ELF file: %s", elf_errmsg(-1));
        return FALSE;
    }
    GElf_Ehdr ehdr;
    if (elf_kind(core) != ELF_K_ELF || !gelf_getehdr(core, &ehdr) || ehdr.e_type != ET_CORE) {
        g_set_error_literal(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NOT_CORE,
                            "not an ELF core file");
        elf_end(core);
        return FALSE;
    }
    DebuginfodEnv env = {0};
    symbolize_debuginfod_env_save(&env);
    gboolean ok = symbolize_elf(core, core_fd, executable, o, record, &env, error);
    symbolize_debuginfod_env_restore(&env);
    elf_end(core);
    return ok;
}
