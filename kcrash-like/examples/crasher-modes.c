/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sample application: one crash per mode (see usage()).  Every crash is
 * a real one (a fault, a seccomp trap, a stack overflow) where the hardware
 * allows, so the hook sees the si_code and address a real crash has.
 *
 * Option --sync W,R installs, before coroner_hook_init(), a handler the hook
 * chains to: it writes "crashed <pid> <signo>\n" to fd W and waits for one
 * byte on fd R.  A test uses it to read the crashing process's region while
 * the process is still alive, then lets it die.
 */
#include "crasher-modes.h"

#include <coroner-hook.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Crash sites are not instrumented: a sanitizer would report instead of faulting. */
#define CRASH_SITE __attribute__((noinline, no_sanitize("address", "undefined")))

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};

static char log_buffer[256] = CRASHER_LOG_TEXT;
static unsigned char state_buffer[CRASHER_STATE_BYTES];
static int sync_write_fd = -1, sync_read_fd = -1;

/* ---------------------------------------------------------------- async-signal-safe output */

static void put(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

static void put_number(int fd, long value)
{
    char digits[24], out[24];
    size_t n = 0, k = 0;
    unsigned long v = value < 0 ? (unsigned long)-value : (unsigned long)value;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (value < 0)
        out[k++] = '-';
    while (n)
        out[k++] = digits[--n];
    out[k] = '\0';
    put(fd, out);
}

/* ---------------------------------------------------------------- handlers installed before ours
 */

static void sync_handler(int signo, siginfo_t *info, void *ucontext)
{
    (void)info;
    (void)ucontext;
    int saved = errno;
    put(sync_write_fd, "crashed ");
    put_number(sync_write_fd, (long)getpid());
    put(sync_write_fd, " ");
    put_number(sync_write_fd, signo);
    put(sync_write_fd, "\n");
    char byte;
    while (read(sync_read_fd, &byte, 1) < 0 && errno == EINTR)
        ;
    errno = saved;
}

static struct sigaction app_previous[NSIG];

static void app_handler(int signo, siginfo_t *info, void *ucontext)
{
    put(STDOUT_FILENO, "prev-handler ");
    put_number(STDOUT_FILENO, signo);
    put(STDOUT_FILENO, "\n");
    const struct sigaction *prev = &app_previous[signo];
    if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
        if (prev->sa_flags & SA_SIGINFO)
            prev->sa_sigaction(signo, info, ucontext);
        else
            prev->sa_handler(signo);
    }
}

static void install_before_hook(void (*handler)(int, siginfo_t *, void *), struct sigaction *saved)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
        sigaction(fatal_signals[i], &sa, saved ? &saved[fatal_signals[i]] : NULL);
}

/* ---------------------------------------------------------------- the crashes */

CRASH_SITE static void crash_segv(void)
{
    /* Address 16, not NULL: the test checks the recorded fault address. */
    volatile int *volatile target = (volatile int *)(uintptr_t)16;
    *target = 1;
}

CRASH_SITE static void crash_abrt(void)
{
    abort();
}

CRASH_SITE static void crash_bus(void)
{
    /* Touching a shared file mapping beyond the end of its file is SIGBUS/BUS_ADRERR. */
    long page = sysconf(_SC_PAGESIZE);
    int fd = memfd_create("crasher-bus", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, page) < 0)
        raise(SIGBUS);
    volatile char *p = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        raise(SIGBUS);
    p[page] = 1;
}

CRASH_SITE static void crash_fpe(void)
{
#if defined(__x86_64__) || defined(__i386__)
    /* Both operands unknown, or GCC rewrites 1 / x without a division. */
    volatile int numerator = 1, zero = 0;
    volatile int result = numerator / zero;
    (void)result;
#else
    raise(SIGFPE); /* integer division by zero does not trap everywhere */
#endif
}

CRASH_SITE static void crash_ill(void)
{
    __builtin_trap();
}

CRASH_SITE static void crash_trap(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("int3");
#else
    raise(SIGTRAP);
#endif
}

/* A syscall number that exists nowhere: seccomp turns it into SIGSYS/SYS_SECCOMP. */
#define TRAPPED_SYSCALL 4095

CRASH_SITE static void crash_sys(void)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TRAPPED_SYSCALL, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
        raise(SIGSYS);
    syscall(TRAPPED_SYSCALL);
}

static volatile int stop_recursion;

CRASH_SITE static int recurse(int depth)
{
    volatile char frame[512];
    if (stop_recursion)
        return depth;
    frame[0] = (char)depth;
    return recurse(depth + 1) + frame[0];
}

CRASH_SITE static void crash_overflow_main(void)
{
    recurse(0);
}

static void *overflow_thread(void *arg)
{
    (void)arg;
    prctl(PR_SET_NAME, "crasher-deep");
    coroner_hook_thread_init();
    recurse(0);
    return NULL;
}

/* Never calls coroner_hook_thread_init(): the library gives it its alternate stack. */
static void *overflow_thread_plain(void *arg)
{
    (void)arg;
    prctl(PR_SET_NAME, "crasher-plain");
    recurse(0);
    return NULL;
}

static void run_thread(void *(*fn)(void *), void *arg)
{
    pthread_t t;
    if (pthread_create(&t, NULL, fn, arg) != 0)
        abort();
    pthread_join(t, NULL);
}

static void crash_overflow_thread(void)
{
    run_thread(overflow_thread, NULL);
}

static void crash_overflow_thread_plain(void)
{
    run_thread(overflow_thread_plain, NULL);
}

static pthread_barrier_t two_barrier;

static void *two_threads_worker(void *arg)
{
    prctl(PR_SET_NAME, (const char *)arg);
    coroner_hook_thread_init();
    pthread_barrier_wait(&two_barrier);
    crash_segv();
    return NULL;
}

static void crash_two_threads(void)
{
    pthread_t a, b;
    pthread_barrier_init(&two_barrier, NULL, 2);
    pthread_create(&a, NULL, two_threads_worker, (void *)"crasher-a");
    pthread_create(&b, NULL, two_threads_worker, (void *)"crasher-b");
    pthread_join(a, NULL);
    pthread_join(b, NULL);
}

static pid_t race_tid;

static void *annotation_racer(void *arg)
{
    (void)arg;
    char a[256], b[256];
    memset(a, 'a', 255);
    memset(b, 'b', 255);
    a[255] = b[255] = '\0';
    prctl(PR_SET_NAME, "crasher-racer");
    coroner_hook_thread_init();
    __atomic_store_n(&race_tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
    for (unsigned long i = 0;; i++) {
        coroner_hook_set_annotation("race", (i & 1) ? b : a);
        coroner_hook_add_breadcrumb((i & 1) ? b : a);
    }
    return NULL;
}

/* The racer is interrupted at a random point, often inside a slot update. */
static void crash_annotation_race(void)
{
    pthread_t t;
    pthread_create(&t, NULL, annotation_racer, NULL);
    while (!__atomic_load_n(&race_tid, __ATOMIC_ACQUIRE))
        usleep(1000);
    usleep(30 * 1000);
    syscall(SYS_tgkill, getpid(), race_tid, SIGSEGV);
    pthread_join(t, NULL);
}

static void save_crashes(int signo, void *userdata)
{
    (void)signo;
    (void)userdata;
    crash_segv();
}

static void crash_in_save(void)
{
    coroner_hook_set_emergency_save(save_crashes, NULL, 0);
    crash_abrt();
}

static void save_hangs(int signo, void *userdata)
{
    (void)signo;
    (void)userdata;
    for (volatile unsigned long spin = 0;; spin++)
        ;
}

static void crash_save_timeout(void)
{
    coroner_hook_set_emergency_save(save_hangs, NULL, 200);
    crash_segv();
}

static void save_writes(int signo, void *userdata)
{
    put(STDOUT_FILENO, (const char *)userdata);
    put_number(STDOUT_FILENO, signo);
    put(STDOUT_FILENO, "\n");
}

static void crash_emergency_save(void)
{
    coroner_hook_set_emergency_save(save_writes, (void *)"emergency-save ", 0);
    crash_segv();
}

/* Deliberately not async-signal-safe: the positive control for the malloc interposer. */
static void save_mallocs(int signo, void *userdata)
{
    (void)signo;
    (void)userdata;
    void *volatile p = malloc(32);
    free(p);
}

static void crash_malloc_in_save(void)
{
    coroner_hook_set_emergency_save(save_mallocs, NULL, 0);
    crash_segv();
}

/* Also not allowed: the API takes a mutex.  The second positive control. */
static void save_locks(int signo, void *userdata)
{
    (void)signo;
    (void)userdata;
    coroner_hook_add_breadcrumb("from the emergency save");
}

static void crash_lock_in_save(void)
{
    coroner_hook_set_emergency_save(save_locks, NULL, 0);
    crash_segv();
}

static void crash_prev_handler(void)
{
    /* Installed before the hook (crasher_main calls this mode's setup first). */
    crash_segv();
}

static void crash_init_twice(void)
{
    coroner_hook_options other = {.app_id = "org.coroner.SomeoneElse", .version = "9"};
    int r = coroner_hook_init(&other);
    printf("second init: %d\n", r);
    fflush(stdout);
    crash_segv();
}

static void crash_fork_child(void)
{
    fflush(stdout);
    pid_t child = fork();
    if (child < 0)
        exit(1);
    if (child == 0) {
        coroner_hook_add_breadcrumb("in the forked child");
        coroner_hook_set_annotation("process", "child");
        crash_segv();
        _exit(0);
    }
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    printf("child %d %s %d\n", (int)child, WIFSIGNALED(status) ? "signal" : "exit",
           WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    fflush(stdout);
    exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1);
}

static void crash_restart(void)
{
    const char *last = getenv("CORONER_HOOK_LAST_CRASH");
    printf("instance %d last-crash %s\n", (int)getpid(), last ? last : "none");
    fflush(stdout);
    coroner_hook_enable_restart(60);
    crash_segv();
}

static void idle(void)
{
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    for (;;)
        pause();
}

/* Idle, but its memory is off limits to its own user (as after a set[ug]id exec). */
static void idle_undumpable(void)
{
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    idle();
}

static void exit_cleanly(void)
{
}

static const struct crasher_mode builtin_modes[] = {
    {"segv", crash_segv, "write to address 16 (SIGSEGV, SEGV_MAPERR)"},
    {"abrt", crash_abrt, "abort() (SIGABRT)"},
    {"bus", crash_bus, "touch a mapping beyond the end of its file (SIGBUS)"},
    {"fpe", crash_fpe, "integer division by zero (SIGFPE)"},
    {"ill", crash_ill, "__builtin_trap(), an illegal instruction (SIGILL)"},
    {"trap", crash_trap, "int3, a breakpoint (SIGTRAP)"},
    {"sys", crash_sys, "a syscall seccomp forbids (SIGSYS)"},
    {"overflow-main", crash_overflow_main, "infinite recursion in the main thread"},
    {"overflow-thread", crash_overflow_thread, "infinite recursion in a second thread"},
    {"overflow-thread-plain", crash_overflow_thread_plain,
     "infinite recursion in a thread that never called coroner_hook_thread_init()"},
    {"two-threads", crash_two_threads, "two threads crash at the same moment"},
    {"annotation-race", crash_annotation_race, "crash a thread that is updating annotations"},
    {"crash-in-save", crash_in_save, "abort(), then the emergency save crashes"},
    {"save-timeout", crash_save_timeout, "SIGSEGV, then the emergency save hangs (200 ms)"},
    {"emergency-save", crash_emergency_save, "SIGSEGV with an emergency save that prints"},
    {"malloc-in-save", crash_malloc_in_save, "SIGSEGV, the emergency save calls malloc()"},
    {"lock-in-save", crash_lock_in_save, "SIGSEGV, the emergency save calls the hook's API"},
    {"prev-handler", crash_prev_handler, "SIGSEGV with a handler installed before the hook"},
    {"init-twice", crash_init_twice, "initialise again, then SIGSEGV"},
    {"fork-child", crash_fork_child, "a forked child crashes (exit code 128 + its signal)"},
    {"restart", crash_restart, "SIGSEGV with restart enabled (60 s crash-loop window)"},
    {"idle", idle, "print \"ready <pid>\" and wait for a signal"},
    {"idle-undumpable", idle_undumpable, "idle, not dumpable (PR_SET_DUMPABLE 0)"},
    {"exit", exit_cleanly, "do not crash"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out, const char *argv0, const struct crasher_mode *extra)
{
    fprintf(out, "Usage: %s [--sync W,R] [--group NAME] MODE\n\nModes:\n", argv0);
    for (const struct crasher_mode *m = builtin_modes; m->name; m++)
        fprintf(out, "  %-16s %s\n", m->name, m->help);
    for (const struct crasher_mode *m = extra; m && m->name; m++)
        fprintf(out, "  %-16s %s\n", m->name, m->help);
}

static const struct crasher_mode *find_mode(const char *name, const struct crasher_mode *extra)
{
    for (const struct crasher_mode *m = extra; m && m->name; m++)
        if (strcmp(m->name, name) == 0)
            return m;
    for (const struct crasher_mode *m = builtin_modes; m->name; m++)
        if (strcmp(m->name, name) == 0)
            return m;
    return NULL;
}

int crasher_main(int argc, char **argv, const struct crasher_mode *extra, void (*after_init)(void))
{
    int i = 1;
    const char *group = NULL;
    if (i + 1 < argc && strcmp(argv[i], "--sync") == 0) {
        if (sscanf(argv[i + 1], "%d,%d", &sync_write_fd, &sync_read_fd) != 2) {
            usage(stderr, argv[0], extra);
            return 2;
        }
        i += 2;
    }
    if (i + 1 < argc && strcmp(argv[i], "--group") == 0) {
        group = argv[i + 1];
        i += 2;
    }
    if (i + 1 != argc) {
        usage(stderr, argv[0], extra);
        return 2;
    }
    const struct crasher_mode *mode = find_mode(argv[i], extra);
    if (!mode) {
        fprintf(stderr, "%s: unknown mode '%s'\n", argv[0], argv[i]);
        usage(stderr, argv[0], extra);
        return 2;
    }

    prctl(PR_SET_NAME, CRASHER_THREAD_NAME);
    if (sync_write_fd >= 0)
        install_before_hook(sync_handler, NULL);
    if (strcmp(mode->name, "prev-handler") == 0)
        install_before_hook(app_handler, app_previous);

    coroner_hook_options options = {
        .app_id = CRASHER_APP_ID,
        .name = CRASHER_NAME,
        .version = CRASHER_VERSION,
        .bug_address = CRASHER_BUG_ADDRESS,
        .dsn = CRASHER_DSN,
    };
    int r = coroner_hook_init(&options);
    if (r < 0) {
        fprintf(stderr, "coroner_hook_init: %s\n", strerror(-r));
        return 1;
    }
    if (after_init)
        after_init();
    if (group && (r = coroner_hook_join_group(group)) < 0) {
        fprintf(stderr, "coroner_hook_join_group: %s\n", strerror(-r));
        return 1;
    }

    for (int k = 0; k < CRASHER_STATE_BYTES; k++)
        state_buffer[k] = (unsigned char)k;
    coroner_hook_register_buffer("log", log_buffer, sizeof(log_buffer), CORONER_HOOK_BUFFER_TEXT);
    coroner_hook_register_buffer("state", state_buffer, sizeof(state_buffer), 0);
    coroner_hook_set_annotation("mode", mode->name);
    coroner_hook_set_annotation("answer", "42");
    coroner_hook_add_breadcrumb("started");
    char crumb[64];
    snprintf(crumb, sizeof(crumb), "running mode %s", mode->name);
    coroner_hook_add_breadcrumb(crumb);

    mode->run();
    return 0;
}
