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

#include <dwarf.h>
#include <elf.h>
#include <elfutils/debuginfod.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "sandbox.h"
#include "signature.h"

/* libstdc++'s demangler (linked in): libdw does not export one. */
extern char *__cxa_demangle(const char *mangled, char *buffer, size_t *length, int *status);

/* The JSON a sandboxed child may send back; the caps on threads and frames keep it far below. */
#define RESULT_MAX (32u * 1024u * 1024u)
/* The child's own deadline comes this much before the parent's kill, to return a partial result. */
#define CHILD_MARGIN_MS 300

G_DEFINE_QUARK(coroner - symbolize - error - quark, coroner_symbolize_error)

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

typedef struct {
    Dwarf_Addr pc;
    bool activation;
} RawFrame;

typedef struct {
    pid_t tid;
    GArray *frames; /* RawFrame */
    char *error;    /* why unwinding stopped early, NULL if it reached the end */
} RawThread;

static void raw_thread_free(RawThread *t)
{
    g_array_unref(t->frames);
    g_free(t->error);
    g_free(t);
}

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

/* dwfl_errmsg(-1) is NULL when libdwfl failed without recording why. */
static const char *dwfl_error(void)
{
    const char *m = dwfl_errmsg(-1);
    return m ? m : "unknown libdwfl error";
}

static gboolean past(gint64 deadline)
{
    return deadline && g_get_monotonic_time() >= deadline;
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
    Job *job = arg;
    RawThread *t = g_ptr_array_index(job->threads, job->threads->len - 1);
    Dwarf_Addr pc;
    bool activation;
    if (!dwfl_frame_pc(state, &pc, &activation)) {
        t->error = g_strdup(dwfl_error());
        return DWARF_CB_ABORT;
    }
    RawFrame f = {pc, activation};
    g_array_append_val(t->frames, f);
    if (t->frames->len >= job->o->max_frames)
        return DWARF_CB_ABORT;
    if (past(job->deadline)) {
        job->timed_out = TRUE;
        return DWARF_CB_ABORT;
    }
    return DWARF_CB_OK;
}

static int thread_cb(Dwfl_Thread *thread, void *arg)
{
    Job *job = arg;
    pid_t tid = dwfl_thread_tid(thread);
    /* Past the cap, only the crashing thread is still worth unwinding. */
    if (job->threads->len >= job->o->max_threads && tid != job->crash_tid)
        return DWARF_CB_OK;
    if (past(job->deadline)) {
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
        t->error = g_strdup(dwfl_error());
    return DWARF_CB_OK;
}

static char *demangle(const char *name)
{
    if (!name)
        return NULL;
    if (name[0] == '_' && name[1] == 'Z') {
        int status = -1;
        char *d = __cxa_demangle(name, NULL, NULL, &status);
        if (status == 0 && d) {
            char *copy = g_strdup(d);
            free(d);
            return copy;
        }
        free(d);
    }
    return g_strdup(name);
}

/*
 * A C++ function without a linkage name (a static or inline-only one): its
 * name qualified by the namespaces and classes around its declaration.
 */
static char *qualified_name(Dwarf_Die *die, const char *name)
{
    /* An inlined instance or an out-of-class definition points at the declaration. */
    Dwarf_Die decl = *die;
    for (int hop = 0; hop < 8; hop++) {
        Dwarf_Attribute attr;
        Dwarf_Die next;
        if (!dwarf_attr(&decl, DW_AT_abstract_origin, &attr) &&
            !dwarf_attr(&decl, DW_AT_specification, &attr))
            break;
        if (!dwarf_formref_die(&attr, &next))
            break;
        decl = next;
    }
    Dwarf_Die *scopes = NULL;
    int n = dwarf_getscopes_die(&decl, &scopes);
    GString *q = g_string_new(NULL);
    for (int i = n - 1; i >= 1; i--) {
        int tag = dwarf_tag(&scopes[i]);
        if (tag != DW_TAG_namespace && tag != DW_TAG_class_type && tag != DW_TAG_structure_type &&
            tag != DW_TAG_union_type)
            continue;
        const char *part = dwarf_diename(&scopes[i]);
        g_string_append_printf(q, "%s::", part ? part : "(anonymous namespace)");
    }
    free(scopes);
    g_string_append(q, name);
    return g_string_free(q, FALSE);
}

static gboolean is_cxx(Dwarf_Die *cudie)
{
    int lang = dwarf_srclang(cudie);
    return lang == DW_LANG_C_plus_plus || lang == DW_LANG_C_plus_plus_03 ||
           lang == DW_LANG_C_plus_plus_11 || lang == DW_LANG_C_plus_plus_14;
}

/*
 * A function DIE's name: for C++ the demangled linkage name (with the
 * parameter types), else the namespace-qualified name; for C the source name
 * (glibc gives its functions asm names like "__GI_abort" as linkage names).
 */
static char *die_name(Dwarf_Die *cudie, Dwarf_Die *die)
{
    Dwarf_Attribute attr;
    const char *linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
    if (!linkage)
        linkage = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
    const char *name = dwarf_diename(die);
    if (cudie && is_cxx(cudie)) {
        if (linkage)
            return demangle(linkage);
        return name ? qualified_name(die, name) : NULL;
    }
    if (!name)
        name = linkage;
    if (name && g_str_has_prefix(name, "__GI_") && name[5])
        name += 5;
    return demangle(name);
}

/* The call site of an inlined instance: where its caller's frame is. */
static void call_site(Dwarf_Die *cudie, Dwarf_Die *inlined, char **ret_file, int *ret_line)
{
    Dwarf_Attribute attr;
    Dwarf_Word file_index, line;
    *ret_file = NULL;
    *ret_line = 0;
    if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_line, &attr), &line) == 0)
        *ret_line = (int)MIN(line, (Dwarf_Word)INT_MAX);
    Dwarf_Files *files;
    size_t nfiles;
    if (dwarf_formudata(dwarf_attr(inlined, DW_AT_call_file, &attr), &file_index) == 0 &&
        dwarf_getsrcfiles(cudie, &files, &nfiles) == 0 && file_index < nfiles)
        *ret_file = g_strdup(dwarf_filesrc(files, file_index, NULL, NULL));
}

typedef struct {
    Dwfl_Module *module;
    const char *module_path;
    Dwarf_Addr module_start;
    Dwarf_Addr pc;
} FrameBase;

static CoronerFrame *frame_from(const FrameBase *b)
{
    CoronerFrame *f = coroner_frame_new();
    f->pc = b->pc;
    f->module = g_strdup(b->module_path);
    f->module_offset = b->module ? b->pc - b->module_start : 0;
    return f;
}

/* Turns one raw PC into one or more frames (inlined ones first). */
static void symbolize_frame(const RawFrame *raw, Dwfl *dwfl, GPtrArray *out, unsigned max_frames)
{
    Dwarf_Addr pc_adjusted = raw->pc - (raw->activation ? 0 : 1);
    FrameBase b = {.pc = raw->pc};
    b.module = dwfl_addrmodule(dwfl, pc_adjusted);
    if (b.module)
        b.module_path =
            dwfl_module_info(b.module, NULL, &b.module_start, NULL, NULL, NULL, NULL, NULL);

    Dwarf_Addr bias = 0;
    Dwarf_Die *cudie = b.module ? dwfl_module_addrdie(b.module, pc_adjusted, &bias) : NULL;
    Dwarf_Die *scopes = NULL;
    int nscopes = cudie ? dwarf_getscopes(cudie, pc_adjusted - bias, &scopes) : 0;
    Dwarf_Die function;
    memset(&function, 0, sizeof function);
    gboolean have_function = FALSE;
    for (int i = 0; i < nscopes; i++) {
        int tag = dwarf_tag(&scopes[i]);
        if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
            function = scopes[i];
            have_function = TRUE;
            break;
        }
    }
    free(scopes);

    /* The innermost frame's location is the line table's. */
    char *file = NULL;
    int line = 0;
    Dwfl_Line *l = b.module ? dwfl_module_getsrc(b.module, pc_adjusted) : NULL;
    if (l) {
        int lineno = 0;
        const char *src = dwfl_lineinfo(l, NULL, &lineno, NULL, NULL, NULL);
        file = g_strdup(src);
        line = lineno;
    }

    if (have_function) {
        Dwarf_Die *chain = NULL;
        int nchain = dwarf_getscopes_die(&function, &chain);
        if (nchain > 0) {
            /* chain[0] is the innermost function; each inlined one's call site locates the next. */
            Dwarf_Die *last = &chain[0];
            CoronerFrame *f = frame_from(&b);
            f->function = die_name(cudie, &chain[0]);
            f->file = file;
            f->line = line;
            f->inlined = dwarf_tag(&chain[0]) == DW_TAG_inlined_subroutine;
            file = NULL;
            g_ptr_array_add(out, f);
            for (int i = 1; i < nchain && out->len < max_frames; i++) {
                int tag = dwarf_tag(&chain[i]);
                if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram &&
                    tag != DW_TAG_entry_point)
                    continue;
                f = frame_from(&b);
                f->function = die_name(cudie, &chain[i]);
                call_site(cudie, last, &f->file, &f->line);
                f->inlined = tag == DW_TAG_inlined_subroutine;
                g_ptr_array_add(out, f);
                if (tag == DW_TAG_subprogram)
                    break;
                last = &chain[i];
            }
            free(chain);
            g_free(file);
            return;
        }
        free(chain);
    }

    /* No DWARF scope: the ELF symbol table, and the line table if there was one. */
    CoronerFrame *f = frame_from(&b);
    if (b.module) {
        GElf_Off offset;
        GElf_Sym sym;
        const char *name =
            dwfl_module_addrinfo(b.module, pc_adjusted, &offset, &sym, NULL, NULL, NULL);
        f->function = demangle(name);
    }
    f->file = file;
    f->line = line;
    g_ptr_array_add(out, f);
}

static void cached_frame_free(gpointer p)
{
    CoronerFrame *f = p;
    g_free(f->function);
    g_free(f->module);
    g_free(f->file);
    g_free(f);
}

static CoronerFrame *frame_copy(const CoronerFrame *f)
{
    CoronerFrame *c = coroner_frame_new();
    *c = *f;
    c->function = g_strdup(f->function);
    c->module = g_strdup(f->module);
    c->file = g_strdup(f->file);
    return c;
}

/*
 * symbolize_frame() through a cache: threads of one program mostly wait in
 * the same few places, and DWARF scope lookups are the expensive part.
 */
static void symbolize_frame_cached(GHashTable *cache, const RawFrame *raw, Dwfl *dwfl,
                                   GPtrArray *out, unsigned max_frames, gboolean out_of_time)
{
    guint64 key = raw->pc - (raw->activation ? 0 : 1);
    GPtrArray *frames = g_hash_table_lookup(cache, &key);
    if (!frames && out_of_time) {
        /* Past the deadline: module and offset only, which costs no DWARF. */
        FrameBase b = {.pc = raw->pc};
        b.module = dwfl_addrmodule(dwfl, key);
        if (b.module)
            b.module_path =
                dwfl_module_info(b.module, NULL, &b.module_start, NULL, NULL, NULL, NULL, NULL);
        if (out->len < max_frames)
            g_ptr_array_add(out, frame_from(&b));
        return;
    }
    if (!frames) {
        frames = g_ptr_array_new_with_free_func(cached_frame_free);
        symbolize_frame(raw, dwfl, frames, max_frames);
        g_hash_table_insert(cache, g_memdup2(&key, sizeof key), frames);
    }
    for (guint i = 0; i < frames->len && out->len < max_frames; i++)
        g_ptr_array_add(out, frame_copy(frames->pdata[i]));
}

static char *build_id_hex(Dwfl_Module *mod)
{
    const unsigned char *bits;
    GElf_Addr vaddr;
    int len = dwfl_module_build_id(mod, &bits, &vaddr);
    if (len <= 0)
        return NULL;
    GString *s = g_string_sized_new((gsize)len * 2);
    for (int i = 0; i < len; i++)
        g_string_append_printf(s, "%02x", bits[i]);
    return g_string_free(s, FALSE);
}

typedef struct {
    CoronerCrashRecord *record;
    GPtrArray *modules; /* CoronerModule*, owned by record->modules */
    GPtrArray *handles; /* Dwfl_Module*, same order */
} ModuleList;

static int module_cb(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start,
                     void *arg)
{
    ModuleList *ml = arg;
    CoronerModule *m = coroner_module_new();
    Dwarf_Addr low = 0, high = 0;
    dwfl_module_info(mod, NULL, &low, &high, NULL, NULL, NULL, NULL);
    m->path = g_strdup(name);
    m->start = low;
    m->end = high;
    m->build_id = build_id_hex(mod);
    g_ptr_array_add(ml->record->modules, m);
    g_ptr_array_add(ml->modules, m);
    g_ptr_array_add(ml->handles, mod);
    return DWARF_CB_OK;
}

static int module_cmp(gconstpointer a, gconstpointer b)
{
    const CoronerModule *x = *(CoronerModule *const *)a, *y = *(CoronerModule *const *)b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Reads NT_SIGINFO: si_code and, for faults the kernel raised, the address. */
static void read_siginfo(Elf *core, CoronerCrashRecord *record)
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

/*
 * DEBUGINFOD_URLS is what libdwfl's built-in debuginfod client reads on every
 * query, so it is our switch: off during phase 1, on (when wanted) in phase 2,
 * and put back as it was at the end.  Plain setenv(): this is documented as
 * not for threaded callers (they use the sandbox), and GLib's wrappers would
 * only add a warning about it.
 */
typedef struct {
    char *urls;
    char *timeout;
} DebuginfodEnv;

static void env_save(DebuginfodEnv *e)
{
    e->urls = g_strdup(g_getenv("DEBUGINFOD_URLS"));
    e->timeout = g_strdup(g_getenv("DEBUGINFOD_TIMEOUT"));
    unsetenv("DEBUGINFOD_URLS");
}

static void env_restore(DebuginfodEnv *e)
{
    if (e->urls)
        setenv("DEBUGINFOD_URLS", e->urls, 1);
    else
        unsetenv("DEBUGINFOD_URLS");
    if (e->timeout)
        setenv("DEBUGINFOD_TIMEOUT", e->timeout, 1);
    else
        unsetenv("DEBUGINFOD_TIMEOUT");
    g_clear_pointer(&e->urls, g_free);
    g_clear_pointer(&e->timeout, g_free);
}

/* The distribution's servers (the .urls files in /etc/debuginfod) when DEBUGINFOD_URLS is not set.
 */
static char *distribution_urls(void)
{
    g_autoptr(GDir) dir = g_dir_open("/etc/debuginfod", 0, NULL);
    if (!dir)
        return NULL;
    GString *urls = g_string_new(NULL);
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        if (!g_str_has_suffix(name, ".urls"))
            continue;
        g_autofree char *path = g_build_filename("/etc/debuginfod", name, NULL);
        g_autofree char *text = NULL;
        if (!g_file_get_contents(path, &text, NULL, NULL))
            continue;
        g_strdelimit(text, "\n\t", ' ');
        g_strstrip(text);
        if (*text)
            g_string_append_printf(urls, "%s%s", urls->len ? " " : "", text);
    }
    return g_string_free(urls, urls->len == 0);
}

/* The debuginfod budget of the symbolization running on this thread. */
static __thread gint64 debuginfod_deadline;

static int debuginfod_progress(debuginfod_client *client, long a, long b)
{
    /* Non-zero cancels the transfer: the time budget is spent. */
    return past(debuginfod_deadline) ? 1 : 0;
}

/*
 * libdwfl loads libdebuginfod itself (dlopen) when it first needs it; we do
 * not link it, because it brings libcurl and some twenty libraries whose
 * loading alone costs more than a whole backtrace.  Its progress hook is
 * looked up in the copy libdwfl loaded.
 */
static void install_progress_hook(debuginfod_client *client)
{
    void *so = dlopen("libdebuginfod.so.1", RTLD_LAZY | RTLD_NOLOAD);
    if (!so)
        return;
    void (*set_progressfn)(debuginfod_client *, debuginfod_progressfn_t) =
        (void (*)(debuginfod_client *, debuginfod_progressfn_t))dlsym(so,
                                                                      "debuginfod_set_progressfn");
    if (set_progressfn)
        set_progressfn(client, debuginfod_progress);
    dlclose(so);
}

static const char *thread_name(const CoronerCrashRecord *record, pid_t tid)
{
    GPtrArray *names = record->process.threads;
    for (guint i = 0; names && i < names->len; i++) {
        const CoronerThreadName *n = names->pdata[i];
        if (n->tid == tid)
            return n->name;
    }
    return NULL;
}

/*
 * The decompressed debug info cache.
 *
 * Distributions ship debug info with compressed sections (Debian's libc:
 * 4 MiB on disk, 10 MiB inflated), and libdw inflates every one of them each
 * time it opens the file: for a typical backtrace that is more than half of
 * the time.  So the sandbox keeps an inflated copy of each compressed debug
 * file it used, keyed by build-id, in the user's cache
 * ($CORONER_DEBUGINFO_CACHE, else $XDG_CACHE_HOME/coroner/debuginfo, else
 * ~/.cache/coroner/debuginfo; an empty $CORONER_DEBUGINFO_CACHE turns it off),
 * written after the answer was sent, by a detached grandchild, and capped in
 * size.  Readers use a copy only when its build-id is the module's.
 */
#define DEBUGINFO_CACHE_MAX ((guint64)1 << 30)

typedef struct {
    char *source; /* the compressed debug file that was used */
    char *build_id;
} CacheTodo;

/*
 * Compressed debug files the sandbox child used, to inflate into the cache
 * once it has answered.  Only the child writes the cache: in-process callers
 * (and their memory) are left alone.
 */
static GPtrArray *cache_todo;
static gboolean cache_writer;

static char *debuginfo_cache_dir(void)
{
    const char *env = g_getenv("CORONER_DEBUGINFO_CACHE");
    if (env)
        return *env ? g_strdup(env) : NULL;
    const char *xdg = g_getenv("XDG_CACHE_HOME");
    if (xdg && g_path_is_absolute(xdg))
        return g_build_filename(xdg, "coroner", "debuginfo", NULL);
    /*
     * $HOME only when it is ours: the handler's sandbox inherits the kernel's
     * HOME=/ and runs as the crashing user, whose cache is in their passwd home.
     */
    const char *home = g_getenv("HOME");
    struct stat st;
    if (!home || !g_path_is_absolute(home) || stat(home, &st) < 0 || st.st_uid != geteuid()) {
        struct passwd *pw = getpwuid(geteuid());
        home = pw ? pw->pw_dir : NULL;
    }
    if (!home || !g_path_is_absolute(home) || access(home, W_OK) != 0)
        return NULL;
    return g_build_filename(home, ".cache", "coroner", "debuginfo", NULL);
}

static char *cache_path(const char *dir, const char *build_id)
{
    g_autofree char *name = g_strconcat(build_id + 2, ".debug", NULL);
    g_autofree char *prefix = g_strndup(build_id, 2);
    return g_build_filename(dir, prefix, name, NULL);
}

static gboolean has_compressed_debug(int fd)
{
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    size_t shstrndx;
    gboolean compressed = FALSE;
    if (elf && elf_getshdrstrndx(elf, &shstrndx) == 0) {
        for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn && !compressed;
             scn = elf_nextscn(elf, scn)) {
            GElf_Shdr shdr;
            if (!gelf_getshdr(scn, &shdr))
                continue;
            const char *name = elf_strptr(elf, shstrndx, shdr.sh_name);
            compressed =
                (shdr.sh_flags & SHF_COMPRESSED) || (name && g_str_has_prefix(name, ".zdebug"));
        }
    }
    if (elf)
        elf_end(elf);
    return compressed;
}

static char *fd_build_id(int fd)
{
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    const void *id = NULL;
    ssize_t len = elf ? dwelf_elf_gnu_build_id(elf, &id) : -1;
    GString *hex = NULL;
    if (len > 0) {
        hex = g_string_new(NULL);
        for (ssize_t i = 0; i < len; i++)
            g_string_append_printf(hex, "%02x", ((const unsigned char *)id)[i]);
    }
    if (elf)
        elf_end(elf);
    return hex ? g_string_free(hex, FALSE) : NULL;
}

static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, GElf_Addr base,
                          const char *file_name, const char *debuglink_file,
                          GElf_Word debuglink_crc, char **debuginfo_file_name)
{
    g_autofree char *build_id = build_id_hex(mod);
    g_autofree char *dir = build_id && strlen(build_id) > 2 ? debuginfo_cache_dir() : NULL;
    if (dir) {
        g_autofree char *cached = cache_path(dir, build_id);
        int fd = open(cached, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) {
            g_autofree char *id = fd_build_id(fd);
            if (id && strcmp(id, build_id) == 0) {
                /* Recently used: the last to be evicted. */
                (void)futimens(fd, NULL);
                *debuginfo_file_name = strdup(cached);
                return fd;
            }
            close(fd);
        }
    }
    int fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
                                          debuglink_crc, debuginfo_file_name);
    if (fd >= 0 && dir && cache_writer && *debuginfo_file_name && has_compressed_debug(fd)) {
        if (!cache_todo)
            cache_todo = g_ptr_array_new();
        CacheTodo *todo = g_new0(CacheTodo, 1);
        todo->source = g_strdup(*debuginfo_file_name);
        todo->build_id = g_steal_pointer(&build_id);
        g_ptr_array_add(cache_todo, todo);
    }
    return fd;
}

static gboolean copy_file(const char *from, int to_fd)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return FALSE;
    char buf[65536];
    ssize_t n;
    gboolean ok = TRUE;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (coroner_write_all(to_fd, buf, (size_t)n) < 0) {
            ok = FALSE;
            break;
        }
    close(in);
    return ok && n == 0;
}

/* Writes an inflated copy of source as the cache's file for build_id. */
static void cache_store(const char *dir, const CacheTodo *todo)
{
    g_autofree char *dest = cache_path(dir, todo->build_id);
    if (access(dest, F_OK) == 0)
        return;
    g_autofree char *parent = g_path_get_dirname(dest);
    if (g_mkdir_with_parents(parent, 0700) < 0)
        return;
    g_autofree char *tmp = g_strconcat(dest, ".XXXXXX", NULL);
    int fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    gboolean ok = copy_file(todo->source, fd);
    Elf *elf = ok ? elf_begin(fd, ELF_C_RDWR, NULL) : NULL;
    ok = elf != NULL;
    for (Elf_Scn *scn = elf ? elf_nextscn(elf, NULL) : NULL; ok && scn;
         scn = elf_nextscn(elf, scn)) {
        GElf_Shdr shdr;
        if (gelf_getshdr(scn, &shdr) && (shdr.sh_flags & SHF_COMPRESSED))
            ok = elf_compress(scn, 0, 0) >= 0;
    }
    ok = ok && elf_update(elf, ELF_C_WRITE) >= 0;
    if (elf)
        elf_end(elf);
    close(fd);
    if (!ok || rename(tmp, dest) < 0)
        unlink(tmp);
}

/* Deletes the least recently used files until the cache is under its cap. */
static void cache_trim(const char *dir)
{
    typedef struct {
        char *path;
        gint64 mtime;
        guint64 size;
    } Entry;
    g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(Entry));
    guint64 total = 0;
    g_autoptr(GDir) top = g_dir_open(dir, 0, NULL);
    const char *sub;
    while (top && (sub = g_dir_read_name(top))) {
        g_autofree char *subdir = g_build_filename(dir, sub, NULL);
        g_autoptr(GDir) d = g_dir_open(subdir, 0, NULL);
        const char *name;
        while (d && (name = g_dir_read_name(d))) {
            Entry e = {g_build_filename(subdir, name, NULL), 0, 0};
            struct stat st;
            if (lstat(e.path, &st) == 0 && S_ISREG(st.st_mode)) {
                e.mtime = st.st_mtime;
                e.size = (guint64)st.st_blocks * 512;
                total += e.size;
                g_array_append_val(entries, e);
            } else {
                g_free(e.path);
            }
        }
    }
    while (total > DEBUGINFO_CACHE_MAX && entries->len > 0) {
        guint oldest = 0;
        for (guint i = 1; i < entries->len; i++)
            if (g_array_index(entries, Entry, i).mtime <
                g_array_index(entries, Entry, oldest).mtime)
                oldest = i;
        Entry *e = &g_array_index(entries, Entry, oldest);
        unlink(e->path);
        total -= e->size;
        g_free(e->path);
        g_array_remove_index_fast(entries, oldest);
    }
    for (guint i = 0; i < entries->len; i++)
        g_free(g_array_index(entries, Entry, i).path);
}

/* The sandbox's after_answer: a detached grandchild, so nobody waits for it. */
static void cache_flush(gpointer data)
{
    (void)data;
    if (!cache_todo || cache_todo->len == 0)
        return;
    g_autofree char *dir = debuginfo_cache_dir();
    if (!dir)
        return;
    (void)nice(10);
    for (guint i = 0; i < cache_todo->len; i++)
        cache_store(dir, cache_todo->pdata[i]);
    cache_trim(dir);
}

static char *debuginfo_path_storage;

static const Dwfl_Callbacks core_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = find_debuginfo,
    .debuginfo_path = &debuginfo_path_storage,
};

static gboolean elf_has_debug_info(Elf *elf)
{
    size_t shstrndx;
    if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
        return FALSE;
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr shdr;
        const char *name =
            gelf_getshdr(scn, &shdr) ? elf_strptr(elf, shstrndx, shdr.sh_name) : NULL;
        if (name && (strcmp(name, ".debug_info") == 0 || strcmp(name, ".zdebug_info") == 0))
            return shdr.sh_type != SHT_NOBITS;
    }
    return FALSE;
}

/*
 * Whether a module outside the backtrace has debug info here, without
 * loading it (libdw decompresses every debug section as it opens them, which
 * for libc alone costs more than the whole unwinding): DWARF in the file
 * itself, or a debug file under the standard build-id path.
 */
static gboolean has_local_debug_info(Dwfl_Module *m, const char *build_id)
{
    Dwarf_Addr bias;
    if (elf_has_debug_info(dwfl_module_getelf(m, &bias)))
        return TRUE;
    if (!build_id || strlen(build_id) < 3)
        return FALSE;
    g_autofree char *path =
        g_strdup_printf("/usr/lib/debug/.build-id/%.2s/%s.debug", build_id, build_id + 2);
    return access(path, R_OK) == 0;
}

/* The GNU build-id of an ELF file, as lowercase hex; NULL when it has none or cannot be read. */
static char *file_build_id(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *id = fd_build_id(fd);
    close(fd);
    return id;
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
    g_autofree char *hex = build_id_hex(mod);
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
static Dwfl *report_core(Elf *core, const char *executable, CoronerCrashRecord *record,
                         GError **error)
{
    for (int round = 0; round < 2; round++) {
        Dwfl *dwfl = dwfl_begin(&core_callbacks);
        if (!dwfl) {
            g_set_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_FAILED,
                        "libdwfl: %s", dwfl_error());
            return NULL;
        }
        if (dwfl_core_file_report(dwfl, core, round ? executable : NULL) < 0) {
            g_set_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NOT_CORE,
                        "cannot read the core's modules: %s", dwfl_error());
            dwfl_end(dwfl);
            return NULL;
        }
        dwfl_report_end(dwfl, NULL, NULL);
        if (round == 1 || !executable)
            return dwfl;
        g_autofree char *id = file_build_id(executable);
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

static gboolean symbolize_elf(Elf *core, const char *executable, const CoronerSymbolizeOptions *o,
                              CoronerCrashRecord *record, DebuginfodEnv *env, GError **error)
{
    Job job = {
        .o = o,
        .deadline = o->timeout_ms ? g_get_monotonic_time() + (gint64)o->timeout_ms * 1000 : 0,
        .crash_tid = record->process.tid > 0 ? (pid_t)record->process.tid : 0,
        .threads = g_ptr_array_new_with_free_func((GDestroyNotify)raw_thread_free),
        .frame_modules = g_hash_table_new(NULL, NULL),
        .frame_cache = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                             (GDestroyNotify)g_ptr_array_unref),
    };
    /* The record owns the modules; ml.modules only indexes them beside their handles. */
    ModuleList ml = {record, g_ptr_array_new(), g_ptr_array_new()};
    g_ptr_array_set_size(record->threads, 0);
    g_ptr_array_set_size(record->modules, 0);
    gboolean ok = FALSE;

    read_siginfo(core, record);

    job.dwfl = report_core(core, executable, record, error);
    if (!job.dwfl)
        goto out;
    if (dwfl_core_file_attach(job.dwfl, core) < 0) {
        g_set_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NO_THREADS,
                    "cannot read the core's threads: %s", dwfl_error());
        goto out;
    }

    /* Phase 1: unwind, debuginfod off. */
    if (dwfl_getthreads(job.dwfl, thread_cb, &job) < 0 && job.threads->len == 0) {
        g_set_error(error, CORONER_SYMBOLIZE_ERROR, CORONER_SYMBOLIZE_ERROR_NO_THREADS,
                    "cannot unwind the core's threads: %s", dwfl_error());
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
    dwfl_getmodules(job.dwfl, module_cb, &ml, 0);
    for (guint i = 0; i < ml.handles->len; i++) {
        Dwfl_Module *m = ml.handles->pdata[i];
        CoronerModule *cm = ml.modules->pdata[i];
        if (!g_hash_table_contains(job.frame_modules, m))
            cm->has_debug_info = has_local_debug_info(m, cm->build_id);
    }

    /* Phase 2: symbolize, debuginfod on when wanted. */
    if (o->debuginfod) {
        g_autofree char *urls = env->urls && *env->urls ? g_strdup(env->urls) : distribution_urls();
        if (urls) {
            unsigned budget = o->debuginfod_timeout_ms ? o->debuginfod_timeout_ms : 1;
            job.debuginfod_deadline = g_get_monotonic_time() + (gint64)budget * 1000;
            if (job.deadline && job.debuginfod_deadline > job.deadline)
                job.debuginfod_deadline = job.deadline;
            /*
             * libdebuginfod's own timeout (whole seconds, for connecting and
             * for a stalled transfer) must not exceed the budget; the progress
             * callback enforces the rest, once a second at worst.
             */
            g_autofree char *seconds = g_strdup_printf("%u", MAX(budget / 1000, 1u));
            setenv("DEBUGINFOD_URLS", urls, 1);
            setenv("DEBUGINFOD_TIMEOUT", seconds, 1);
            debuginfod_deadline = job.debuginfod_deadline;
            debuginfod_client *client = dwfl_get_debuginfod_client(job.dwfl);
            if (client)
                install_progress_hook(client);
        }
    }

    /* The crashing thread first: the signalled tid, else the first NT_PRSTATUS. */
    guint crashed = 0;
    for (guint i = 0; i < job.threads->len; i++)
        if (((RawThread *)job.threads->pdata[i])->tid == job.crash_tid)
            crashed = i;
    for (guint n = 0; n < job.threads->len; n++) {
        guint i = n == 0 ? crashed : (n <= crashed ? n - 1 : n);
        RawThread *t = job.threads->pdata[i];
        CoronerThread *ct = coroner_thread_new(t->tid, thread_name(record, t->tid));
        ct->crashed = n == 0;
        for (guint j = 0; j < t->frames->len && ct->frames->len < o->max_frames; j++) {
            gboolean late = past(job.deadline);
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
    g_ptr_array_sort(record->modules, module_cmp);

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
    if (!o) {
        coroner_symbolize_options_init(&defaults);
        o = &defaults;
    }
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
    env_save(&env);
    gboolean ok = symbolize_elf(core, executable, o, record, &env, error);
    env_restore(&env);
    elf_end(core);
    return ok;
}

/* ---- the sandbox (sandbox.c) ---- */

typedef struct {
    int core_fd;
    const char *executable;
    const CoronerSymbolizeOptions *o;
    const CoronerCrashRecord *input; /* the tid, thread names and signal to start from */
} SandboxJob;

/* Keeps the child's answer under the pipe's cap: other threads lose frames first. */
static void fit_result_cap(CoronerCrashRecord *r)
{
    for (int round = 0; round < 2; round++) {
        gsize length = 0;
        g_free(coroner_crash_record_to_json(r, &length));
        if (length <= RESULT_MAX)
            return;
        for (guint i = 0; i < r->threads->len; i++) {
            CoronerThread *t = r->threads->pdata[i];
            if (!t->crashed)
                g_ptr_array_set_size(t->frames, round == 0 ? MIN(t->frames->len, 16) : 0);
        }
        coroner_crash_record_add_error(r, "some threads' frames were dropped to fit the result "
                                          "cap");
    }
}

/* Runs in the sandbox child. */
static gboolean symbolize_in_sandbox(gpointer data, CoronerCrashRecord *r, GError **error)
{
    const SandboxJob *job = data;
    cache_writer = TRUE;
    CoronerSymbolizeOptions mine = *job->o;
    if (mine.timeout_ms)
        mine.timeout_ms = mine.timeout_ms > 2 * CHILD_MARGIN_MS ? mine.timeout_ms - CHILD_MARGIN_MS
                                                                : mine.timeout_ms / 2 + 1;
    const CoronerCrashRecord *input = job->input;
    r->process.tid = input->process.tid;
    for (guint i = 0; input->process.threads && i < input->process.threads->len; i++) {
        const CoronerThreadName *n = input->process.threads->pdata[i];
        CoronerThreadName *copy = g_new0(CoronerThreadName, 1);
        copy->tid = n->tid;
        copy->name = g_strdup(n->name);
        g_ptr_array_add(r->process.threads, copy);
    }
    r->signal.number = input->signal.number;
    r->signal.name = g_strdup(input->signal.name);
    if (!coroner_symbolize_core_fd(job->core_fd, job->executable, &mine, r, error))
        return FALSE;
    fit_result_cap(r);
    return TRUE;
}

/* The sandbox's and the child's errors as the CoronerSymbolizeError callers know. */
static int symbolize_error_code(const GError *e)
{
    if (e->domain == CORONER_SYMBOLIZE_ERROR)
        return e->code >= 0 && e->code < CORONER_SYMBOLIZE_ERROR_FAILED
                   ? e->code
                   : CORONER_SYMBOLIZE_ERROR_FAILED;
    if (e->domain != CORONER_SANDBOX_ERROR)
        return CORONER_SYMBOLIZE_ERROR_FAILED;
    switch ((CoronerSandboxError)e->code) {
    case CORONER_SANDBOX_ERROR_TIMEOUT:
        return CORONER_SYMBOLIZE_ERROR_TIMEOUT;
    case CORONER_SANDBOX_ERROR_TOO_BIG:
    case CORONER_SANDBOX_ERROR_CRASHED:
    case CORONER_SANDBOX_ERROR_INVALID:
        return CORONER_SYMBOLIZE_ERROR_CHILD;
    case CORONER_SANDBOX_ERROR_FAILED:
    default:
        return CORONER_SYMBOLIZE_ERROR_FAILED;
    }
}

static void take_backtrace(CoronerCrashRecord *record, CoronerCrashRecord *result)
{
    g_ptr_array_set_size(record->threads, 0);
    g_ptr_array_set_size(record->modules, 0);
    for (guint i = 0; i < result->threads->len; i++)
        g_ptr_array_add(record->threads, g_steal_pointer(&result->threads->pdata[i]));
    for (guint i = 0; i < result->modules->len; i++)
        g_ptr_array_add(record->modules, g_steal_pointer(&result->modules->pdata[i]));
    g_ptr_array_set_size(result->threads, 0);
    g_ptr_array_set_size(result->modules, 0);
    g_free(record->signature);
    record->signature = g_steal_pointer(&result->signature);
    record->backtrace_quality = result->backtrace_quality;
    if (result->signal.has_code) {
        record->signal.code = result->signal.code;
        record->signal.has_code = TRUE;
    }
    if (result->signal.has_address) {
        record->signal.address = result->signal.address;
        record->signal.has_address = TRUE;
    }
    if (record->signal.number == 0 && result->signal.number > 0) {
        record->signal.number = result->signal.number;
        g_free(record->signal.name);
        record->signal.name = coroner_signal_name(result->signal.number);
    }
    for (guint i = 0; i < result->errors->len; i++)
        coroner_crash_record_add_error(record, "%s", (char *)result->errors->pdata[i]);
}

static gboolean sandbox_fail(CoronerCrashRecord *record, GError **error, int code,
                             const char *format, ...) G_GNUC_PRINTF(4, 5);

static gboolean sandbox_fail(CoronerCrashRecord *record, GError **error, int code,
                             const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *message = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_free(record->backtrace_error);
    record->backtrace_error = g_strdup(message);
    g_set_error_literal(error, CORONER_SYMBOLIZE_ERROR, code, message);
    return FALSE;
}

gboolean coroner_symbolize_sandboxed(int core_fd, const char *executable,
                                     const CoronerSymbolizeOptions *o, uid_t uid, gid_t gid,
                                     CoronerCrashRecord *record, GError **error)
{
    CoronerSymbolizeOptions defaults;
    if (!o) {
        coroner_symbolize_options_init(&defaults);
        o = &defaults;
    }
    SandboxJob job = {.core_fd = core_fd, .executable = executable, .o = o, .input = record};
    CoronerSandboxLimits limits = {
        .name = "the symbolizer",
        .drop_privileges = uid != 0,
        .uid = uid,
        .gid = gid,
        .address_space = o->memory_limit,
        .cpu_seconds = o->timeout_ms ? o->timeout_ms / 1000 + 1 : 0,
        /* No timeout is a day's. */
        .timeout_ms = o->timeout_ms ? o->timeout_ms : 24u * 3600u * 1000u,
        .max_output = RESULT_MAX,
        .after_answer = cache_flush,
    };
    g_autoptr(GError) local = NULL;
    g_autoptr(CoronerCrashRecord) result =
        coroner_sandbox_run(&limits, symbolize_in_sandbox, &job, &local);
    if (!result)
        return sandbox_fail(record, error, symbolize_error_code(local), "%s", local->message);
    take_backtrace(record, result);
    g_clear_pointer(&record->backtrace_error, g_free);
    return TRUE;
}

/* ---- the journal's stack trace ---- */

char *coroner_backtrace_format(const CoronerCrashRecord *r, unsigned max_threads)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < r->threads->len && i < max_threads; i++) {
        const CoronerThread *t = r->threads->pdata[i];
        g_string_append_printf(s, "%sStack trace of thread %" G_GINT64_FORMAT "%s%s%s:\n",
                               i ? "\n" : "", t->tid, t->name ? " (" : "", t->name ? t->name : "",
                               t->name ? ")" : "");
        for (guint j = 0; j < t->frames->len; j++) {
            const CoronerFrame *f = t->frames->pdata[j];
            const char *module = f->module ? strrchr(f->module, '/') : NULL;
            module = module ? module + 1 : (f->module ? f->module : "n/a");
            g_string_append_printf(
                s, "#%-2u 0x%016" G_GINT64_MODIFIER "x %s (%s + 0x%" G_GINT64_MODIFIER "x)", j,
                f->pc, f->function ? f->function : "n/a", module, f->module_offset);
            if (f->file)
                g_string_append_printf(s, " at %s:%d", f->file, f->line);
            if (f->inlined)
                g_string_append(s, " [inlined]");
            g_string_append_c(s, '\n');
        }
    }
    if (r->threads->len > max_threads)
        g_string_append_printf(s, "\n(%u more threads)\n", r->threads->len - max_threads);
    return g_string_free(s, FALSE);
}
