/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The process bench/ingest crashes: about SIZE MiB of mixed memory and
 * THREADS threads, then it waits. SIGUSR1 makes it fault for real (a write
 * through a NULL pointer inside the signal handler), so the kernel dumps its
 * core through whatever kernel.core_pattern says at that moment.
 *
 * Memory, in 2 MiB chunks shuffled together so that every compressor sees a
 * mix rather than three long runs:
 *   1/3 random bytes (incompressible),
 *   1/3 text-like data (log lines built from a small vocabulary),
 *   1/3 zero: three quarters of it written with zeros (present pages that stay
 *       zero), one quarter never touched (the kernel emits zeros for it into
 *       a pipe and leaves a hole in a plain file).
 * Everything is generated from a fixed seed, so every run of the workload
 * yields the same core contents apart from pids, addresses and timestamps.
 *
 * Threads get 256 KiB stacks: with glibc's default 8 MiB, 64 mostly untouched
 * stacks would add 512 MiB of zeros and the core would no longer be "~SIZE".
 * The threads never call malloc, so no per-thread arenas appear either.
 *
 * Usage: ingest-workload [--size MiB] [--threads N] [--idle]
 * Prints "ready <pid>" on stdout once everything is in place. --idle skips
 * the memory and the threads: a live stand-in with the same comm, whose
 * /proc entry the handler can read when the core comes from a file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define CHUNK (2u << 20)

static uint64_t rng_state[4];

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256**: fast enough that a GiB of workload is ready in well under a second. */
static uint64_t rng_next(void)
{
    uint64_t *s = rng_state;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static void rng_seed(uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        seed += 0x9e3779b97f4a7c15ull;
        uint64_t z = seed;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        rng_state[i] = z ^ (z >> 31);
    }
}

static void fill_random(unsigned char *p, size_t n)
{
    for (size_t i = 0; i + 8 <= n; i += 8) {
        uint64_t v = rng_next();
        memcpy(p + i, &v, 8);
    }
}

static const char *const words[] = {
    "error",      "warning",   "info",       "debug",     "connection", "timeout",   "request",
    "response",   "session",   "window",     "surface",   "buffer",     "texture",   "render",
    "frame",      "layout",    "widget",     "signal",    "handler",    "callback",  "property",
    "notify",     "settings",  "schema",     "document",  "file",       "directory", "cache",
    "thumbnail",  "network",   "socket",     "message",   "payload",    "header",    "cookie",
    "the",        "a",         "of",         "to",        "and",        "in",        "for",
    "with",       "on",        "from",       "failed",    "succeeded",  "started",   "stopped",
    "user",       "account",   "password",   "token",     "refresh",    "expired",   "invalid",
    "GtkWindow",  "GObject",   "GVariant",   "DBus",      "org.gnome",  "pipewire",  "mutter",
    "wayland",    "xdg",       "portal",     "dconf",     "gsettings",  "libc.so.6", "unknown",
    "null",       "true",      "false",      "0x7f3a2c",  "retrying",   "queued",    "dropped",
    "allocation", "pool",      "thread",     "worker",    "idle",       "busy",      "pending",
};

static const char *const paths[] = {
    "/usr/lib/x86_64-linux-gnu/libgtk-4.so.1", "/home/user/.cache/app/index.db",
    "/usr/share/icons/Adwaita/scalable/actions", "/run/user/1000/bus",
    "/home/user/Documents/report-final-v2.odt", "/usr/share/locale/de/LC_MESSAGES/app.mo",
    "/proc/self/fd/17", "https://example.org/api/v2/items?page=3",
};

static char *put_str(char *q, const char *s)
{
    size_t n = strlen(s);
    memcpy(q, s, n);
    return q + n;
}

/* Zero-padded decimal, WIDTH digits; snprintf would make the workload slow to build. */
static char *put_num(char *q, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        q[i] = (char)('0' + v % 10);
    return q + width;
}

/* Log-like lines: a timestamp, a level, a module, a run of words, key=value pairs. */
static void fill_text(unsigned char *p, size_t n)
{
    static const char *const levels[] = {" INFO [", " DEBUG [", " WARN [", " ERROR ["};
    const size_t nwords_total = sizeof words / sizeof *words;
    char line[1024];
    size_t off = 0;
    while (off < n) {
        uint64_t r = rng_next();
        char *q = put_str(line, "2025-06-");
        q = put_num(q, (unsigned)(r % 28 + 1), 2);
        *q++ = ' ';
        q = put_num(q, (unsigned)(r >> 8) % 24, 2);
        *q++ = ':';
        q = put_num(q, (unsigned)(r >> 16) % 60, 2);
        *q++ = ':';
        q = put_num(q, (unsigned)(r >> 24) % 60, 2);
        *q++ = '.';
        q = put_num(q, (unsigned)(r >> 32) % 1000000, 6);
        q = put_str(q, levels[(r >> 52) % 4]);
        q = put_str(q, words[(r >> 56) % nwords_total]);
        q = put_str(q, "] ");
        int nwords = 4 + (int)(rng_next() % 12);
        for (int i = 0; i < nwords; i++) {
            uint64_t w = rng_next();
            q = put_str(q, words[w % nwords_total]);
            if (w % 11 == 0) {
                *q++ = '=';
                q = put_num(q, (unsigned)(w >> 40) % 100000, 5);
            } else if (w % 17 == 0) {
                q = put_str(q, "=");
                q = put_str(q, paths[(w >> 8) % (sizeof paths / sizeof *paths)]);
            }
            *q++ = ' ';
        }
        q[-1] = '\n';
        size_t len = (size_t)(q - line);
        size_t take = len < n - off ? len : n - off;
        memcpy(p + off, line, take);
        off += take;
    }
}

static void *thread_main(void *arg)
{
    /* Touch a little of the stack, as a real thread would, then wait forever. */
    volatile char scratch[4096];
    snprintf((char *)scratch, sizeof scratch, "worker %ld waiting", (long)(intptr_t)arg);
    for (;;)
        pause();
    return NULL;
}

static void crash_now(int sig)
{
    (void)sig;
    *(volatile int *)0 = 42;
}

int main(int argc, char **argv)
{
    unsigned long size_mib = 1024, nthreads = 64;
    int idle = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--size") == 0 && i + 1 < argc)
            size_mib = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            nthreads = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--idle") == 0)
            idle = 1;
        else {
            fprintf(stderr, "usage: %s [--size MiB] [--threads N] [--idle]\n", argv[0]);
            return 2;
        }
    }

    /* Pipe handlers get %c; systemd-coredump and coroner honour it, so lift it. */
    struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
    if (setrlimit(RLIMIT_CORE, &unlimited) < 0)
        perror("setrlimit(RLIMIT_CORE)");
    prctl(PR_SET_NAME, "coroner-bench");

    if (!idle) {
        size_t nchunks = ((size_t)size_mib << 20) / CHUNK;
        if (nchunks < 3)
            nchunks = 3;
        unsigned char *mem = mmap(NULL, (nchunks + 1) * CHUNK, PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (mem == MAP_FAILED) {
            perror("mmap");
            return 1;
        }
        /* 2 MiB-aligned chunks in transparent huge pages: the workload is ready
         * in a fraction of the time (page faults are slow in VMs), and a touched
         * chunk never drags an untouched neighbour into memory. The core's
         * contents are the same either way. */
        unsigned char *aligned = (unsigned char *)(((uintptr_t)mem + CHUNK - 1) & ~(uintptr_t)(CHUNK - 1));
        size_t head = (size_t)(aligned - mem);
        if (head)
            munmap(mem, head);
        munmap(aligned + nchunks * CHUNK, CHUNK - head);
        mem = aligned;
        madvise(mem, nchunks * CHUNK, MADV_HUGEPAGE);
        /* Exactly a third of each kind, shuffled with the same seed every time. */
        unsigned char *kind = malloc(nchunks);
        for (size_t i = 0; i < nchunks; i++)
            kind[i] = (unsigned char)(i % 3);
        rng_seed(20250622);
        for (size_t i = nchunks - 1; i > 0; i--) {
            size_t j = rng_next() % (i + 1);
            unsigned char t = kind[i];
            kind[i] = kind[j];
            kind[j] = t;
        }
        size_t zeros = 0;
        for (size_t i = 0; i < nchunks; i++) {
            unsigned char *p = mem + i * CHUNK;
            if (kind[i] == 0)
                fill_random(p, CHUNK);
            else if (kind[i] == 1)
                fill_text(p, CHUNK);
            else if (zeros++ % 4 != 3)
                memset(p, 0, CHUNK); /* touched, stays zero */
            /* else: never touched */
        }
        free(kind);

        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 256 << 10);
        for (unsigned long t = 1; t < nthreads; t++) {
            pthread_t th;
            int r = pthread_create(&th, &attr, thread_main, (void *)(intptr_t)t);
            if (r != 0) {
                fprintf(stderr, "pthread_create: %s\n", strerror(r));
                return 1;
            }
        }
        pthread_attr_destroy(&attr);
    }

    struct sigaction sa = {.sa_handler = crash_now};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);

    printf("ready %ld\n", (long)getpid());
    fflush(stdout);
    for (;;)
        pause();
}
