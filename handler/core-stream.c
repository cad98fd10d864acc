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

#include "fs-util.h"
#include "stack-core.h"

/* One read from the pipe.  Big enough to amortise syscalls, small enough for the memory cap. */
#define READ_CHUNK (256u * 1024u)
/* Zero runs are detected at page granularity (the kernel pads holes with whole zero pages). */
#define ZERO_BLOCK 4096u
/* The program header table of a core with 65535 segments is 3.6 MiB; never buffer more. */
#define HEADER_MAX (4u * 1024u * 1024u)
/*
 * Write-behind: every time this much has been written, the kernel is asked to
 * start writing it to disk.  Otherwise the page cache holds the whole core
 * (below the dirty thresholds nothing is flushed) and the final fsync() pays
 * for all of it after compression has finished: 0.3-0.4 s for 440 MiB
 * here, 0.1-0.2 s with write-behind (the rest is ext4's commit).
 */
#define WRITE_BEHIND (8u * 1024u * 1024u)

typedef struct {
    GByteArray *bytes;   /* the first bytes of the stream, until headers and notes are parsed */
    bool done;           /* program headers parsed (or given up on) */
    bool not_elf;
    bool unchecked;      /* PN_XNUM, or a table past HEADER_MAX: no expected size */
    bool is64;
    uint64_t expected;   /* max(p_offset + p_filesz), 0 if unknown */
    uint64_t notes_start, notes_end; /* the first PT_NOTE, when it lies within HEADER_MAX */
    bool notes_done;     /* notes parsed (or not there to parse) */
    int signal_number;   /* from NT_SIGINFO, else the first NT_PRSTATUS's pr_cursig; 0 unknown */
    int64_t tid;         /* the first NT_PRSTATUS's pr_pid: the thread that dumped; 0 unknown */
} HeaderScan;

static bool is_zero(const uint8_t *p, size_t n)
{
    /* The first byte decides quickly for most data; memcmp with itself shifted checks the rest. */
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/*
 * The dumping thread's signal and id, from the notes: the kernel writes the
 * thread that took the fatal signal first, and in pipe or socket mode without
 * %s this is the only place the signal is written down.  Offsets of
 * struct elf_prstatus: pr_cursig after the 12-byte elf_siginfo, pr_pid after
 * two longs of signal masks.
 */
static void notes_parse(HeaderScan *h, const uint8_t *b, uint64_t start, uint64_t end)
{
    size_t pid_offset = h->is64 ? 32 : 24;
    int cursig = 0;
    uint64_t at = start;
    while (at + 12 <= end) {
        uint32_t namesz, descsz, type;
        memcpy(&namesz, b + at, 4);
        memcpy(&descsz, b + at + 4, 4);
        memcpy(&type, b + at + 8, 4);
        uint64_t name_at = at + 12;
        uint64_t desc_at = name_at + (((uint64_t)namesz + 3) & ~(uint64_t)3);
        uint64_t next = desc_at + (((uint64_t)descsz + 3) & ~(uint64_t)3);
        if (next > end || next <= at)
            break;
        bool core_name = namesz == 5 && memcmp(b + name_at, "CORE", 5) == 0;
        if (core_name && type == NT_PRSTATUS && h->tid == 0 && descsz >= pid_offset + 4) {
            int16_t sig;
            int32_t pid;
            memcpy(&sig, b + desc_at + 12, sizeof sig);
            memcpy(&pid, b + desc_at + pid_offset, sizeof pid);
            cursig = sig;
            h->tid = pid;
        } else if (core_name && type == NT_SIGINFO && h->signal_number == 0 && descsz >= 4) {
            int32_t signo;
            memcpy(&signo, b + desc_at, sizeof signo);
            h->signal_number = signo;
        }
        at = next;
    }
    if (h->signal_number <= 0 || h->signal_number > 64)
        h->signal_number = cursig > 0 && cursig <= 64 ? cursig : 0;
}

/* Parses the notes once their bytes have arrived (they follow the program headers). */
static void notes_feed(HeaderScan *h)
{
    if (h->notes_done || !h->done || h->not_elf)
        return;
    if (h->notes_end == 0) {
        h->notes_done = true;
        return;
    }
    if (h->bytes->len < h->notes_end)
        return;
    notes_parse(h, h->bytes->data, h->notes_start, h->notes_end);
    h->notes_done = true;
}

/* Reads the ELF identification and program headers as they stream past. */
static void header_feed(HeaderScan *h, const uint8_t *data, size_t n)
{
    if (h->done) {
        if (!h->notes_done) {
            g_byte_array_append(h->bytes, data, (guint)MIN(n, (size_t)HEADER_MAX - h->bytes->len));
            notes_feed(h);
        }
        return;
    }
    g_byte_array_append(h->bytes, data, (guint)MIN(n, (size_t)HEADER_MAX - h->bytes->len));
    const uint8_t *b = h->bytes->data;
    size_t have = h->bytes->len;
    if (have < EI_NIDENT)
        return;
    if (memcmp(b, ELFMAG, SELFMAG) != 0 ||
        (b[EI_CLASS] != ELFCLASS64 && b[EI_CLASS] != ELFCLASS32)) {
        h->not_elf = true;
        h->done = true;
        return;
    }
    bool is64 = b[EI_CLASS] == ELFCLASS64;
    h->is64 = is64;
    size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (have < ehsize)
        return;
    uint64_t phoff;
    unsigned phnum, phentsize, type;
    if (is64) {
        Elf64_Ehdr eh;
        memcpy(&eh, b, sizeof eh);
        phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize, type = eh.e_type;
    } else {
        Elf32_Ehdr eh;
        memcpy(&eh, b, sizeof eh);
        phoff = eh.e_phoff, phnum = eh.e_phnum, phentsize = eh.e_phentsize, type = eh.e_type;
    }
    if (type != ET_CORE || phentsize != (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr))) {
        h->not_elf = true;
        h->done = true;
        return;
    }
    /* PN_XNUM moves the real count into section 0; the size check is then skipped. */
    if (phnum == PN_XNUM || phoff > HEADER_MAX ||
        phoff + (uint64_t)phnum * phentsize > HEADER_MAX) {
        h->unchecked = true;
        h->done = true;
        h->notes_done = true;
        return;
    }
    uint64_t table_end = phoff + (uint64_t)phnum * phentsize;
    if (have < table_end) {
        if (have >= HEADER_MAX)
            h->done = true;
        return;
    }
    uint64_t expected = table_end;
    for (unsigned i = 0; i < phnum; i++) {
        uint64_t off, filesz;
        unsigned ptype;
        if (is64) {
            Elf64_Phdr ph;
            memcpy(&ph, b + phoff + (uint64_t)i * phentsize, sizeof ph);
            off = ph.p_offset, filesz = ph.p_filesz, ptype = ph.p_type;
        } else {
            Elf32_Phdr ph;
            memcpy(&ph, b + phoff + (uint64_t)i * phentsize, sizeof ph);
            off = ph.p_offset, filesz = ph.p_filesz, ptype = ph.p_type;
        }
        if (ptype == PT_NOTE && h->notes_end == 0 && filesz > 0 && off + filesz > off &&
            off + filesz <= HEADER_MAX) {
            h->notes_start = off;
            h->notes_end = off + filesz;
        }
        if (filesz > 0 && off + filesz > expected && off + filesz >= off)
            expected = off + filesz;
    }
    h->expected = expected;
    h->done = true;
    notes_feed(h);
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
        if (block == ZERO_BLOCK && is_zero(data + i, block)) {
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

void core_stream(int in_fd, int out_fd, const CoreStreamOptions *o, CoreStreamResult *ret)
{
    memset(ret, 0, sizeof *ret);
    HeaderScan header = {.bytes = g_byte_array_new()};
    Sink sink = {.fd = out_fd, .budget = o->budget};
    uint8_t *chunk = g_malloc(READ_CHUNK);
    CoreStreamStatus status = CORE_STREAM_OK;
    int err = 0;
    /* The stack core is a bonus: if it fails, the core is still stored. */
    CoronerStackCore *stack = o->stack_fd >= 0 ? coroner_stack_core_new(o->stack_fd, o->stack_max) : NULL;

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
        header_feed(&header, chunk, (size_t)n);
        if (header.not_elf) {
            status = CORE_STREAM_NOT_ELF;
            goto out;
        }
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
    if (!header.done || header.not_elf) {
        /* Too short even for the ELF header and program header table. */
        status = header.not_elf || ret->bytes_in < EI_NIDENT ? CORE_STREAM_NOT_ELF : CORE_STREAM_SHORT;
        goto out;
    }
    ret->expected_size = header.expected;
    ret->size_unchecked = header.unchecked;
    ret->signal_number = header.signal_number;
    ret->tid = header.tid;
    if (status == CORE_STREAM_OK && header.expected > 0 && ret->bytes_in < header.expected) {
        status = CORE_STREAM_SHORT;
        goto out;
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
    if (!ret->expected_size)
        ret->expected_size = header.expected;
    g_clear_pointer(&stack, coroner_stack_core_free);
    ZSTD_freeCCtx(sink.cctx);
    g_free(sink.out.dst);
    g_free(chunk);
    g_byte_array_unref(header.bytes);
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
