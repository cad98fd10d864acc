/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The minimal core and its recepts: real kernel cores fed in random chunk
 * sizes make the same bytes every time; eu-stack and our symbolizer give the
 * same backtrace as on the full core; a first-thread recept keeps one stack;
 * garbage and cut cores degrade without crashing; a 32-bit core stays one.  The recept parser and
 * coroner.conf's recept keys; the shared core parser's notes.
 */
#include <errno.h>
#include <gelf.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "core-parser.h"
#include "minimal-core.h"
#include "recept.h"
#include "symbolize.h"
#include "test-util.h"
#include "coroner-test.h"

static int write_array(void *user, const void *data, size_t n)
{
    g_byte_array_append(user, data, (guint)n);
    return 0;
}

/* The minimal core of data under options, fed in random chunks (seed) or chunk-sized ones. */
static GByteArray *build_minimal(const guint8 *data, gsize length,
                                 const CoronerMinimalOptions *options, guint32 seed, gsize chunk,
                                 CoronerMinimalStats *ret_stats, char **ret_warning, int *ret_finish)
{
    GByteArray *out = g_byte_array_new();
    CoronerMinimalCore *m = coroner_minimal_core_new(options, write_array, out);
    g_assert_nonnull(m);
    g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
    for (gsize at = 0; at < length;) {
        gsize n =
            chunk ? chunk : (gsize)g_rand_int_range(rand, 1, g_rand_boolean(rand) ? 64 : 300000);
        n = MIN(n, length - at);
        g_assert_cmpint(coroner_minimal_core_feed(m, data + at, n), ==, 0);
        at += n;
    }
    int r = coroner_minimal_core_finish(m);
    if (ret_finish)
        *ret_finish = r;
    else
        g_assert_cmpint(r, ==, 0);
    if (ret_stats)
        coroner_minimal_core_stats(m, ret_stats);
    if (ret_warning)
        *ret_warning = g_strdup(coroner_minimal_core_warning(m));
    coroner_minimal_core_free(m);
    return out;
}

/* The kernel core of crash-c in a mode, read whole, and the options of a recept for it. */
typedef struct {
    const char *exe;
    int pid;
    char *path;
    guint8 *data;
    gsize length;
    CoronerRecept *recept;
    CoronerMinimalOptions options;
} CrashCore;

static CoronerRecept *recept(const char *json)
{
    g_autoptr(GError) error = NULL;
    CoronerRecept *r = coroner_recept_parse(json, -1, "/test/recept.json", &error);
    g_assert_no_error(error);
    return r;
}

static void crash_core_load(CrashCore *c, const char *mode, const char *recept_json)
{
    c->exe = test_path("CRASH_C");
    c->path = test_program_core("CRASH_C", mode, &c->pid);
    c->data = test_read_file(c->path, &c->length);
    c->recept = recept(recept_json);
    coroner_recept_to_options(c->recept, &c->options);
}

static void crash_core_clear(CrashCore *c)
{
    g_free(c->path);
    g_free(c->data);
    g_clear_pointer(&c->recept, coroner_recept_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CrashCore, crash_core_clear)

/* The notes of a core as "type:name" lines, through the shared parser. */
typedef struct {
    GString *text;
    guint prstatus;
} NoteList;

static int list_note(void *user, const CoronerCoreParser *p, const CoronerCoreNote *note)
{
    NoteList *l = user;
    g_string_append_printf(l->text, "%x:%.*s\n", note->type, (int)MIN(note->namesz, 16),
                           note->name ? note->name : "?");
    l->prstatus += note->type == NT_PRSTATUS && coroner_core_note_is_kernel(note, "CORE");
    return 0;
}

static char *list_notes(const guint8 *data, gsize length, gsize chunk, guint *ret_prstatus)
{
    NoteList l = {g_string_new(NULL), 0};
    CoronerCoreParserCallbacks cb = {.note = list_note};
    CoronerCoreParser *p = coroner_core_parser_new(&cb, &l, 1 << 20);
    for (gsize at = 0; at < length; at += chunk)
        g_assert_cmpint(coroner_core_parser_feed(p, data + at, MIN(chunk, length - at)), ==, 0);
    g_assert_cmpint(coroner_core_parser_state(p), ==, CORONER_CORE_PARSER_PARSED);
    g_assert_true(coroner_core_parser_complete(p));
    coroner_core_parser_free(p);
    if (ret_prstatus)
        *ret_prstatus = l.prstatus;
    return g_string_free(l.text, FALSE);
}

static void test_threads(void)
{
    g_auto(CrashCore) crash = {0};
    crash_core_load(&crash, "threads",
                    "{\"name\":\"t\",\"notes\":{\"extended_registers\":\"crashing-thread\"}}");
    CoronerMinimalStats stats;
    g_autofree char *warning = NULL;
    g_autoptr(GByteArray) first =
        build_minimal(crash.data, crash.length, &crash.options, 1, 0, &stats, &warning, NULL);
    g_assert_null(warning);
    g_assert_cmpuint(stats.threads, >=, 2);
    g_assert_cmpuint(stats.stacks, ==, stats.threads);
    g_assert_cmpuint(stats.size, ==, first->len);
    g_assert_cmpuint(stats.size, <, crash.length);
    g_test_message("core %zu bytes, minimal %u bytes, %" G_GUINT64_FORMAT " threads", crash.length,
                   first->len, stats.threads);
    /* The same bytes however the stream is cut. */
    for (guint32 seed = 2; seed <= 3; seed++) {
        g_autoptr(GByteArray) again =
            build_minimal(crash.data, crash.length, &crash.options, seed, 0, NULL, NULL, NULL);
        g_assert_cmpmem(first->data, first->len, again->data, again->len);
    }
    g_autoptr(GByteArray) bytewise =
        build_minimal(crash.data, crash.length, &crash.options, 0, 1, NULL, NULL, NULL);
    g_assert_cmpmem(first->data, first->len, bytewise->data, bytewise->len);

    /* Every NT_PRSTATUS is there, and the note of what was left out. */
    guint full_threads = 0, min_threads = 0;
    g_autofree char *full_notes = list_notes(crash.data, crash.length, 65536, &full_threads);
    g_autofree char *min_notes = list_notes(first->data, first->len, 777, &min_threads);
    g_assert_cmpuint(full_threads, ==, min_threads);
    g_assert_nonnull(strstr(min_notes, "1:CORONER"));
    g_assert_nonnull(strstr(full_notes, "202:LINUX"));

    g_autofree char *path = test_write_tmp("c-threads.minimal", first->data, first->len);
    g_autofree char *eu_full = test_eu_stack(crash.path, crash.exe);
    g_autofree char *eu_min = test_eu_stack(path, crash.exe);
    g_assert_cmpstr(eu_full, ==, eu_min);
    g_autoptr(CoronerCrashRecord) full = test_symbolize(crash.path, crash.exe, crash.pid);
    g_autoptr(CoronerCrashRecord) small = test_symbolize(path, crash.exe, crash.pid);
    g_assert_cmpuint(full->threads->len, ==, small->threads->len);
    for (guint i = 0; i < full->threads->len; i++) {
        const CoronerThread *a = full->threads->pdata[i], *b = small->threads->pdata[i];
        g_assert_cmpuint(a->frames->len, ==, b->frames->len);
        for (guint j = 0; j < a->frames->len; j++)
            g_assert_cmpstr(((CoronerFrame *)a->frames->pdata[j])->function, ==,
                            ((CoronerFrame *)b->frames->pdata[j])->function);
    }
    g_assert_cmpstr(full->signature, ==, small->signature);
}

/* minicoredumper's first-thread-only: one stack, every thread's registers. */
static void test_first_thread(void)
{
    g_auto(CrashCore) crash = {0};
    crash_core_load(&crash, "threads", "{\"stacks\":{\"threads\":\"crashing\"}}");
    CoronerMinimalStats stats;
    g_autoptr(GByteArray) out =
        build_minimal(crash.data, crash.length, &crash.options, 5, 0, &stats, NULL, NULL);
    g_assert_cmpuint(stats.stacks, ==, 1);
    g_assert_cmpuint(stats.threads, >=, 2);
    g_autofree char *path = test_write_tmp("c-threads.first", out->data, out->len);
    g_autoptr(CoronerCrashRecord) full = test_symbolize(crash.path, crash.exe, crash.pid);
    g_autoptr(CoronerCrashRecord) small = test_symbolize(path, crash.exe, crash.pid);
    /* The crashing thread unwinds as on the full core. */
    const CoronerThread *a = full->threads->pdata[0], *b = small->threads->pdata[0];
    g_assert_true(a->crashed && b->crashed);
    g_assert_cmpuint(a->frames->len, ==, b->frames->len);
    g_assert_cmpuint(small->threads->len, ==, full->threads->len);
}

/* Registered ranges and mapping globs are kept at their real addresses. */
static void test_ranges(void)
{
    g_auto(CrashCore) crash = {0};
    crash_core_load(&crash, "segv", "{\"mappings\":[\"[heap]\"],\"max_size\":\"16M\"}");
    const guint8 *data = crash.data;
    gsize length = crash.length;
    CoronerMinimalOptions o = crash.options;
    /* The [heap] glob needs /proc maps; NT_FILE names only files: nothing more is kept. */
    CoronerMinimalStats plain, with_range;
    g_autoptr(GByteArray) a = build_minimal(data, length, &o, 1, 0, &plain, NULL, NULL);
    /* Keep the first loaded segment whole as a "buffer". */
    size_t n = 0;
    CoronerCoreParser *p = coroner_core_parser_new(NULL, NULL, 0);
    coroner_core_parser_feed(p, data, MIN(length, (gsize)1 << 20));
    const CoronerCoreSegment *segments = coroner_core_parser_segments(p, &n);
    CoronerMemoryRange range = {0, 0};
    for (size_t i = 0; i < n && !range.size; i++)
        if (segments[i].type == PT_LOAD && segments[i].filesz >= 3 * 4096)
            range = (CoronerMemoryRange){segments[i].vaddr + 4096, 2 * 4096};
    coroner_core_parser_free(p);
    g_assert_cmpuint(range.size, >, 0);
    o.ranges = &range;
    o.n_ranges = 1;
    g_autoptr(GByteArray) b = build_minimal(data, length, &o, 1, 0, &with_range, NULL, NULL);
    g_assert_cmpuint(with_range.memory_kept, >=, plain.memory_kept);
    g_assert_cmpuint(with_range.memory_kept, <=, plain.memory_kept + range.size);

    /* The byte cap: only the crashing thread's stack fits. */
    o.n_ranges = 0;
    o.max_bytes = 4096;
    CoronerMinimalStats capped;
    g_autofree char *warning = NULL;
    g_autoptr(GByteArray) c = build_minimal(data, length, &o, 1, 0, &capped, &warning, NULL);
    g_assert_cmpuint(capped.memory_kept, <=, 8192);
    g_assert_nonnull(warning);
}

static void test_garbage(void)
{
    CoronerMinimalOptions o = {.recept = "x", .all_threads = TRUE};
    int finish = 0;
    g_autofree char *warning = NULL;
    static const guint8 text[] = "this is not a core at all, just some text";
    g_autoptr(GByteArray) a =
        build_minimal(text, sizeof text, &o, 1, 0, NULL, &warning, &finish);
    g_assert_cmpint(finish, ==, -EINVAL);
    g_assert_cmpuint(a->len, ==, 0);

    /* A real core cut in its memory: still a complete file, and a warning. */
    int pid = 0;
    g_autofree char *core = test_program_core("CRASH_C", "segv", &pid);
    gsize length = 0;
    g_autofree guint8 *data = test_read_file(core, &length);
    CoronerMinimalStats stats;
    g_autofree char *cut_warning = NULL;
    g_autoptr(GByteArray) cut = build_minimal(data, length / 2, &o, 1, 0, &stats, &cut_warning, NULL);
    g_assert_nonnull(cut_warning);
    g_assert_cmpuint(cut->len, ==, stats.size);

    /* Random bytes after a valid ELF header: whatever happens, no crash. */
    g_autoptr(GRand) rand = g_rand_new_with_seed(42);
    for (int round = 0; round < 200; round++) {
        g_autofree guint8 *copy = g_memdup2(data, MIN(length, (gsize)65536));
        gsize n = MIN(length, (gsize)65536);
        for (int flips = 0; flips < 20; flips++)
            copy[g_rand_int_range(rand, 16, (gint32)n)] = (guint8)g_rand_int(rand);
        g_autoptr(GByteArray) out = build_minimal(copy, n, &o, (guint32)round, 0, NULL, NULL, &finish);
        (void)out;
    }
}

/*
 * A 32-bit core (i386), made here as the kernel lays one out: ELFCLASS32
 * headers, an NT_PRSTATUS with the thread's esp, an NT_FILE naming the
 * executable, then the memory: the executable's first page, the stack, a
 * heap too big to pass for module data.  (This machine runs no 32-bit programs, so the kernel cannot
 * make one for us.)
 */
#define I386_PID 4242
#define I386_EXE 0x08048000u
#define I386_STACK 0xbfffe000u
#define I386_ESP 0xbffff800u
#define I386_HEAP 0x0a000000u
#define I386_HEAP_SIZE (128u * 1024u)
#define I386_CORE_SIZE (16384u + I386_HEAP_SIZE)

static void put_note(GByteArray *b, guint32 type, const void *desc, guint32 descsz)
{
    static const guint8 zero[4];
    guint32 header[3] = {5, descsz, type};
    g_byte_array_append(b, (const guint8 *)header, sizeof header);
    g_byte_array_append(b, (const guint8 *)"CORE\0\0\0", 8);
    g_byte_array_append(b, desc, descsz);
    g_byte_array_append(b, zero, (4 - descsz % 4) % 4);
}

static GByteArray *make_i386_core(void)
{
    GByteArray *notes = g_byte_array_new();
    guint8 prstatus[144] = {0};
    guint32 pid = I386_PID, esp = I386_ESP;
    gint16 sig = 11;
    memcpy(prstatus + 12, &sig, sizeof sig);
    memcpy(prstatus + 24, &pid, sizeof pid);
    memcpy(prstatus + 72 + 15 * 4, &esp, sizeof esp);
    prstatus[72 + 16 * 4] = 0x2b; /* xss, right after esp */
    put_note(notes, NT_PRSTATUS, prstatus, sizeof prstatus);
    static const char exe_name[] = "/usr/bin/crash32";
    guint32 files[5] = {1, 4096, I386_EXE, I386_EXE + 4096, 0};
    g_autoptr(GByteArray) nt_file = g_byte_array_new();
    g_byte_array_append(nt_file, (const guint8 *)files, sizeof files);
    g_byte_array_append(nt_file, (const guint8 *)exe_name, sizeof exe_name);
    put_note(notes, NT_FILE, nt_file->data, nt_file->len);

    /* The executable's page is kept only as a module named by NT_FILE: it is not writable. */
    struct {
        guint32 vaddr, offset, size, flags;
    } loads[] = {{I386_EXE, 4096, 4096, PF_R | PF_X},
                 {I386_STACK, 8192, 8192, PF_R | PF_W},
                 {I386_HEAP, 16384, I386_HEAP_SIZE, PF_R | PF_W}};
    guint phnum = 1 + G_N_ELEMENTS(loads);
    Elf32_Ehdr eh = {
        .e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS32, ELFDATA2LSB, EV_CURRENT},
        .e_type = ET_CORE, .e_machine = EM_386, .e_version = EV_CURRENT,
        .e_phoff = sizeof(Elf32_Ehdr), .e_ehsize = sizeof(Elf32_Ehdr),
        .e_phentsize = sizeof(Elf32_Phdr), .e_phnum = (Elf32_Half)phnum,
    };
    GByteArray *core = g_byte_array_sized_new(I386_CORE_SIZE);
    g_byte_array_set_size(core, I386_CORE_SIZE);
    memset(core->data, 0, core->len);
    memcpy(core->data, &eh, sizeof eh);
    guint32 notes_off = sizeof eh + phnum * sizeof(Elf32_Phdr);
    Elf32_Phdr note = {.p_type = PT_NOTE, .p_offset = notes_off, .p_filesz = notes->len};
    memcpy(core->data + sizeof eh, &note, sizeof note);
    memcpy(core->data + notes_off, notes->data, notes->len);
    g_assert_cmpuint(notes_off + notes->len, <=, 4096);
    for (guint i = 0; i < G_N_ELEMENTS(loads); i++) {
        Elf32_Phdr ph = {.p_type = PT_LOAD, .p_flags = loads[i].flags, .p_offset = loads[i].offset,
                         .p_vaddr = loads[i].vaddr, .p_filesz = loads[i].size,
                         .p_memsz = loads[i].size, .p_align = 4096};
        memcpy(core->data + sizeof eh + (i + 1) * sizeof ph, &ph, sizeof ph);
        for (guint j = 0; j < loads[i].size; j++)
            core->data[loads[i].offset + j] = (guint8)(i * 64 + j * 7);
    }
    /* The executable's first page starts like an ELF image. */
    memcpy(core->data + 4096, ELFMAG, SELFMAG);
    g_byte_array_unref(notes);
    return core;
}

/* The PT_LOAD of an ELF image holding addr, read by libelf; FALSE if none. */
static gboolean find_load(Elf *elf, guint64 addr, GElf_Phdr *ret)
{
    size_t n = 0;
    g_assert_cmpint(elf_getphdrnum(elf, &n), ==, 0);
    for (size_t i = 0; i < n; i++) {
        g_assert_nonnull(gelf_getphdr(elf, (int)i, ret));
        if (ret->p_type == PT_LOAD && ret->p_vaddr <= addr && addr < ret->p_vaddr + ret->p_filesz)
            return TRUE;
    }
    return FALSE;
}

static int check_i386_note(void *user, const CoronerCoreParser *p, const CoronerCoreNote *note)
{
    guint *prstatus = user;
    int64_t tid = 0;
    uint64_t sp = 0;
    int sig = 0;
    if (note->type != NT_PRSTATUS || !coroner_core_note_is_kernel(note, "CORE"))
        return 0;
    g_assert_true(coroner_core_prstatus_tid(p, note, &tid));
    g_assert_true(coroner_core_prstatus_sp(p, note, &sp));
    g_assert_true(coroner_core_prstatus_signal(p, note, &sig));
    g_assert_cmpint(tid, ==, I386_PID);
    g_assert_cmpuint(sp, ==, I386_ESP);
    g_assert_cmpint(sig, ==, 11);
    (*prstatus)++;
    return 0;
}

/* ELFCLASS32: the parser reads the i386 registers, the minimal core is a 32-bit core. */
static void test_i386(void)
{
    g_autoptr(GByteArray) core = make_i386_core();
    g_autoptr(CoronerRecept) r = recept("{}");
    CoronerMinimalOptions o;
    coroner_recept_to_options(r, &o);
    CoronerMinimalStats stats;
    g_autofree char *warning = NULL;
    g_autoptr(GByteArray) out =
        build_minimal(core->data, core->len, &o, 1, 0, &stats, &warning, NULL);
    g_assert_null(warning);
    g_assert_cmpuint(stats.threads, ==, 1);
    g_assert_cmpuint(stats.stacks, ==, 1);
    g_autoptr(GByteArray) bytewise =
        build_minimal(core->data, core->len, &o, 0, 1, NULL, NULL, NULL);
    g_assert_cmpmem(out->data, out->len, bytewise->data, bytewise->len);

    /* Both the core and its minimal core, through our parser. */
    GByteArray *both[] = {core, out};
    for (guint i = 0; i < G_N_ELEMENTS(both); i++) {
        guint prstatus = 0;
        CoronerCoreParserCallbacks cb = {.note = check_i386_note};
        CoronerCoreParser *p = coroner_core_parser_new(&cb, &prstatus, 1 << 20);
        g_assert_cmpint(coroner_core_parser_feed(p, both[i]->data, both[i]->len), ==, 0);
        g_assert_cmpint(coroner_core_parser_state(p), ==, CORONER_CORE_PARSER_PARSED);
        g_assert_true(coroner_core_parser_complete(p));
        g_assert_cmpuint(coroner_core_parser_ehdr(p)->e_ident[EI_CLASS], ==, ELFCLASS32);
        g_assert_cmpuint(coroner_core_parser_ehdr(p)->e_machine, ==, EM_386);
        g_assert_cmpuint(coroner_core_word_size(p), ==, 4);
        g_assert_cmpuint(prstatus, ==, 1);
        coroner_core_parser_free(p);
    }

    /* The minimal core through libelf: 32-bit, the stack and the executable's header kept, no heap. */
    g_assert_cmpuint(elf_version(EV_CURRENT), !=, EV_NONE);
    Elf *elf = elf_memory((char *)out->data, out->len);
    g_assert_nonnull(elf);
    g_assert_cmpint(gelf_getclass(elf), ==, ELFCLASS32);
    GElf_Ehdr eh;
    g_assert_nonnull(gelf_getehdr(elf, &eh));
    g_assert_cmpuint(eh.e_type, ==, ET_CORE);
    g_assert_cmpuint(eh.e_machine, ==, EM_386);
    GElf_Phdr first, ph;
    g_assert_nonnull(gelf_getphdr(elf, 0, &first));
    g_assert_cmpuint(first.p_type, ==, PT_NOTE);
    g_assert_true(find_load(elf, I386_ESP, &ph));
    g_assert_cmpuint(ph.p_offset + ph.p_filesz, <=, out->len);
    guint64 kept_from = MAX(ph.p_vaddr, (guint64)I386_ESP - 128);
    guint64 kept_to = MIN(ph.p_vaddr + ph.p_filesz, (guint64)I386_STACK + 8192);
    g_assert_cmpuint(kept_to, ==, I386_STACK + 8192);
    g_assert_cmpmem(out->data + ph.p_offset + (kept_from - ph.p_vaddr), kept_to - kept_from,
                    core->data + 8192 + (kept_from - I386_STACK), kept_to - kept_from);
    g_assert_true(find_load(elf, I386_EXE, &ph));
    g_assert_cmpmem(out->data + ph.p_offset, SELFMAG, ELFMAG, SELFMAG);
    g_assert_false(find_load(elf, I386_HEAP, &ph));
    elf_end(elf);

    /* Unmodified eu-readelf reads it as a 32-bit i386 core with the thread's pid. */
    g_autofree char *path = test_write_tmp("i386.minimal", out->data, out->len);
    const char *argv[] = {"eu-readelf", "-h", "-n", path, NULL};
    g_autofree char *text = NULL;
    int status = 0;
    g_autoptr(GError) error = NULL;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &text,
                               NULL, &status, &error));
    g_assert_no_error(error);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    g_assert_nonnull(strstr(text, "ELF32"));
    g_assert_nonnull(strstr(text, "Intel 80386"));
    g_assert_nonnull(strstr(text, "pid: 4242"));

    /* A machine whose stack pointer we do not know: the thread counts, no stack is kept, and the
     * warning says why. */
    ((Elf32_Ehdr *)core->data)->e_machine = EM_ARM;
    CoronerMinimalStats arm_stats;
    g_autofree char *arm_warning = NULL;
    g_autoptr(GByteArray) arm =
        build_minimal(core->data, core->len, &o, 1, 0, &arm_stats, &arm_warning, NULL);
    g_assert_cmpuint(arm_stats.threads, ==, 1);
    g_assert_cmpuint(arm_stats.stacks, ==, 0);
    g_assert_nonnull(arm_warning);
    g_assert_nonnull(strstr(arm_warning, "stack pointer"));
}

static void test_recept_parse(void)
{
    g_autoptr(CoronerRecept) d = recept("{}");
    g_assert_cmpstr(d->name, ==, "recept");
    g_assert_true(d->all_threads);
    g_assert_false(d->drop_other_xstate);
    g_assert_cmpuint(d->module_data_max, ==, 64 * 1024);
    g_autoptr(CoronerRecept) r = recept(
        "{\"name\":\"n\",\"stacks\":{\"threads\":\"crashing\",\"max_size\":\"64K\",\"red_zone\":0},"
        "\"notes\":{\"extended_registers\":\"crashing-thread\"},\"modules\":{\"data\":false},"
        "\"mappings\":[\"[heap]\"],\"proc\":[\"status\",\"maps\"],\"max_size\":1000}");
    g_assert_cmpstr(r->name, ==, "n");
    g_assert_false(r->all_threads);
    g_assert_cmpuint(r->max_stack, ==, 65536);
    g_assert_cmpuint(r->red_zone, ==, 0);
    g_assert_true(r->drop_other_xstate);
    g_assert_false(r->module_data);
    g_assert_cmpuint(r->mappings->len, ==, 1);
    g_assert_cmpuint(r->proc->len, ==, 2);
    g_assert_cmpuint(r->max_size, ==, 1000);

    static const char *const bad[] = {
        "[]", "{\"stack\":{}}", "{\"stacks\":{\"threads\":\"some\"}}", "{\"stacks\":{\"max\":1}}",
        "{\"buffers\":1}", "{\"proc\":[\"mem\"]}", "{\"max_size\":\"lots\"}", "{\"name\":\"\"}",
        "not json",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(CoronerRecept) x = coroner_recept_parse(bad[i], -1, "/r.json", &error);
        g_assert_null(x);
        g_assert_nonnull(error);
        g_assert_nonnull(strstr(error->message, "/r.json"));
    }
}

static void test_recept_choose(void)
{
    const char *dir = test_tmpdir();
    g_autofree char *recepts = g_build_filename(dir, "recepts.d", NULL);
    g_assert_cmpint(g_mkdir_with_parents(recepts, 0755), ==, 0);
    g_autofree char *global = g_build_filename(dir, "global.json", NULL);
    g_autofree char *app = g_build_filename(dir, "app.json", NULL);
    g_autofree char *by_exe = g_build_filename(recepts, "10-editor.json", NULL);
    g_assert_true(g_file_set_contents(global, "{\"name\":\"global\"}", -1, NULL));
    g_assert_true(g_file_set_contents(app, "{\"name\":\"app\"}", -1, NULL));
    g_assert_true(g_file_set_contents(by_exe, "{\"name\":\"exe\",\"match\":[\"/usr/bin/ed*\"]}", -1, NULL));
    g_autofree char *conf = g_build_filename(dir, "coroner.conf", NULL);
    g_autofree char *text = g_strdup_printf("[Store]\nRecept=%s\nReceptDirectory=%s\n"
                                            "[App:org.example.App]\nRecept=%s\n"
                                            "[App:org.example.Bad]\nRecept=relative.json\n",
                                            global, recepts, app);
    g_assert_true(g_file_set_contents(conf, text, -1, NULL));
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(CoronerConfig) c = coroner_config_load(conf, problems);
    g_assert_cmpuint(problems->len, ==, 1);
    g_assert_nonnull(strstr(problems->pdata[0], "[App:org.example.Bad] Recept"));

    struct {
        const char *app_id, *exe, *want;
    } cases[] = {
        {"org.example.App", "/usr/bin/editor", "app"},
        {NULL, "/usr/bin/editor", "exe"},
        {"org.example.Other", "/usr/bin/other", "global"},
        {NULL, NULL, "global"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(CoronerRecept) r = coroner_recept_choose(c, cases[i].app_id, cases[i].exe, &error);
        g_assert_no_error(error);
        g_assert_nonnull(r);
        g_assert_cmpstr(r->name, ==, cases[i].want);
    }
    /* No recept configured: full cores.  A broken recept: an error, never a guess. */
    g_autoptr(CoronerConfig) none = coroner_config_new_default();
    g_autoptr(GError) error = NULL;
    g_assert_null(coroner_recept_choose(none, "x", "/bin/x", &error));
    g_assert_no_error(error);
    g_assert_true(g_file_set_contents(global, "{\"stacks\":", -1, NULL));
    g_assert_null(coroner_recept_choose(c, NULL, "/usr/bin/other", &error));
    g_assert_nonnull(error);
}

static void test_mappings_parse(void)
{
    size_t n = 0;
    CoronerMapping *maps = coroner_mappings_parse(
        "55d0c0a00000-55d0c0a01000 r--p 00000000 fe:00 1234    /usr/bin/x y\n"
        "55d0c0a01000-55d0c0a02000 rw-p 00001000 fe:00 1234    /usr/bin/x y\n"
        "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0       [stack]\n"
        "7ffc00030000-7ffc00031000 rw-p 00000000 00:00 0\n"
        "garbage\n",
        &n);
    g_assert_cmpuint(n, ==, 4);
    g_assert_cmpstr(maps[0].name, ==, "/usr/bin/x y");
    g_assert_false(maps[0].writable);
    g_assert_true(maps[1].writable);
    g_assert_cmpuint(maps[1].file_offset, ==, 0x1000);
    g_assert_cmpstr(maps[2].name, ==, "[stack]");
    g_assert_cmpstr(maps[3].name, ==, "");
    coroner_mappings_free(maps, n);
    g_assert_null(coroner_mappings_parse(NULL, &n));
}

static const CoronerTestCase tests[] = {
    {"/minimal-core/threads", test_threads},
    {"/minimal-core/first-thread", test_first_thread},
    {"/minimal-core/ranges-and-cap", test_ranges},
    {"/minimal-core/garbage", test_garbage},
    {"/minimal-core/i386", test_i386},
    {"/recept/parse", test_recept_parse},
    {"/recept/choose", test_recept_choose},
    {"/recept/mappings", test_mappings_parse},
};

CORONER_TEST_MAIN(tests)
