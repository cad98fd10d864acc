/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A C program that crashes along known call chains, for the symbolizer's
 * tests.  Built with -O2 -g: the noinline functions are real frames, the
 * always_inline helpers become inlined frames.  Lines the tests expect in a
 * backtrace carry a "MARK:name" comment; the tests find the line numbers by
 * those marks, so this file can be edited freely.
 *
 *   crash-c segv      NULL write in crash_write(), under an inlined helper
 *   crash-c abort     abort() from check_invariant() (inlined) in validate_input()
 *   crash-c threads   like segv, with 4 named worker threads parked in park_worker()
 *   crash-c big N MIB N threads and MIB MiB of touched memory, then like segv
 *   crash-c sleep     waits for a signal (for gcore)
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define ALWAYS_INLINE static inline __attribute__((always_inline))
/* Keeps a call from becoming a tail call, so its caller stays on the stack. */
#define KEEP_FRAME() __asm__ volatile("" ::: "memory")

/* Not static: the tests expect these names, undisturbed by -O2's cloning of static functions. */
void crash_write(int value);
void outer_function(int value);
void validate_input(int value);
void park_worker(void);
void run_segv(int value);
void run_abort(int value);
void run_threads(int value);
void run_big(int threads, size_t mib);

int *volatile null_pointer;
volatile int sink;

NOINLINE void crash_write(int value)
{
    *null_pointer = value; /* MARK:crash_write */
    KEEP_FRAME();
}

ALWAYS_INLINE void inlined_helper(int value)
{
    crash_write(value + 1); /* MARK:inlined_helper */
    KEEP_FRAME();
}

NOINLINE void outer_function(int value)
{
    inlined_helper(value * 2); /* MARK:outer_function */
    KEEP_FRAME();
}

ALWAYS_INLINE void check_invariant(int value)
{
    if (value != 42)
        abort(); /* MARK:check_invariant */
}

NOINLINE void validate_input(int value)
{
    check_invariant(value + sink); /* MARK:validate_input */
    KEEP_FRAME();
}

static pthread_barrier_t ready;

NOINLINE void park_worker(void)
{
    pthread_barrier_wait(&ready);
    for (;;)
        pause(); /* MARK:park_worker */
}

static void *worker_main(void *arg)
{
    char name[16];
    snprintf(name, sizeof name, "worker-%d", (int)(long)arg);
    pthread_setname_np(pthread_self(), name);
    park_worker();
    return NULL;
}

static void start_workers(int n)
{
    pthread_barrier_init(&ready, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        /* Small stacks: a process with many threads stays small. */
        pthread_attr_setstacksize(&attr, 256 * 1024);
        if (pthread_create(&t, &attr, worker_main, (void *)(long)(i + 1)) != 0)
            abort();
        pthread_attr_destroy(&attr);
    }
    pthread_barrier_wait(&ready);
}

static void touch_memory(size_t mib)
{
    for (size_t i = 0; i < mib; i++) {
        char *p = malloc(1 << 20);
        if (!p)
            abort();
        /* Not zeros: the kernel would otherwise dump them as cheap zero pages. */
        memset(p, (int)(i & 0x7f) + 1, 1 << 20);
    }
}

/* One function per mode: -O2 would otherwise merge the identical calls in main(). */
NOINLINE void run_segv(int value)
{
    outer_function(value); /* MARK:run_segv */
    KEEP_FRAME();
}

NOINLINE void run_abort(int value)
{
    validate_input(value); /* MARK:run_abort */
    KEEP_FRAME();
}

NOINLINE void run_threads(int value)
{
    start_workers(4);
    outer_function(value); /* MARK:run_threads */
    KEEP_FRAME();
}

NOINLINE void run_big(int threads, size_t mib)
{
    start_workers(threads);
    touch_memory(mib);
    outer_function(threads); /* MARK:run_big */
    KEEP_FRAME();
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "segv";
    if (strcmp(mode, "segv") == 0)
        run_segv(argc);
    else if (strcmp(mode, "abort") == 0)
        run_abort(argc);
    else if (strcmp(mode, "threads") == 0)
        run_threads(argc);
    else if (strcmp(mode, "big") == 0)
        run_big(argc > 2 ? atoi(argv[2]) : 63, argc > 3 ? (size_t)atol(argv[3]) : 1024);
    else if (strcmp(mode, "sleep") == 0) {
        start_workers(2);
        pause();
    }
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}
