/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * core_stream() on synthetic ELF cores: the whole range of endings a pipe can
 * have (complete, cut by a limit, cut short, empty, not ELF, over budget) and
 * both storage forms (zstd and sparse).
 */
/* For ZSTD_CCtx_getParameter(), to read back the tuning (libzstd exports it). */
#define ZSTD_STATIC_LINKING_ONLY
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "core-stream.h"
#include "fs-util.h"

#define SEGMENT (256 * 1024)

/* An ELF64 core of `segments` PT_LOAD segments of `size` zero bytes each, the first at 4096. */
static GByteArray *core_with_segments(guint segments, gsize size)
{
    GByteArray *core = g_byte_array_new();
    Elf64_Ehdr eh = {0};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_CORE;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = sizeof eh;
    eh.e_ehsize = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = segments;
    g_byte_array_append(core, (guint8 *)&eh, sizeof eh);
    for (guint i = 0; i < segments; i++) {
        Elf64_Phdr ph = {.p_type = PT_LOAD, .p_offset = 4096 + (uint64_t)i * size, .p_filesz = size};
        g_byte_array_append(core, (guint8 *)&ph, sizeof ph);
    }
    guint header_end = core->len;
    g_byte_array_set_size(core, 4096 + segments * size);
    memset(core->data + header_end, 0, core->len - header_end);
    return core;
}

/* Header, two program headers, then a zero segment and a text segment. */
static GByteArray *make_core(void)
{
    GByteArray *core = core_with_segments(2, SEGMENT);
    for (guint i = 0; i < SEGMENT; i++)
        core->data[4096 + SEGMENT + i] = "the quick brown fox "[i % 20];
    return core;
}

/* Feeds data through a pipe from a writer thread, like the kernel does. */
typedef struct {
    int fd;
    const guint8 *data;
    gsize length;
} Writer;

static gpointer writer_thread(gpointer p)
{
    Writer *w = p;
    (void)coroner_write_all(w->fd, w->data, w->length);
    close(w->fd);
    return NULL;
}

static char *out_path;


/* The whole output file, decompressed if compressed is set. */
static GBytes *read_output(int fd, gboolean compressed)
{
    struct stat st;
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    g_autofree guint8 *buf = g_malloc((gsize)st.st_size + 1);
    g_assert_cmpint(pread(fd, buf, st.st_size, 0), ==, st.st_size);
    if (!compressed)
        return g_bytes_new_take(g_steal_pointer(&buf), (gsize)st.st_size);
    g_autoptr(GByteArray) out = g_byte_array_new();
    ZSTD_DStream *d = ZSTD_createDStream();
    ZSTD_inBuffer in = {buf, (size_t)st.st_size, 0};
    guint8 chunk[65536];
    while (in.pos < in.size) {
        ZSTD_outBuffer ob = {chunk, sizeof chunk, 0};
        size_t r = ZSTD_decompressStream(d, &ob, &in);
        g_assert_false(ZSTD_isError(r));
        g_byte_array_append(out, chunk, ob.pos);
    }
    ZSTD_freeDStream(d);
    return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

/* A test's core, its options, and the result and output file of its latest run. */
typedef struct {
    GByteArray *core;
    CoreStreamOptions o;
    CoreStreamResult r;
    int out;
} Stream;

static Stream stream_new(GByteArray *core, gboolean compress)
{
    return (Stream){.core = core,
                    .o = {.compress = compress, .level = 3, .workers = 1, .limit = UINT64_MAX,
                          .budget = UINT64_MAX, .stack_fd = -1},
                    .out = -1};
}

/* Feeds length bytes of data to core_stream() through a pipe, into a fresh output file. */
static void stream_run(Stream *s, const guint8 *data, gsize length)
{
    int p[2];
    g_assert_cmpint(pipe(p), ==, 0);
    Writer w = {p[1], data, length};
    GThread *t = g_thread_new("writer", writer_thread, &w);
    if (s->out >= 0)
        close(s->out);
    s->out = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    g_assert_cmpint(s->out, >=, 0);
    core_stream(p[0], s->out, &s->o, &s->r);
    close(p[0]); /* the writer sees EPIPE if we stopped early, as the kernel would */
    g_thread_join(t);
}

/* The output file holds exactly the core's first n bytes (decompressed when it is compressed). */
static void assert_output(const Stream *s, gsize n)
{
    g_autoptr(GBytes) back = read_output(s->out, s->o.compress);
    g_assert_cmpmem(g_bytes_get_data(back, NULL), g_bytes_get_size(back), s->core->data, n);
}

/* Streams the whole core. */
static void stream_core(Stream *s)
{
    stream_run(s, s->core->data, s->core->len);
}

static void stream_clear(Stream *s)
{
    g_byte_array_unref(s->core);
    if (s->out >= 0)
        close(s->out);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Stream, stream_clear)

static void test_complete_zstd(void)
{
    g_auto(Stream) s = stream_new(make_core(), TRUE);
    stream_core(&s);
    g_assert_cmpint(s.r.status, ==, CORE_STREAM_OK);
    g_assert_cmpuint(s.r.bytes_in, ==, s.core->len);
    g_assert_cmpuint(s.r.expected_size, ==, s.core->len);
    g_assert_cmpuint(s.r.bytes_out, <, s.core->len / 10);
    assert_output(&s, s.core->len);
}

/* The core tuning is in force on this libzstd (a refusal would silently cost speed and size). */
static void test_zstd_tuning(void)
{
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    g_assert_true(core_stream_tune_zstd(cctx, CORE_STREAM_ZSTD_LEVEL));
    int value = 0;
    g_assert_false(ZSTD_isError(ZSTD_CCtx_getParameter(cctx, ZSTD_c_compressionLevel, &value)));
    g_assert_cmpint(value, ==, CORE_STREAM_ZSTD_LEVEL);
    g_assert_false(ZSTD_isError(ZSTD_CCtx_getParameter(cctx, ZSTD_c_minMatch, &value)));
    g_assert_cmpint(value, ==, 6);
    g_assert_false(ZSTD_isError(ZSTD_CCtx_getParameter(cctx, ZSTD_c_windowLog, &value)));
    g_assert_cmpint(value, ==, 21);
    ZSTD_freeCCtx(cctx);
}

/* A core of 3 x 8 MiB of incompressible data: the write-behind ranges must not lose a byte. */
static GByteArray *make_big_core(void)
{
    const gsize size = 8u << 20;
    GByteArray *core = core_with_segments(3, size);
    g_autoptr(GRand) rand = g_rand_new_with_seed(7);
    guint32 *words = (guint32 *)(core->data + 4096);
    for (gsize i = 0; i < 3 * size / 4; i++)
        words[i] = g_rand_int(rand);
    /* A run of zero pages in the middle, which the sparse form turns into a hole. */
    memset(core->data + 4096 + size, 0, size / 2);
    return core;
}

static void test_big_core(gconstpointer compress)
{
    g_auto(Stream) s = stream_new(make_big_core(), GPOINTER_TO_INT(compress));
    s.o.workers = 2;
    stream_core(&s);
    g_assert_cmpint(s.r.status, ==, CORE_STREAM_OK);
    g_assert_cmpuint(s.r.bytes_in, ==, s.core->len);
    assert_output(&s, s.core->len);
}

static void test_complete_sparse(void)
{
    g_auto(Stream) s = stream_new(make_core(), FALSE);
    stream_core(&s);
    g_assert_cmpint(s.r.status, ==, CORE_STREAM_OK);
    struct stat st;
    g_assert_cmpint(fstat(s.out, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, s.core->len);
    /* The zero segment is a hole: fewer bytes written than the file is long. */
    g_assert_cmpuint(s.r.bytes_out, <=, s.core->len - SEGMENT + 4096);
    assert_output(&s, s.core->len);
}

static void test_limit(void)
{
    g_auto(Stream) s = stream_new(make_core(), TRUE);
    s.o.limit = 65536;
    stream_core(&s);
    g_assert_cmpint(s.r.status, ==, CORE_STREAM_LIMITED);
    g_assert_cmpuint(s.r.bytes_in, ==, 65536);
    assert_output(&s, 65536);

    /* A limit equal to the size is not a cut. */
    s.o.limit = s.core->len;
    stream_core(&s);
    g_assert_cmpint(s.r.status, ==, CORE_STREAM_OK);
}

/*
 * A dump that stalls (the kernel blocked on a slow mapping) is cut at its
 * deadline: what arrived is kept, the status says so.  The writer sends half
 * the core and then holds the pipe open without writing.
 */
static void test_deadline(void)
{
    g_auto(Stream) s = stream_new(make_core(), TRUE);
    int p[2];
    g_assert_cmpint(pipe(p), ==, 0);
    gsize half = s.core->len / 2;
    g_assert_cmpint(coroner_write_all(p[1], s.core->data, MIN(half, (gsize)60000)), ==, 0);
    s.out = open(out_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    g_assert_cmpint(s.out, >=, 0);
    s.o.deadline = g_get_monotonic_time() + 500 * G_TIME_SPAN_MILLISECOND;
    gint64 start = g_get_monotonic_time();
    core_stream(p[0], s.out, &s.o, &s.r);
    gint64 took_ms = (g_get_monotonic_time() - start) / 1000;
    g_assert_cmpint(s.r.status, ==, CORE_STREAM_TIMED_OUT);
    g_assert_cmpint(took_ms, >=, 450);
    g_assert_cmpint(took_ms, <, 3000);
    g_assert_cmpuint(s.r.bytes_in, ==, MIN(half, (gsize)60000));
    assert_output(&s, s.r.bytes_in);
    g_autofree char *what = core_stream_describe(&s.r);
    g_assert_nonnull(strstr(what, "DumpTimeoutSec"));
    close(p[0]);
    close(p[1]);
}

static void test_bad_endings(void)
{
    g_auto(Stream) s = stream_new(make_core(), TRUE);

    stream_run(&s, s.core->data, s.core->len / 2);
    g_assert_cmpint(s.r.status, ==, CORE_STREAM_SHORT);
    g_autofree char *why = core_stream_describe(&s.r);
    g_assert_nonnull(strstr(why, "truncated"));

    stream_run(&s, s.core->data, 0);
    g_assert_cmpint(s.r.status, ==, CORE_STREAM_EMPTY);

    static const char garbage[] = "this is certainly not an ELF core file, just text";
    stream_run(&s, (const guint8 *)garbage, sizeof garbage);
    g_assert_cmpint(s.r.status, ==, CORE_STREAM_NOT_ELF);

    stream_run(&s, s.core->data, 10);
    g_assert_cmpint(s.r.status, ==, CORE_STREAM_NOT_ELF);

    /* Only the ELF header: the program headers never came, and the sentence says so. */
    stream_run(&s, s.core->data, sizeof(Elf64_Ehdr));
    g_assert_cmpint(s.r.status, ==, CORE_STREAM_SHORT);
    g_autofree char *short_why = core_stream_describe(&s.r);
    g_assert_null(strstr(short_why, "of the 0 bytes"));
    g_assert_nonnull(strstr(short_why, "before its program headers were complete"));

    /* PN_XNUM: the size cannot be checked while streaming, and the result says so. */
    g_autoptr(GByteArray) xnum = make_core();
    ((Elf64_Ehdr *)xnum->data)->e_phnum = PN_XNUM;
    stream_run(&s, xnum->data, xnum->len);
    g_assert_true(s.r.size_unchecked);

    /* An ELF executable is ELF but not a core. */
    g_autoptr(GByteArray) exe = make_core();
    ((Elf64_Ehdr *)exe->data)->e_type = ET_EXEC;
    stream_run(&s, exe->data, exe->len);
    g_assert_cmpint(s.r.status, ==, CORE_STREAM_NOT_ELF);
}

static void test_budget(void)
{
    g_auto(Stream) s = stream_new(make_core(), FALSE);
    s.o.budget = 100000;
    stream_core(&s);
    g_assert_cmpint(s.r.status, ==, CORE_STREAM_OVER_BUDGET);
    g_assert_cmpuint(s.r.bytes_out, <=, 100000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    signal(SIGPIPE, SIG_IGN);
    g_autofree char *dir = g_dir_make_tmp("coroner-stream-XXXXXX", NULL);
    out_path = g_build_filename(dir, "out", NULL);
    g_test_add_func("/core-stream/complete-zstd", test_complete_zstd);
    g_test_add_func("/core-stream/complete-sparse", test_complete_sparse);
    g_test_add_func("/core-stream/zstd-tuning", test_zstd_tuning);
    g_test_add_data_func("/core-stream/big-zstd", GINT_TO_POINTER(TRUE), test_big_core);
    g_test_add_data_func("/core-stream/big-sparse", GINT_TO_POINTER(FALSE), test_big_core);
    g_test_add_func("/core-stream/limit", test_limit);
    g_test_add_func("/core-stream/deadline", test_deadline);
    g_test_add_func("/core-stream/bad-endings", test_bad_endings);
    g_test_add_func("/core-stream/budget", test_budget);
    int r = g_test_run();
    unlink(out_path);
    rmdir(dir);
    g_free(out_path);
    return r;
}
