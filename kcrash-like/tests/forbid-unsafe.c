/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An LD_PRELOAD interposer that proves the hook's crash path is
 * async-signal-safe instead of assuming it: malloc, calloc, realloc, free,
 * the aligned allocators and pthread_mutex_lock/trylock/timedlock report
 * themselves when called while the calling thread runs on its alternate
 * signal stack (sigaltstack() says SS_ONSTACK), which in the sample crashers
 * happens only inside crash handling.  glibc routes its internal allocations
 * through the interposable malloc too, so a stdio call in the handler would
 * be caught as well.
 *
 * Each process appends "armed <pid>" to the file named by
 * CORONER_FORBID_REPORT when it loads, and "forbidden <call> <pid>" for each
 * violation; the call then proceeds, so the crash still completes and the
 * test can check both the report and how the process died.
 */
#include <dlfcn.h>
#include <malloc.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

static int report_fd = -1;

static void report(const char *what)
{
    if (report_fd < 0)
        return;
    char line[96];
    size_t n = 0;
    for (const char *p = what; *p && n < 64; p++)
        line[n++] = *p;
    line[n++] = ' ';
    char digits[16];
    size_t d = 0;
    long pid = syscall(SYS_getpid);
    do {
        digits[d++] = (char)('0' + pid % 10);
        pid /= 10;
    } while (pid && d < sizeof(digits));
    while (d)
        line[n++] = digits[--d];
    line[n++] = '\n';
    /* O_APPEND: lines from several processes and threads do not interleave. */
    (void)!syscall(SYS_write, report_fd, line, n);
}

/*
 * Raw syscalls and no string functions: under ASan this runs before the
 * sanitizer has set up its interceptors of sigaltstack, open, strcat...
 */
static bool in_crash_handling(void)
{
    stack_t ss;
    return syscall(SYS_sigaltstack, NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK);
}

static void check(const char *call)
{
    if (in_crash_handling()) {
        char what[64] = "forbidden ";
        size_t n = sizeof("forbidden ") - 1;
        for (const char *p = call; *p && n < sizeof(what) - 1; p++)
            what[n++] = *p;
        what[n] = '\0';
        report(what);
    }
}

static void resolve(void);

__attribute__((constructor)) static void arm(void)
{
    resolve();
    const char *path = getenv("CORONER_FORBID_REPORT");
    if (path)
        report_fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_APPEND | O_CLOEXEC);
    report("armed");
}

/* ------------------------------------------------------------ resolving the real functions */

/* dlsym() may allocate before the real allocator is known: serve that from here. */
static _Alignas(16) char bootstrap[16384];
static size_t bootstrap_used;

static bool from_bootstrap(const void *p)
{
    return (const char *)p >= bootstrap && (const char *)p < bootstrap + sizeof(bootstrap);
}

static void *bootstrap_alloc(size_t size)
{
    size = (size + 15) & ~(size_t)15;
    size_t at = __atomic_fetch_add(&bootstrap_used, size, __ATOMIC_RELAXED);
    if (at + size > sizeof(bootstrap))
        return NULL;
    return bootstrap + at;
}

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static int (*real_mutex_lock)(pthread_mutex_t *);
static int (*real_mutex_trylock)(pthread_mutex_t *);
static int (*real_mutex_timedlock)(pthread_mutex_t *, const struct timespec *);
static int resolving;

static void resolve(void)
{
    if (real_free || __atomic_exchange_n(&resolving, 1, __ATOMIC_ACQ_REL))
        return;
    real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    real_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
    real_mutex_lock = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_lock");
    real_mutex_trylock = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_trylock");
    real_mutex_timedlock = (int (*)(pthread_mutex_t *, const struct timespec *))dlsym(
        RTLD_NEXT, "pthread_mutex_timedlock");
    __atomic_store_n(&real_free, (void (*)(void *))dlsym(RTLD_NEXT, "free"), __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------ the interposed calls */

EXPORT void *malloc(size_t size)
{
    check("malloc");
    resolve();
    return real_malloc ? real_malloc(size) : bootstrap_alloc(size);
}

EXPORT void *calloc(size_t n, size_t size)
{
    check("calloc");
    resolve();
    if (!real_calloc) {
        if (size && n > SIZE_MAX / size)
            return NULL;
        return bootstrap_alloc(n * size); /* static memory is already zero */
    }
    return real_calloc(n, size);
}

EXPORT void *realloc(void *p, size_t size)
{
    check("realloc");
    resolve();
    if (from_bootstrap(p)) {
        void *q = real_malloc ? real_malloc(size) : bootstrap_alloc(size);
        for (size_t i = 0; q && i < size && from_bootstrap((char *)p + i); i++)
            ((char *)q)[i] = ((char *)p)[i];
        return q;
    }
    return real_realloc(p, size);
}

EXPORT void free(void *p)
{
    check("free");
    if (!p || from_bootstrap(p))
        return;
    resolve();
    real_free(p);
}

EXPORT int posix_memalign(void **ret, size_t alignment, size_t size)
{
    check("posix_memalign");
    resolve();
    return real_posix_memalign(ret, alignment, size);
}

EXPORT void *aligned_alloc(size_t alignment, size_t size)
{
    check("aligned_alloc");
    resolve();
    return real_aligned_alloc(alignment, size);
}

EXPORT void *memalign(size_t alignment, size_t size)
{
    check("memalign");
    resolve();
    return real_memalign(alignment, size);
}

EXPORT int pthread_mutex_lock(pthread_mutex_t *m)
{
    check("pthread_mutex_lock");
    resolve();
    return real_mutex_lock(m);
}

EXPORT int pthread_mutex_trylock(pthread_mutex_t *m)
{
    check("pthread_mutex_trylock");
    resolve();
    return real_mutex_trylock(m);
}

EXPORT int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *timeout)
{
    check("pthread_mutex_timedlock");
    resolve();
    return real_mutex_timedlock(m, timeout);
}
