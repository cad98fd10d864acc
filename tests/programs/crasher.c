/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * crasher: dies on purpose, in a chosen way, so the end-to-end tests can send
 * real cores through the real kernel to coroner-handler.
 *
 * It deliberately does not link libcoroner-hook: these tests prove the
 * handler alone, for any program on the machine.
 *
 *   crasher [OPTIONS] MODE [ARG]
 *
 * Modes (how it dies):
 *   segv              store through a NULL pointer               (SIGSEGV)
 *   abrt              abort()                                    (SIGABRT)
 *   bus               touch a page of a memfd mapping past EOF   (SIGBUS)
 *   fpe               integer division by zero                   (SIGFPE)
 *   ill               an undefined instruction                   (SIGILL)
 *   threads [N]       N extra named threads (default 4); the last one
 *                     segfaults while the others wait            (SIGSEGV)
 * Shorthands kept for readability in the tests:
 *   big MIB           = --big=MIB segv
 *   sleep-then-segv S = --sleep=S segv
 *   rlimit0           = --rlimit-core=0 segv
 *   rlimit-small      = --rlimit-core=65536 segv
 *   comm NAME [MODE]  = --comm=NAME MODE (segv by default)
 *
 * Options (applied in this order, before dying):
 *   --comm=NAME          prctl(PR_SET_NAME): any bytes, cut to 15 by the kernel
 *   --big=MIB[:KIND]     allocate and touch MIB MiB, KIND random (default,
 *                        incompressible), zero or text; may be repeated
 *   --rlimit-core=BYTES  setrlimit(RLIMIT_CORE) soft and hard
 *   --become=UID:GID     setresgid/setresuid without exec: the kernel then
 *                        marks the process dumpable only per fs.suid_dumpable
 *   --real-uid=UID:GID   setresgid(GID, 0, 0) and setresuid(UID, 0, 0) without
 *                        exec: real ids the user's, effective and saved still
 *                        root; the kernel keeps it dumpable (%d = 1), not AT_SECURE
 *   --no-dumpable        prctl(PR_SET_DUMPABLE, 0): the kernel will not dump
 *   --map-unread=PATH    map PATH private and read-only without touching
 *                        it, and set coredump_filter to 0x3f so the kernel
 *                        dumps file-backed mappings: it reads the file's
 *                        pages while dumping (a stalled file stalls the dump)
 *   --sleep=SECONDS      sleep first (so a test can look at /proc/PID)
 *   --ready=PATH         create PATH (empty) just before dying
 *
 * Exits 2 on a usage error, 3 if it somehow survived its own crash.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <grp.h>
#include <sys/resource.h>
#include <unistd.h>

/* Kept global and volatile so the compiler cannot fold the crashes away. */
static volatile int zero;
static int *volatile null_pointer;

static void die_usage(const char *why)
{
    fprintf(stderr, "crasher: %s\n", why);
    fprintf(stderr, "usage: crasher [--comm=NAME] [--big=MIB[:random|zero|text]] "
                    "[--rlimit-core=BYTES] [--become=UID:GID] [--real-uid=UID:GID] [--no-dumpable] [--map-unread=PATH] [--sleep=SECONDS] [--ready=PATH] "
                    "segv|abrt|bus|fpe|ill|threads [N]\n");
    exit(2);
}

static void crash_segv(void)
{
    *null_pointer = 42;
}

static void crash_abrt(void)
{
    abort();
}

/* A shared mapping that extends past the end of its file faults with SIGBUS. */
static void crash_bus(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int fd = memfd_create("crasher-bus", MFD_CLOEXEC);
    if (fd < 0) {
        perror("crasher: memfd_create");
        exit(3);
    }
    volatile char *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        perror("crasher: mmap");
        exit(3);
    }
    /* The memfd has size 0, so the first page is beyond EOF. */
    p[0] = 1;
}

/* Not "1 / zero": GCC turns that into a compare that never traps. */
static void crash_fpe(void)
{
    volatile int numerator = 12345;
    volatile int result = numerator / zero;
    (void)result;
}

static void crash_ill(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("ud2");
#elif defined(__aarch64__)
    __asm__ volatile(".inst 0x00000000"); /* udf #0 */
#else
    raise(SIGILL);
#endif
}

typedef struct {
    pthread_barrier_t *barrier;
    int index;
    int crasher;
    int others; /* threads that must be waiting in pause() before the crash */
} ThreadArg;

/* How many threads have passed the barrier on their way into pause(). */
static int threads_waiting;

static void *thread_main(void *data)
{
    ThreadArg *arg = data;
    char name[16];

    snprintf(name, sizeof name, arg->crasher ? "crash-thread" : "worker-%d", arg->index);
    pthread_setname_np(pthread_self(), name);
    /* Everyone is named and alive before anyone dies. */
    pthread_barrier_wait(arg->barrier);
    if (arg->crasher) {
        /*
         * Every other thread is in pause() when the core is taken, so two
         * crashes of the same command show the same frames.
         */
        while (__atomic_load_n(&threads_waiting, __ATOMIC_ACQUIRE) < arg->others)
            usleep(1000);
        usleep(100 * 1000);
        crash_segv();
    }
    __atomic_add_fetch(&threads_waiting, 1, __ATOMIC_RELEASE);
    for (;;)
        pause();
    return NULL;
}

static void *live_thread(void *data)
{
    char name[16];
    snprintf(name, sizeof name, "worker-%d", (int)(intptr_t)data);
    pthread_setname_np(pthread_self(), name);
    for (;;)
        pause();
    return NULL;
}

/* count named threads in pause(), "ready PID" on stdout, and no crash: for live dumps. */
static void live_threads(int count)
{
    for (int i = 0; i < count; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, live_thread, (void *)(intptr_t)i) != 0)
            exit(3);
    }
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    for (;;)
        pause();
}

static void crash_threads(int count)
{
    static pthread_barrier_t barrier;
    pthread_t *threads = calloc((size_t)count, sizeof *threads);
    ThreadArg *args = calloc((size_t)count, sizeof *args);

    if (!threads || !args || pthread_barrier_init(&barrier, NULL, (unsigned)count + 1) != 0)
        exit(3);
    for (int i = 0; i < count; i++) {
        args[i] = (ThreadArg){ .barrier = &barrier, .index = i, .crasher = i == count - 1, .others = count };
        if (pthread_create(&threads[i], NULL, thread_main, &args[i]) != 0) {
            fprintf(stderr, "crasher: pthread_create failed\n");
            exit(3);
        }
    }
    pthread_barrier_wait(&barrier);
    __atomic_add_fetch(&threads_waiting, 1, __ATOMIC_RELEASE);
    for (;;)
        pause();
}

/* xorshift64*: fast, and zstd cannot compress its output. */
static void fill_random(volatile char *p, size_t size)
{
    uint64_t state = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
    size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        uint64_t v = state * 0x2545f4914f6cdd1dULL;
        memcpy((char *)p + i, &v, 8);
    }
}

static void allocate_big(const char *spec)
{
    char *end;
    unsigned long mib = strtoul(spec, &end, 10);
    const char *kind = "random";
    if (end == spec || (*end != '\0' && *end != ':'))
        die_usage("--big needs MIB[:random|zero|text]");
    if (*end == ':')
        kind = end + 1;

    size_t size = (size_t)mib << 20;
    volatile char *big_buffer = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (big_buffer == MAP_FAILED) {
        perror("crasher: mmap");
        exit(3);
    }
    if (strcmp(kind, "random") == 0) {
        fill_random(big_buffer, size);
    } else if (strcmp(kind, "zero") == 0) {
        /* Touch every page so it is really in the core, but leave it zero. */
        for (size_t i = 0; i < size; i += 4096)
            big_buffer[i] = 0;
    } else if (strcmp(kind, "text") == 0) {
        static const char text[] = "The quick brown fox jumps over the lazy dog. ";
        for (size_t i = 0; i < size; i++)
            big_buffer[i] = text[i % (sizeof text - 1)];
    } else {
        die_usage("unknown --big kind");
    }
}

static void set_rlimit_core(const char *spec)
{
    char *end;
    errno = 0;
    unsigned long long bytes = strtoull(spec, &end, 10);
    if (errno || end == spec || *end)
        die_usage("--rlimit-core needs a byte count");
    struct rlimit rl = { .rlim_cur = bytes, .rlim_max = bytes };
    if (setrlimit(RLIMIT_CORE, &rl) < 0) {
        perror("crasher: setrlimit");
        exit(3);
    }
}

static void map_unread(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size == 0) {
        perror("crasher: --map-unread");
        exit(3);
    }
    if (mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED) {
        perror("crasher: mmap");
        exit(3);
    }
    close(fd);
    /* Anonymous private and shared, file-backed private and shared, ELF headers. */
    int filter = open("/proc/self/coredump_filter", O_WRONLY | O_CLOEXEC);
    if (filter < 0 || write(filter, "0x3f", 4) != 4) {
        perror("crasher: coredump_filter");
        exit(3);
    }
    close(filter);
}

int main(int argc, char **argv)
{
    const char *comm = NULL, *big = NULL, *rlimit = NULL, *ready = NULL, *become = NULL;
    const char *real_ids = NULL;
    int no_dumpable = 0;
    unsigned sleep_seconds = 0;
    int i = 1;

    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--comm=", 7) == 0)
            comm = a + 7;
        else if (strncmp(a, "--big=", 6) == 0)
            allocate_big(a + 6); /* each one is its own mapping */
        else if (strncmp(a, "--rlimit-core=", 14) == 0)
            rlimit = a + 14;
        else if (strncmp(a, "--become=", 9) == 0)
            become = a + 9;
        else if (strncmp(a, "--real-uid=", 11) == 0)
            real_ids = a + 11;
        else if (strcmp(a, "--no-dumpable") == 0)
            no_dumpable = 1;
        else if (strncmp(a, "--map-unread=", 13) == 0)
            map_unread(a + 13);
        else if (strncmp(a, "--sleep=", 8) == 0)
            sleep_seconds = (unsigned)strtoul(a + 8, NULL, 10);
        else if (strncmp(a, "--ready=", 8) == 0)
            ready = a + 8;
        else
            die_usage("unknown option");
    }
    if (i >= argc)
        die_usage("no mode given");

    const char *mode = argv[i];
    const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

    /* Shorthands. */
    if (strcmp(mode, "big") == 0) {
        if (!arg)
            die_usage("big needs MIB");
        big = arg;
        mode = "segv";
    } else if (strcmp(mode, "sleep-then-segv") == 0) {
        sleep_seconds = arg ? (unsigned)strtoul(arg, NULL, 10) : 1;
        mode = "segv";
    } else if (strcmp(mode, "rlimit0") == 0) {
        rlimit = "0";
        mode = "segv";
    } else if (strcmp(mode, "rlimit-small") == 0) {
        rlimit = arg ? arg : "65536";
        mode = "segv";
    } else if (strcmp(mode, "comm") == 0) {
        if (!arg)
            die_usage("comm needs NAME");
        comm = arg;
        mode = i + 2 < argc ? argv[i + 2] : "segv";
        arg = i + 3 < argc ? argv[i + 3] : NULL;
    }

    if (comm && prctl(PR_SET_NAME, comm, 0, 0, 0) < 0) {
        perror("crasher: PR_SET_NAME");
        return 3;
    }
    if (big)
        allocate_big(big);
    if (rlimit)
        set_rlimit_core(rlimit);
    if (become) {
        unsigned uid, gid;
        if (sscanf(become, "%u:%u", &uid, &gid) != 2)
            die_usage("--become needs UID:GID");
        if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0) {
            perror("crasher: --become");
            return 3;
        }
    }
    if (real_ids) {
        unsigned uid, gid;
        if (sscanf(real_ids, "%u:%u", &uid, &gid) != 2)
            die_usage("--real-uid needs UID:GID");
        if (setresgid(gid, 0, 0) < 0 || setresuid(uid, 0, 0) < 0) {
            perror("crasher: --real-uid");
            return 3;
        }
    }
    if (no_dumpable && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        perror("crasher: PR_SET_DUMPABLE");
        return 3;
    }
    if (sleep_seconds)
        sleep(sleep_seconds);
    if (ready) {
        int fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
    }

    if (strcmp(mode, "segv") == 0)
        crash_segv();
    else if (strcmp(mode, "abrt") == 0)
        crash_abrt();
    else if (strcmp(mode, "bus") == 0)
        crash_bus();
    else if (strcmp(mode, "fpe") == 0)
        crash_fpe();
    else if (strcmp(mode, "ill") == 0)
        crash_ill();
    else if (strcmp(mode, "threads") == 0)
        crash_threads(arg ? atoi(arg) > 0 ? atoi(arg) : 4 : 4);
    else if (strcmp(mode, "live") == 0)
        live_threads(arg ? atoi(arg) > 0 ? atoi(arg) : 4 : 4);
    else
        die_usage("unknown mode");

    fprintf(stderr, "crasher: survived mode %s\n", mode);
    return 3;
}
