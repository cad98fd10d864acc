/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/hook-overhead: what libcoroner-hook costs an application.
 *
 *  - ns per call of coroner_hook_init (in fresh forked processes, since it
 *    runs once per process), set_annotation, add_breadcrumb and
 *    register/unregister_buffer;
 *  - the hook's own delay at a crash: from the faulting instruction to the
 *    moment the hook re-raises the signal (measured at the handler it chains
 *    to, which runs last, just before the re-raise), with 100 annotations, a
 *    full breadcrumb ring and 64 KiB of registered buffers; target < 1 ms;
 *  - the same for a bare signal handler on an alternate stack (the
 *    baseline: what the kernel's signal delivery alone costs);
 *  - from the faulting instruction to the process's exit as its parent sees
 *    it (pidfd), with the hook and without (the baseline), and their ratio.
 *
 * Crashing children get RLIMIT_CORE 1, so no core is written (even to a
 * core_pattern pipe): this measures the hook, not the dump.
 *
 * Usage: hook-overhead [crash-iterations]   (default 200)
 */
#include <coroner-hook.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ANNOTATIONS 100
#define BUFFER_BYTES (64 * 1024)

struct shared {
    uint64_t fault_ns;
    uint64_t chained_ns;
    uint64_t init_ns;
};

static struct shared *shared;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t percentile(uint64_t *v, size_t n, double p)
{
    qsort(v, n, sizeof(*v), compare_u64);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

static void die(const char *what)
{
    fprintf(stderr, "hook-overhead: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int init_hook(void)
{
    coroner_hook_options o = {
        .app_id = "org.coroner.HookBench",
        .name = "Hook benchmark",
        .version = "1.0",
        .bug_address = "https://bugs.example.org",
    };
    return coroner_hook_init(&o);
}

/* ------------------------------------------------------------------------ API calls */

static void bench_init(void)
{
    enum { N = 50 };
    uint64_t samples[N];
    for (int i = 0; i < N; i++) {
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            uint64_t t0 = now_ns();
            int r = init_hook();
            shared->init_ns = now_ns() - t0;
            _exit(r < 0 ? 1 : 0);
        }
        int status;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "hook-overhead: init failed in a child\n");
            exit(1);
        }
        samples[i] = shared->init_ns;
    }
    printf("%-44s %10" PRIu64 " ns  (median of %d fresh processes; p90 %" PRIu64 " ns)\n",
           "coroner_hook_init", percentile(samples, N, 0.5), N, percentile(samples, N, 0.9));
}

typedef void (*bench_fn)(unsigned long i);

static double time_loop(bench_fn fn, unsigned long n)
{
    uint64_t t0 = now_ns();
    for (unsigned long i = 0; i < n; i++)
        fn(i);
    return (double)(now_ns() - t0) / (double)n;
}

static char keys[ANNOTATIONS][32];
static char values[2][64] = {"a value of moderate length, like a path", "another value"};

static void set_existing(unsigned long i)
{
    coroner_hook_set_annotation(keys[i % ANNOTATIONS], values[i & 1]);
}

static void set_last(unsigned long i)
{
    /* The last key: the longest lookup in the table. */
    coroner_hook_set_annotation(keys[ANNOTATIONS - 1], values[i & 1]);
}

static void remove_and_set(unsigned long i)
{
    coroner_hook_remove_annotation(keys[ANNOTATIONS - 1]);
    coroner_hook_set_annotation(keys[ANNOTATIONS - 1], values[i & 1]);
}

static void add_crumb(unsigned long i)
{
    coroner_hook_add_breadcrumb((i & 1) ? "user clicked Save" : "document modified");
}

static char buffer[4096];

static void register_pair(unsigned long i)
{
    coroner_hook_register_buffer("scratch", buffer, sizeof(buffer), 0);
    coroner_hook_unregister_buffer(buffer);
}

static void bench_calls(void)
{
    /* In a child: the parent must stay without the hook for the baseline crashes. */
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        if (init_hook() < 0)
            _exit(1);
        for (int k = 0; k < ANNOTATIONS; k++) {
            snprintf(keys[k], sizeof(keys[k]), "annotation-%03d", k);
            coroner_hook_set_annotation(keys[k], values[0]);
        }
        const unsigned long n = 1000000;
        time_loop(set_existing, n / 10); /* warm up */
        printf("%-44s %10.1f ns\n", "coroner_hook_set_annotation (100 keys, update)",
               time_loop(set_existing, n));
        printf("%-44s %10.1f ns\n", "coroner_hook_set_annotation (last of 100)",
               time_loop(set_last, n));
        printf("%-44s %10.1f ns\n", "remove_annotation + set_annotation (new key)",
               time_loop(remove_and_set, n));
        printf("%-44s %10.1f ns\n", "coroner_hook_add_breadcrumb", time_loop(add_crumb, n));
        printf("%-44s %10.1f ns\n", "register_buffer + unregister_buffer",
               time_loop(register_pair, n));
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
}

/* ------------------------------------------------------------------------ crashes */

static void chained(int signo, siginfo_t *info, void *ucontext)
{
    shared->chained_ns = now_ns();
}

static char text_buffer[BUFFER_BYTES / 2];
static unsigned char binary_buffer[BUFFER_BYTES / 2];

__attribute__((noinline, no_sanitize("address", "undefined"))) static void fault(void)
{
    /* A volatile pointer: the compiler must neither fold nor warn about the store. */
    volatile int *volatile target = (volatile int *)(uintptr_t)16;
    shared->fault_ns = now_ns();
    *target = 1;
}

/* The baseline's own handler: what the kernel's signal delivery alone costs. */
static void plain_handler(int signo, siginfo_t *info, void *ucontext)
{
    shared->chained_ns = now_ns();
    signal(signo, SIG_DFL);
}

enum { CRASH_BARE, CRASH_HOOK, CRASH_PLAIN_HANDLER };

static void crash_child(int mode, int ready_fd, int go_fd)
{
    struct rlimit one = {1, 1};
    setrlimit(RLIMIT_CORE, &one);
    if (mode == CRASH_PLAIN_HANDLER) {
        static char stack[64 * 1024];
        stack_t ss = {.ss_sp = stack, .ss_size = sizeof(stack)};
        sigaltstack(&ss, NULL);
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = plain_handler;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigaction(SIGSEGV, &sa, NULL);
    }
    if (mode == CRASH_HOOK) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = chained;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &sa, NULL);
        if (init_hook() < 0)
            _exit(1);
        for (int k = 0; k < ANNOTATIONS; k++) {
            char key[32], value[64];
            snprintf(key, sizeof(key), "annotation-%03d", k);
            snprintf(value, sizeof(value), "value %d of a benchmark annotation", k);
            coroner_hook_set_annotation(key, value);
        }
        for (int k = 0; k < CORONER_HOOK_MAX_BREADCRUMBS; k++)
            coroner_hook_add_breadcrumb("a breadcrumb of ordinary length, as apps write them");
        memset(text_buffer, 'x', sizeof(text_buffer) - 1);
        memset(binary_buffer, 0xab, sizeof(binary_buffer));
        coroner_hook_register_buffer("log", text_buffer, sizeof(text_buffer),
                                     CORONER_HOOK_BUFFER_TEXT);
        coroner_hook_register_buffer("state", binary_buffer, sizeof(binary_buffer), 0);
    }
    char c = 'r';
    if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) != 1)
        _exit(1);
    fault();
    _exit(1);
}

static void bench_crashes(int iterations, int mode, uint64_t *to_exit, uint64_t *to_handler)
{
    for (int i = 0; i < iterations; i++) {
        int ready[2], go[2];
        if (pipe(ready) < 0 || pipe(go) < 0)
            die("pipe");
        shared->fault_ns = shared->chained_ns = 0;
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0)
            crash_child(mode, ready[1], go[0]);
        close(ready[1]);
        close(go[0]);
        char c;
        if (read(ready[0], &c, 1) != 1)
            die("child setup");
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
            die("pidfd_open");
        if (write(go[1], "g", 1) != 1)
            die("write");
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        while (poll(&p, 1, 10000) < 0 && errno == EINTR)
            ;
        uint64_t exited = now_ns();
        int status;
        waitpid(pid, &status, 0);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSEGV) {
            fprintf(stderr, "hook-overhead: child did not die by SIGSEGV\n");
            exit(1);
        }
        to_exit[i] = exited - shared->fault_ns;
        if (to_handler)
            to_handler[i] = shared->chained_ns - shared->fault_ns;
        close(pidfd);
        close(ready[0]);
        close(go[1]);
    }
}

int main(int argc, char **argv)
{
    int iterations = argc > 1 ? atoi(argv[1]) : 200;
    if (iterations < 1)
        iterations = 1;
    shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        die("mmap");
    setvbuf(stdout, NULL, _IOLBF, 0);

    printf("libcoroner-hook overhead (lower is better)\n");
    bench_init();
    bench_calls();

    uint64_t *hook_exit = calloc((size_t)iterations, sizeof(uint64_t));
    uint64_t *hook_reraise = calloc((size_t)iterations, sizeof(uint64_t));
    uint64_t *base_exit = calloc((size_t)iterations, sizeof(uint64_t));
    uint64_t *plain_exit = calloc((size_t)iterations, sizeof(uint64_t));
    uint64_t *plain_entry = calloc((size_t)iterations, sizeof(uint64_t));
    if (!hook_exit || !hook_reraise || !base_exit || !plain_exit || !plain_entry)
        die("calloc");
    /* Interleaved in blocks, so that a burst of load on the machine hits all three alike. */
    for (int done = 0; done < iterations; done += 10) {
        int n = iterations - done < 10 ? iterations - done : 10;
        bench_crashes(n, CRASH_BARE, base_exit + done, NULL);
        bench_crashes(n, CRASH_PLAIN_HANDLER, plain_exit + done, plain_entry + done);
        bench_crashes(n, CRASH_HOOK, hook_exit + done, hook_reraise + done);
    }

    uint64_t reraise_median = percentile(hook_reraise, (size_t)iterations, 0.5);
    uint64_t reraise_p99 = percentile(hook_reraise, (size_t)iterations, 0.99);
    uint64_t hook_median = percentile(hook_exit, (size_t)iterations, 0.5);
    uint64_t base_median = percentile(base_exit, (size_t)iterations, 0.5);
    printf("crash, %d runs, %d annotations, %d breadcrumbs, %d KiB buffers:\n", iterations,
           ANNOTATIONS, CORONER_HOOK_MAX_BREADCRUMBS, BUFFER_BYTES / 1024);
    printf("%-44s %10.1f us  (p99 %.1f us; target < 1000 us: %s)\n",
           "  fault -> re-raise (the hook's own delay)", reraise_median / 1000.0,
           reraise_p99 / 1000.0, reraise_p99 < 1000000 ? "met" : "MISSED");
    printf("%-44s %10.1f us  (p99 %.1f us)\n", "  fault -> handler entry, a bare handler",
           percentile(plain_entry, (size_t)iterations, 0.5) / 1000.0,
           percentile(plain_entry, (size_t)iterations, 0.99) / 1000.0);
    printf("%-44s %10.1f us  (p99 %.1f us)\n", "  fault -> exit, with the hook",
           hook_median / 1000.0, percentile(hook_exit, (size_t)iterations, 0.99) / 1000.0);
    printf("%-44s %10.1f us  (p99 %.1f us)\n", "  fault -> exit, without (baseline)",
           base_median / 1000.0, percentile(base_exit, (size_t)iterations, 0.99) / 1000.0);
    printf("%-44s %10.2f x\n", "  ratio with / without", (double)hook_median / (double)base_median);
    free(hook_exit);
    free(hook_reraise);
    free(base_exit);
    free(plain_exit);
    free(plain_entry);
    return 0;
}
