/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/zstd-params: what core_stream_tune_zstd() buys over plain zstd level 3.
 *
 * For each core file given, compresses it the way coroner-handler does (the
 * streaming API, a checksum, one worker per CPU up to 4, 1 MiB jobs) with
 * level 3's own parameters and with the tuned ones, interleaved, ROUNDS times
 * each, and prints the median CPU time, wall time and compressed size of
 * both, and their ratios.  The input is read from the page cache (it is read
 * once before the first round), so the figures are compression alone.
 *
 * Usage: zstd-params [--rounds N] CORE...      (bench/zstd-params makes cores)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "core-stream.h"

#define READ_CHUNK (256u * 1024u)
#define MAX_ROUNDS 31

typedef struct {
    double cpu_s, wall_s;
    unsigned long long size;
} Run;

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int compress_file(const char *path, bool tuned, int workers, Run *ret)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "zstd-params: %s: %s\n", path, strerror(errno));
        return -1;
    }
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    if (tuned) {
        if (!core_stream_tune_zstd(cctx, CORE_STREAM_ZSTD_LEVEL))
            fprintf(stderr, "zstd-params: this libzstd refuses the tuning\n");
    } else {
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, CORE_STREAM_ZSTD_LEVEL);
    }
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, workers);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_jobSize, 1 << 20);

    static unsigned char in[READ_CHUNK];
    size_t out_size = ZSTD_CStreamOutSize();
    unsigned char *out = malloc(out_size);
    unsigned long long total = 0;
    double wall0 = clock_s(CLOCK_MONOTONIC), cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, in, sizeof in);
        if (n < 0) {
            fprintf(stderr, "zstd-params: reading %s: %s\n", path, strerror(errno));
            rc = -1;
            break;
        }
        ZSTD_inBuffer ib = {in, (size_t)n, 0};
        ZSTD_EndDirective mode = n == 0 ? ZSTD_e_end : ZSTD_e_continue;
        size_t remaining;
        do {
            ZSTD_outBuffer ob = {out, out_size, 0};
            remaining = ZSTD_compressStream2(cctx, &ob, &ib, mode);
            if (ZSTD_isError(remaining)) {
                fprintf(stderr, "zstd-params: %s\n", ZSTD_getErrorName(remaining));
                rc = -1;
                break;
            }
            total += ob.pos;
        } while (mode == ZSTD_e_end ? remaining != 0 : ib.pos < ib.size);
        if (rc < 0 || n == 0)
            break;
    }
    ret->cpu_s = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    ret->wall_s = clock_s(CLOCK_MONOTONIC) - wall0;
    ret->size = total;
    free(out);
    ZSTD_freeCCtx(cctx);
    close(fd);
    return rc;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const Run *runs, int n, bool cpu)
{
    double v[MAX_ROUNDS];
    for (int i = 0; i < n; i++)
        v[i] = cpu ? runs[i].cpu_s : runs[i].wall_s;
    qsort(v, (size_t)n, sizeof *v, by_double);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    int rounds = 5, first = 1;
    if (argc > 2 && strcmp(argv[1], "--rounds") == 0) {
        rounds = atoi(argv[2]);
        first = 3;
    }
    if (rounds < 1 || rounds > MAX_ROUNDS || first >= argc) {
        fprintf(stderr, "usage: zstd-params [--rounds 1..%d] CORE...\n", MAX_ROUNDS);
        return 2;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int workers = cpus < 1 ? 1 : cpus > 4 ? 4 : (int)cpus;
    printf("zstd %s, level %d, %d worker(s), 1 MiB jobs, median of %d interleaved rounds\n\n",
           ZSTD_versionString(), CORE_STREAM_ZSTD_LEVEL, workers, rounds);
    printf("%-28s %-8s %8s %8s %14s\n", "core", "params", "cpu s", "wall s", "bytes");
    int status = 0;
    for (int f = first; f < argc; f++) {
        Run plain[MAX_ROUNDS], tuned[MAX_ROUNDS], warm;
        if (compress_file(argv[f], false, workers, &warm) < 0) { /* also warms the page cache */
            status = 1;
            continue;
        }
        for (int r = 0; r < rounds; r++) {
            if (compress_file(argv[f], false, workers, &plain[r]) < 0 ||
                compress_file(argv[f], true, workers, &tuned[r]) < 0)
                return 1;
        }
        const char *name = strrchr(argv[f], '/') ? strrchr(argv[f], '/') + 1 : argv[f];
        double pc = median(plain, rounds, true), tc = median(tuned, rounds, true);
        printf("%-28s %-8s %8.3f %8.3f %14llu\n", name, "level 3", pc, median(plain, rounds, false),
               plain[0].size);
        printf("%-28s %-8s %8.3f %8.3f %14llu   cpu %.2fx, size %.4fx of level 3\n", "", "tuned", tc,
               median(tuned, rounds, false), tuned[0].size, tc / pc,
               (double)tuned[0].size / (double)plain[0].size);
    }
    return status;
}
