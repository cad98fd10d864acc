/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Streaming a core from the kernel's pipe into the store: zstd-compressed (or
 * sparse when uncompressed), never more than a few MiB in memory whatever the
 * core's size, checking on the way that it is an ELF core and that it is as
 * long as its own program headers say.
 *
 * This runs in a child that has already dropped root: it reads untrusted
 * bytes.  Its result is a plain struct so it can cross a pipe to the parent.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <zstd.h>

#include "minimal-core.h"

/* zstd's default level: the size target is "no bigger than zstd -3". */
#define CORE_STREAM_ZSTD_LEVEL 3

typedef enum {
    CORE_STREAM_OK,
    CORE_STREAM_LIMITED,     /* cut at options.limit: kept, but truncated */
    CORE_STREAM_TIMED_OUT,   /* cut at options.deadline: what arrived is kept, truncated */
    CORE_STREAM_EMPTY,       /* no bytes at all */
    CORE_STREAM_NOT_ELF,     /* not an ELF core file */
    CORE_STREAM_SHORT,       /* ended before the end its program headers announce */
    CORE_STREAM_OVER_BUDGET, /* would not fit the store's space budget */
    CORE_STREAM_READ_ERROR,
    CORE_STREAM_WRITE_ERROR,
    CORE_STREAM_COMPRESS_ERROR,
} CoreStreamStatus;

typedef struct {
    bool compress;
    int level;           /* zstd level; CORE_STREAM_ZSTD_LEVEL gets core_stream_tune_zstd() */
    int workers;         /* zstd worker threads, 0 for none */
    uint64_t limit;      /* keep at most this many core bytes */
    uint64_t budget;     /* write at most this many bytes to the store */
    int stack_fd;        /* an empty file for the stack core (stack-core.h), -1 for none */
    uint64_t stack_max;  /* bytes the stack core may hold */
    int64_t deadline;    /* g_get_monotonic_time() at which the dump is cut, 0 for none */
    /* Not NULL: store the minimal core these options describe instead of the core (no stack core). */
    const CoronerMinimalOptions *minimal;
} CoreStreamOptions;

typedef struct {
    CoreStreamStatus status;
    int error_number;        /* errno for READ/WRITE errors */
    uint64_t bytes_in;       /* core bytes read (kept, unless minimal) */
    uint64_t bytes_out;      /* bytes written to the store */
    uint64_t expected_size;  /* from the program headers, 0 if unknown */
    bool size_unchecked;     /* PN_XNUM or an oversized table: completeness could not be checked */
    int signal_number;       /* from the notes (NT_SIGINFO, else NT_PRSTATUS), 0 if unknown */
    int64_t tid;             /* the dumping thread (first NT_PRSTATUS), 0 if unknown */
    bool stack_ok;           /* the stack core is complete and may be linked */
    uint64_t stack_bytes;    /* its data bytes */
    char stack_warning[256]; /* why it may be less useful than the core, "" if not */
    CoronerMinimalStats minimal;  /* with options.minimal: what the minimal core holds */
    char minimal_warning[256];    /* why it may lack something, "" if not */
} CoreStreamResult;

/* Copies in_fd to out_fd as described above. out_fd is positioned at 0. */
void core_stream(int in_fd, int out_fd, const CoreStreamOptions *options, CoreStreamResult *ret);

/*
 * Sets level (CORE_STREAM_ZSTD_LEVEL) with match-finder parameters measured
 * on cores: faster and smaller than the plain level.  False (and the plain
 * level set) if this libzstd refuses them.  Shared with bench/zstd-params.
 */
bool core_stream_tune_zstd(ZSTD_CCtx *cctx, int level);

/* A sentence for the record, e.g. "the core stream ended after 12 of 4096 bytes". Caller frees. */
char *core_stream_describe(const CoreStreamResult *result);
