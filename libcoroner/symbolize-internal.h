/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the symbolizer's files share (symbolize.c drives them; nothing outside
 * the symbolizer includes this):
 *
 *   unwind.c           the libdwfl session: the core's modules, its threads
 *                      unwound to raw PCs, NT_SIGINFO
 *   frame-resolve.c    a raw PC to function, inlined frames and file:line
 *   debuginfo.c        build-ids and where a module's debug info is found
 *   debuginfo-cache.c  the inflated copies of compressed debug files
 *   debuginfod.c       the debuginfod switch, servers and time budget
 *   symbolize-sandbox.c  the sandboxed variant
 */
#pragma once

#include <elfutils/libdwfl.h>
#include <glib.h>
#include <stdbool.h>

#include "symbolize.h"

G_BEGIN_DECLS

/* dwfl_errmsg(-1) is NULL when libdwfl failed without recording why. */
static inline const char *symbolize_dwfl_error(void)
{
    const char *m = dwfl_errmsg(-1);
    return m ? m : "unknown libdwfl error";
}

/* Whether a monotonic deadline (µs, 0 for none) has passed. */
static inline gboolean symbolize_past(gint64 deadline)
{
    return deadline && g_get_monotonic_time() >= deadline;
}

/* ---- unwind.c ---- */

typedef struct {
    Dwarf_Addr pc;
    bool activation;
} RawFrame;

typedef struct {
    pid_t tid;
    GArray *frames; /* RawFrame */
    char *error;    /* why unwinding stopped early, NULL if it reached the end */
} RawThread;

void symbolize_raw_thread_free(RawThread *t);

typedef struct {
    const CoronerSymbolizeOptions *o;
    Dwfl *dwfl;
    GHashTable *frame_cache; /* PC (adjusted) -> GPtrArray of CoronerFrame: threads share PCs */
    gint64 deadline;         /* monotonic µs, 0 for none */
    gint64 debuginfod_deadline;
    gboolean timed_out;
    pid_t crash_tid;
    GPtrArray *threads;        /* RawThread*, note order */
    GHashTable *frame_modules; /* Dwfl_Module* that appear in a frame */
} Job;

/* dwfl_getthreads()'s callback: appends the thread's raw frames to job->threads. */
int symbolize_unwind_thread(Dwfl_Thread *thread, void *job);

typedef struct {
    CoronerCrashRecord *record;
    GPtrArray *modules; /* CoronerModule*, owned by record->modules */
    GPtrArray *handles; /* Dwfl_Module*, same order */
} ModuleList;

/* dwfl_getmodules()'s callback: adds the module to the record and to the list. */
int symbolize_list_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
                          void *module_list);
/* Orders CoronerModule* by start address. */
int symbolize_module_cmp(gconstpointer a, gconstpointer b);

/* Reads NT_SIGINFO: si_code and, for faults the kernel raised, the address. */
void symbolize_read_siginfo(Elf *core, CoronerCrashRecord *record);

/* Reports the core's modules (using executable only when it is the core's). */
Dwfl *symbolize_report_core(Elf *core, const char *executable, CoronerCrashRecord *record,
                            GError **error);

/* ---- frame-resolve.c ---- */

/* A cache of resolved PCs for symbolize_frame_cached(). */
GHashTable *symbolize_frame_cache_new(void);

/*
 * Appends the frames of one raw PC (inlined ones first) to out, through the
 * cache: threads of one program mostly wait in the same few places.  Past the
 * deadline (out_of_time), a PC not in the cache gets module and offset only.
 */
void symbolize_frame_cached(GHashTable *cache, const RawFrame *raw, Dwfl *dwfl, GPtrArray *out,
                            unsigned max_frames, gboolean out_of_time);

/* ---- debuginfo.c ---- */

/* libdwfl's callbacks for a core: files by build-id, debug info through the cache. */
extern const Dwfl_Callbacks symbolize_core_callbacks;

/* A module's GNU build-id as lowercase hex, or NULL. */
char *symbolize_module_build_id(Dwfl_Module *mod);
/* An open ELF file's GNU build-id as lowercase hex, or NULL. */
char *symbolize_fd_build_id(int fd);
/* An ELF file's GNU build-id as lowercase hex; NULL when it has none or cannot be read. */
char *symbolize_file_build_id(const char *path);

/* Whether a module has debug info here, without loading it. */
gboolean symbolize_has_local_debug_info(Dwfl_Module *m, const char *build_id);

/* ---- debuginfo-cache.c ---- */

/* The cache's directory, or NULL when there is none (or it is turned off). */
char *symbolize_debuginfo_cache_dir(void);
/* Opens the cached copy for build_id when it is there and is that build's; -1 otherwise. */
int symbolize_debuginfo_cache_open(const char *dir, const char *build_id, char **ret_path);
/* Remembers a compressed debug file that was used, for symbolize_debuginfo_cache_flush(). */
void symbolize_debuginfo_cache_note(int fd, const char *path, const char *build_id);
/* Makes this process (the sandbox child) the one that writes the cache. */
void symbolize_debuginfo_cache_enable_writer(void);
/* The sandbox's after_answer: writes what was noted, then trims the cache. */
void symbolize_debuginfo_cache_flush(gpointer data);

/* ---- debuginfod.c ---- */

/* DEBUGINFOD_URLS and DEBUGINFOD_TIMEOUT as they were before a symbolization. */
typedef struct {
    char *urls;
    char *timeout;
} DebuginfodEnv;

/* Saves the environment and turns debuginfod off (phase 1). */
void symbolize_debuginfod_env_save(DebuginfodEnv *e);
/* Puts the environment back as it was. */
void symbolize_debuginfod_env_restore(DebuginfodEnv *e);
/* Turns debuginfod on for phase 2 with the saved or the distribution's servers. */
void symbolize_debuginfod_switch_on(Job *job, const DebuginfodEnv *env);

G_END_DECLS
