/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core-stream.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "core-parser.h"
#include "fs-util.h"
#include "minimal-core.h"
#include "sparse-file.h"
#include "stack-core.h"

/* One read from the pipe.  Big enough to amortise syscalls, small enough for the memory cap. */
#define READ_CHUNK (256u * 1024u)
/* Zero runs are detected at page granularity (the kernel pads holes with whole zero pages). */
#define ZERO_BLOCK 4096u
/*
 * Write-behind: every time this much has been written, the kernel is asked to
 * start writing it to disk.  Otherwise the page cache holds the whole core
 * (below the dirty thresholds nothing is flushed) and the final fsync() pays
 * for all of it after compression has finished: 0.3-0.4 s for 440 MiB
 * here, 0.1-0.2 s with write-behind (the rest is ext4's commit).
 */
#define WRITE_BEHIND (8u * 1024u * 1024u)

/*
 * The dumping thread's signal and id, from the notes: the kernel writes the
 * thread that took the fatal signal first, and in pipe or socket mode without
 * %s this is the only place the signal is written down.
 */
typedef struct {
    int signal_number; /* NT_SIGINFO's si_signo */
    int cursig;        /* the first NT_PRSTATUS's pr_cursig */
    int64_t tid;       /* the first NT_PRSTATUS's pr_pid */
} NoteScan;

static int scan_note(void *user, const CoronerCoreParser *parser, const CoronerCoreNote *note)
{
    NoteScan *s = user;
    if (!coroner_core_note_is_kernel(note, "CORE") || !note->desc)
        return 0;
    if (note->type == NT_PRSTATUS && s->tid == 0) {
        coroner_core_prstatus_tid(parser, note, &s->tid);
        coroner_core_prstatus_signal(parser, note, &s->cursig);
    } else if (note->type == NT_SIGINFO && s->signal_number == 0 && note->descsz >= 4) {
        int32_t signo;
        memcpy(&signo, note->desc, sizeof signo);
        s->signal_number = signo;
    }
    return 0;
}

static int note_scan_signal(const NoteScan *s)
{
    if (s->signal_number > 0 && s->signal_number <= 64)
        return s->signal_number;
    return s->cursig > 0 && s->cursig <= 64 ? s->cursig : 0;
}

typedef struct {
    int fd;
    uint64_t written;
    uint64_t budget;
    ZSTD_CCtx *cctx;
    ZSTD_outBuffer out;
    uint64_t logical;   /* uncompressed position, for the sparse path */
    uint64_t flushed;   /* file offset up to which writeback was started */
} Sink;

/* Starts (does not wait for) writeback of what was written since last time. */
static void sink_write_behind(Sink *s, uint64_t end)
{
    if (end - s->flushed < WRITE_BEHIND)
        return;
    /* Only a hint: file systems without it (EINVAL, ESPIPE) are fsync'd at the end anyway. */
    (void)sync_file_range(s->fd, (off_t)s->flushed, (off_t)(end - s->flushed), SYNC_FILE_RANGE_WRITE);
    s->flushed = end;
}

static CoreStreamStatus sink_write_raw(Sink *s, const void *data, size_t n, int *ret_errno)
{
    if (s->written + n > s->budget)
        return CORE_STREAM_OVER_BUDGET;
    int r = coroner_write_all(s->fd, data, n);
    if (r < 0) {
        *ret_errno = -r;
        return r == -ENOSPC || r == -EDQUOT ? CORE_STREAM_OVER_BUDGET : CORE_STREAM_WRITE_ERROR;
    }
    s->written += n;
    sink_write_behind(s, s->cctx ? s->written : s->logical + n);
    return CORE_STREAM_OK;
}

static CoreStreamStatus sink_flush_out(Sink *s, int *ret_errno)
{
    if (s->out.pos == 0)
        return CORE_STREAM_OK;
    CoreStreamStatus st = sink_write_raw(s, s->out.dst, s->out.pos, ret_errno);
    s->out.pos = 0;
    return st;
}

static CoreStreamStatus sink_compress(Sink *s, const void *data, size_t n, ZSTD_EndDirective mode,
                                      int *ret_errno)
{
    ZSTD_inBuffer in = {data, n, 0};
    for (;;) {
        size_t remaining = ZSTD_compressStream2(s->cctx, &s->out, &in, mode);
        if (ZSTD_isError(remaining))
            return CORE_STREAM_COMPRESS_ERROR;
        CoreStreamStatus st = sink_flush_out(s, ret_errno);
        if (st != CORE_STREAM_OK)
            return st;
        if (mode == ZSTD_e_continue ? in.pos == in.size : remaining == 0)
            return CORE_STREAM_OK;
    }
}

/* Uncompressed: zero pages become holes, so a sparse core costs no disk for its holes. */
static CoreStreamStatus sink_sparse(Sink *s, const uint8_t *data, size_t n, int *ret_errno)
{
    size_t i = 0;
    while (i < n) {
        size_t block = MIN((size_t)ZERO_BLOCK, n - i);
        if (block == ZERO_BLOCK && coroner_is_hole(data + i, block)) {
            if (lseek(s->fd, (off_t)block, SEEK_CUR) < 0) {
                *ret_errno = errno;
                return CORE_STREAM_WRITE_ERROR;
            }
        } else {
            CoreStreamStatus st = sink_write_raw(s, data + i, block, ret_errno);
            if (st != CORE_STREAM_OK)
                return st;
        }
        s->logical += block;
        i += block;
    }
    return CORE_STREAM_OK;
}

static CoreStreamStatus sink_feed(Sink *s, const uint8_t *data, size_t n, int *ret_errno)
{
    if (s->cctx)
        return sink_compress(s, data, n, ZSTD_e_continue, ret_errno);
    return sink_sparse(s, data, n, ret_errno);
}

/* The minimal core writer's output goes into the sink; a sink failure stops the writer. */
typedef struct {
    Sink *sink;
    CoreStreamStatus status;
    int error_number;
} MinimalSink;

static int minimal_write(void *user, const void *data, size_t n)
{
    MinimalSink *m = user;
    m->status = sink_feed(m->sink, data, n, &m->error_number);
    return m->status == CORE_STREAM_OK ? 0 : -EIO;
}

static CoreStreamStatus sink_finish(Sink *s, int *ret_errno)
{
    if (s->cctx)
        return sink_compress(s, NULL, 0, ZSTD_e_end, ret_errno);
    /* A trailing hole needs the file length set explicitly. */
    if (ftruncate(s->fd, (off_t)s->logical) < 0) {
        *ret_errno = errno;
        return errno == ENOSPC ? CORE_STREAM_OVER_BUDGET : CORE_STREAM_WRITE_ERROR;
    }
    return CORE_STREAM_OK;
}

/*
 * Level 3's match finder (dfast, 2 MiB window) with a smaller hash table and
 * chain table and 6-byte minimum matches.  On cores these find fewer but
 * longer matches, which is both faster and smaller than level 3's defaults
 * (bench/zstd-params, one run: a 1 GiB mixed core 17 % less CPU and 0.01 %
 * smaller; a python3 core 11 % less CPU and 5 % smaller; a node core 10 % less
 * CPU and 1.4 % smaller).  The window stays level 3's, so memory and
 * decompression are unchanged.
 */
static const struct {
    ZSTD_cParameter parameter;
    int value;
} core_tuning[] = {
    {ZSTD_c_strategy, ZSTD_dfast}, {ZSTD_c_windowLog, 21}, {ZSTD_c_hashLog, 16},
    {ZSTD_c_chainLog, 14},         {ZSTD_c_searchLog, 1},  {ZSTD_c_minMatch, 6},
};

bool core_stream_tune_zstd(ZSTD_CCtx *cctx, int level)
{
    for (size_t i = 0; i < G_N_ELEMENTS(core_tuning); i++) {
        if (ZSTD_isError(ZSTD_CCtx_setParameter(cctx, core_tuning[i].parameter, core_tuning[i].value))) {
            /* A libzstd that refuses one of them: the plain level throughout. */
            ZSTD_CCtx_reset(cctx, ZSTD_reset_parameters);
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
            return false;
        }
    }
    /* The level still decides what the tuning leaves open (e.g. the literal compression). */
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
    return true;
}

static ZSTD_CCtx *make_cctx(const CoreStreamOptions *o)
{
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    if (!cctx)
        return NULL;
    if (o->level == CORE_STREAM_ZSTD_LEVEL)
        core_stream_tune_zstd(cctx, o->level);
    else
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, o->level);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    if (o->workers > 0 && !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, o->workers))) {
        /*
         * Each worker holds about two jobs of input and output; 1 MiB jobs keep
         * the whole handler well inside its 32 MiB budget while still letting
         * compression overlap the kernel's writing of the core.
         */
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_jobSize, 1 << 20);
    }
    return cctx;
}

/*
 * Reads up to n bytes, retrying EINTR; 0 at EOF.  With a deadline (monotonic
 * µs, 0 for none), -1 with errno ETIME once it has passed without data.
 */
static ssize_t read_some(int fd, void *buf, size_t n, int64_t deadline)
{
    for (;;) {
        if (deadline > 0) {
            int64_t left = deadline - g_get_monotonic_time();
            if (left <= 0) {
                errno = ETIME;
                return -1;
            }
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            int r = poll(&pfd, 1, (int)MIN(left / 1000 + 1, (int64_t)G_MAXINT));
            if (r < 0 && errno != EINTR)
                return -1;
            if (r <= 0)
                continue;
        }
        ssize_t r = read(fd, buf, n);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}

/* Feeds the minimal core writer; a failure of its sink is the sink's status. */
static CoreStreamStatus minimal_feed(CoronerMinimalCore *m, MinimalSink *ms, const uint8_t *data,
                                     size_t n, int *ret_errno)
{
    int r = coroner_minimal_core_feed(m, data, n);
    if (r < 0) {
        *ret_errno = ms->status == CORE_STREAM_OK ? -r : ms->error_number;
        return ms->status == CORE_STREAM_OK ? CORE_STREAM_WRITE_ERROR : ms->status;
    }
    return CORE_STREAM_OK;
}

void core_stream(int in_fd, int out_fd, const CoreStreamOptions *o, CoreStreamResult *ret)
{
    memset(ret, 0, sizeof *ret);
    /* Only the headers and notes are read here: is it an ELF core, how long, which signal. */
    static const CoronerCoreParserCallbacks scan_callbacks = {.note = scan_note};
    NoteScan notes = {0};
    CoronerCoreParser *header = coroner_core_parser_new(&scan_callbacks, &notes, 4096);
    Sink sink = {.fd = out_fd, .budget = o->budget};
    MinimalSink minimal_sink = {.sink = &sink};
    uint8_t *chunk = g_malloc(READ_CHUNK);
    CoreStreamStatus status = CORE_STREAM_OK;
    int err = 0;
    /* The stack core is a bonus: if it fails, the core is still stored. */
    CoronerStackCore *stack = o->stack_fd >= 0 && !o->minimal
                                  ? coroner_stack_core_new(o->stack_fd, o->stack_max)
                                  : NULL;
    CoronerMinimalCore *minimal =
        o->minimal ? coroner_minimal_core_new(o->minimal, minimal_write, &minimal_sink) : NULL;

    if (!header || (o->minimal && !minimal)) {
        err = ENOMEM;
        status = CORE_STREAM_WRITE_ERROR;
        goto out;
    }
    if (o->compress) {
        sink.cctx = make_cctx(o);
        sink.out.size = ZSTD_CStreamOutSize();
        sink.out.dst = g_malloc(sink.out.size);
        if (!sink.cctx) {
            status = CORE_STREAM_COMPRESS_ERROR;
            goto out;
        }
    }

    for (;;) {
        size_t want = READ_CHUNK;
        if (o->limit - ret->bytes_in < want)
            want = (size_t)(o->limit - ret->bytes_in);
        if (want == 0) {
            /* At the limit: one more byte tells "exactly this long" from "cut". */
            uint8_t probe;
            ssize_t r = read_some(in_fd, &probe, 1, o->deadline);
            if (r > 0)
                status = CORE_STREAM_LIMITED;
            else if (r < 0 && errno == ETIME)
                status = CORE_STREAM_TIMED_OUT;
            break;
        }
        ssize_t n = read_some(in_fd, chunk, want, o->deadline);
        if (n < 0 && errno == ETIME && ret->bytes_in > 0) {
            /* Cut: what arrived is kept, marked truncated, like a size limit. */
            status = CORE_STREAM_TIMED_OUT;
            break;
        }
        if (n < 0) {
            err = errno;
            status = errno == ETIME ? CORE_STREAM_TIMED_OUT : CORE_STREAM_READ_ERROR;
            goto out;
        }
        if (n == 0)
            break;
        coroner_core_parser_feed(header, chunk, (size_t)n);
        if (coroner_core_parser_state(header) == CORONER_CORE_PARSER_NOT_CORE) {
            status = CORE_STREAM_NOT_ELF;
            goto out;
        }
        if (minimal)
            status = minimal_feed(minimal, &minimal_sink, chunk, (size_t)n, &err);
        else
            status = sink_feed(&sink, chunk, (size_t)n, &err);
        if (status != CORE_STREAM_OK)
            goto out;
        if (stack && coroner_stack_core_feed(stack, chunk, (size_t)n) < 0)
            g_clear_pointer(&stack, coroner_stack_core_free);
        ret->bytes_in += (uint64_t)n;
    }

    if (ret->bytes_in == 0) {
        status = CORE_STREAM_EMPTY;
        goto out;
    }
    CoronerCoreParserState state = coroner_core_parser_state(header);
    if (state == CORONER_CORE_PARSER_HEAD || state == CORONER_CORE_PARSER_NOT_CORE) {
        /* Too short even for the ELF header and program header table. */
        status = state == CORONER_CORE_PARSER_NOT_CORE || ret->bytes_in < EI_NIDENT
                     ? CORE_STREAM_NOT_ELF
                     : CORE_STREAM_SHORT;
        goto out;
    }
    ret->expected_size = coroner_core_parser_expected_size(header);
    ret->size_unchecked = state == CORONER_CORE_PARSER_UNSUPPORTED;
    ret->signal_number = note_scan_signal(&notes);
    ret->tid = notes.tid;
    if (status == CORE_STREAM_OK && ret->expected_size > 0 && ret->bytes_in < ret->expected_size) {
        status = CORE_STREAM_SHORT;
        goto out;
    }
    if (minimal) {
        int r = coroner_minimal_core_finish(minimal);
        if (r == -EINVAL) {
            /* An ELF core this writer cannot read (e.g. PN_XNUM program headers). */
            status = CORE_STREAM_NOT_ELF;
            goto out;
        }
        if (r < 0) {
            status = minimal_feed(minimal, &minimal_sink, NULL, 0, &err);
            if (status == CORE_STREAM_OK) {
                status = CORE_STREAM_WRITE_ERROR;
                err = -r;
            }
            goto out;
        }
        coroner_minimal_core_stats(minimal, &ret->minimal);
        const char *warning = coroner_minimal_core_warning(minimal);
        if (warning)
            g_strlcpy(ret->minimal_warning, warning, sizeof ret->minimal_warning);
    }
    {
        CoreStreamStatus fin = sink_finish(&sink, &err);
        if (fin != CORE_STREAM_OK)
            status = fin;
    }
    if (stack && coroner_stack_core_finish(stack, ret->bytes_in) == 0) {
        ret->stack_ok = true;
        ret->stack_bytes = coroner_stack_core_bytes_written(stack);
        const char *warning = coroner_stack_core_warning(stack);
        if (warning)
            g_strlcpy(ret->stack_warning, warning, sizeof ret->stack_warning);
    }

out:
    ret->status = status;
    ret->error_number = err;
    ret->bytes_out = sink.written;
    if (!ret->expected_size && header)
        ret->expected_size = coroner_core_parser_expected_size(header);
    g_clear_pointer(&stack, coroner_stack_core_free);
    g_clear_pointer(&minimal, coroner_minimal_core_free);
    coroner_core_parser_free(header);
    ZSTD_freeCCtx(sink.cctx);
    g_free(sink.out.dst);
    g_free(chunk);
}

char *core_stream_describe(const CoreStreamResult *r)
{
    switch (r->status) {
    case CORE_STREAM_OK:
        return g_strdup("stored");
    case CORE_STREAM_LIMITED:
        return g_strdup_printf("the core was cut at its size limit of %" G_GUINT64_FORMAT " bytes",
                               r->bytes_in);
    case CORE_STREAM_TIMED_OUT:
        if (r->bytes_in == 0)
            return g_strdup("the dump did not start before its deadline (DumpTimeoutSec)");
        return g_strdup_printf("the dump was cut at its deadline (DumpTimeoutSec) after %" G_GUINT64_FORMAT
                               " of %" G_GUINT64_FORMAT " bytes",
                               r->bytes_in, r->expected_size);
    case CORE_STREAM_EMPTY:
        return g_strdup("the kernel sent no core data (0 bytes)");
    case CORE_STREAM_NOT_ELF:
        return g_strdup("the data on stdin is not an ELF core file");
    case CORE_STREAM_SHORT:
        if (r->expected_size <= r->bytes_in)
            return g_strdup_printf("the core is truncated: the stream ended after %" G_GUINT64_FORMAT
                                   " bytes, before its program headers were complete",
                                   r->bytes_in);
        return g_strdup_printf("the core is truncated: the stream ended after %" G_GUINT64_FORMAT
                               " of the %" G_GUINT64_FORMAT " bytes its program headers announce",
                               r->bytes_in, r->expected_size);
    case CORE_STREAM_OVER_BUDGET:
        if (r->error_number)
            return g_strdup_printf("the store ran out of space after %" G_GUINT64_FORMAT
                                   " bytes: %s",
                                   r->bytes_out, g_strerror(r->error_number));
        return g_strdup_printf("the core would exceed the store's space limits (MaxUse/KeepFree) "
                               "after %" G_GUINT64_FORMAT " bytes",
                               r->bytes_out);
    case CORE_STREAM_READ_ERROR:
        return g_strdup_printf("reading the core failed: %s", g_strerror(r->error_number));
    case CORE_STREAM_WRITE_ERROR:
        return g_strdup_printf("writing the core failed: %s", g_strerror(r->error_number));
    case CORE_STREAM_COMPRESS_ERROR:
        return g_strdup("zstd compression failed");
    }
    return g_strdup("unknown failure");
}
