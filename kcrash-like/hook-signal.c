/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The signal path.  EVERYTHING REACHABLE FROM crash_handler() IS
 * ASYNC-SIGNAL-SAFE: no malloc, no stdio, no locks, no lazy initialisation.
 * It only uses memory prepared by coroner_hook_init() and plain syscalls
 * (getpid, gettid, prctl(PR_GET_NAME), clock_gettime, sigaction,
 * sigprocmask, nanosleep, rt_tgsigqueueinfo/tgkill).
 *
 * When a fatal signal arrives, on the alternate signal stack:
 *  1. A one-shot atomic guard (the crashing tid) admits one thread.  The same
 *     thread crashing again while running application code (emergency save,
 *     previous handler) jumps back and carries on with the original signal;
 *     crashing again anywhere else goes straight to the default action.
 *     Another thread crashing meanwhile waits, bounded, for the first one to
 *     take the process down.
 *  2. The crash block of the region records signo, si_code, the fault
 *     address, the sender, the tid and thread name (seqlock-protected).
 *  3. The emergency-save callback runs once, under a time limit.
 *  4. The handler installed before ours, if it was a real one, is called.
 *  5. The application is restarted, if asked and not crash-looping.
 *  6. SIG_DFL is restored and the original siginfo re-queued to this thread
 *     while the signal is blocked; returning from the handler unblocks it,
 *     so the kernel dumps core with the original signal, siginfo and the
 *     registers of the faulting instruction.
 * errno is preserved throughout.
 */
#include "hook-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};

/* The handlers installed before ours, written once by coroner_hook__signal_install(). */
static struct sigaction previous_actions[NSIG];

/* The one-shot guard: 0, or the tid of the thread handling the crash. */
static pid_t crashing_tid;

sigjmp_buf coroner_hook__user_jmp;
volatile sig_atomic_t coroner_hook__user_phase;
volatile sig_atomic_t coroner_hook__abandon_reason;

pid_t coroner_hook__gettid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

int64_t coroner_hook__clock_usec(clockid_t clock)
{
    struct timespec ts;
    if (clock_gettime(clock, &ts) < 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Field 22 of /proc/self/stat, parsed by hand: the fork child calls this too. */
uint64_t coroner_hook__read_start_ticks(void)
{
    char buf[1024];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* comm (field 2) may contain spaces and parentheses: start after the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    int field = 2;
    for (p++; *p && field < 22; p++)
        if (*p == ' ')
            field++;
    uint64_t ticks = 0;
    for (; *p >= '0' && *p <= '9'; p++)
        ticks = ticks * 10 + (uint64_t)(*p - '0');
    return ticks;
}

static bool is_fault(int signo, int code)
{
    /* Positive si_code means the kernel raised it for an instruction: si_addr is meaningful. */
    if (code <= 0)
        return false;
    return signo == SIGSEGV || signo == SIGBUS || signo == SIGFPE || signo == SIGILL ||
           signo == SIGTRAP || signo == SIGSYS;
}

static bool is_sent(int code)
{
    return code == SI_USER || code == SI_TKILL || code == SI_QUEUE;
}

static void record_crash(struct coroner_hook_crash_block *c, int signo, const siginfo_t *info,
                         pid_t tid)
{
    coroner_hook__seq_begin(&c->seq);
    c->state = CORONER_HOOK_CRASH_HANDLING;
    c->signo = signo;
    c->code = info->si_code;
    c->sig_errno = info->si_errno;
    c->flags = 0;
    c->address = 0;
    c->sender_pid = 0;
    c->sender_uid = 0;
    if (is_fault(signo, info->si_code)) {
        c->flags |= CORONER_HOOK_CRASH_HAS_ADDRESS;
        c->address = (uint64_t)(uintptr_t)info->si_addr;
    } else if (is_sent(info->si_code)) {
        c->flags |= CORONER_HOOK_CRASH_HAS_SENDER;
        c->sender_pid = info->si_pid;
        c->sender_uid = info->si_uid;
    }
    c->tid = tid;
    c->time_usec = coroner_hook__clock_usec(CLOCK_REALTIME);
    char name[CORONER_HOOK_THREAD_NAME_SIZE + 1] = {0};
    if (prctl(PR_GET_NAME, name) == 0)
        memcpy(c->thread_name, name, CORONER_HOOK_THREAD_NAME_SIZE);
    c->thread_name[CORONER_HOOK_THREAD_NAME_SIZE - 1] = '\0';
    c->state = CORONER_HOOK_CRASH_WRITTEN;
    coroner_hook__seq_end(&c->seq);
}

static bool is_real_handler(const struct sigaction *sa)
{
    /* sa_handler and sa_sigaction share storage: SIG_DFL/SIG_IGN mean the same in both. */
    return sa->sa_handler != SIG_DFL && sa->sa_handler != SIG_IGN;
}

static void run_previous_handler(struct coroner_hook_crash_block *c, int signo, siginfo_t *info,
                                 void *ucontext)
{
    const struct sigaction *prev = &previous_actions[signo];
    if (!is_real_handler(prev))
        return;
    if (c)
        __atomic_store_n(&c->chain_state, CORONER_HOOK_CHAIN_CALLED, __ATOMIC_RELEASE);
    coroner_hook__abandon_reason = HOOK_ABANDON_NONE;
    coroner_hook__user_phase = HOOK_PHASE_CHAIN;
    /* Direct calls, not through signal delivery: the previous sa_mask is not applied. */
    if (sigsetjmp(coroner_hook__user_jmp, 1) == 0) {
        if (prev->sa_flags & SA_SIGINFO)
            prev->sa_sigaction(signo, info, ucontext);
        else
            prev->sa_handler(signo);
        if (c)
            __atomic_store_n(&c->chain_state, CORONER_HOOK_CHAIN_RETURNED, __ATOMIC_RELEASE);
    } else if (c) {
        __atomic_store_n(&c->chain_state, CORONER_HOOK_CHAIN_CRASHED, __ATOMIC_RELEASE);
    }
    coroner_hook__user_phase = HOOK_PHASE_NONE;
}

/*
 * Puts back the default action and queues the signal again, with its
 * original siginfo, to this thread while it is blocked.  When the handler
 * returns, sigreturn restores the interrupted context with the signal
 * unblocked, and the kernel delivers it: the core shows the original signal
 * at the original instruction.
 */
static void reraise(int signo, siginfo_t *info, ucontext_t *uc)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(signo, &dfl, NULL);

    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, signo);
    sigprocmask(SIG_BLOCK, &block, NULL);
    if (uc)
        sigdelset(&uc->uc_sigmask, signo);

    pid_t pid = getpid();
    pid_t tid = coroner_hook__gettid();
    if (syscall(SYS_rt_tgsigqueueinfo, pid, tid, signo, info) < 0)
        syscall(SYS_tgkill, pid, tid, signo);
}

/* Another thread owns the crash: give it time to finish and kill the process. */
static void wait_for_crashing_thread(void)
{
    unsigned limit_ms = coroner_hook__save_timeout_ms() + 5000;
    struct timespec tick = {.tv_sec = 0, .tv_nsec = 10 * 1000 * 1000};
    for (unsigned waited = 0; waited < limit_ms; waited += 10)
        nanosleep(&tick, NULL);
}

static void crash_handler(int signo, siginfo_t *info, void *ucontext)
{
    int saved_errno = errno;
    pid_t tid = coroner_hook__gettid();

    /* A signal the application ignored, sent by someone: keep ignoring it (abort() excepted). */
    if (previous_actions[signo].sa_handler == SIG_IGN && signo != SIGABRT && info->si_code <= 0) {
        errno = saved_errno;
        return;
    }

    pid_t expected = 0;
    if (!__atomic_compare_exchange_n(&crashing_tid, &expected, tid, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        if (expected == tid && coroner_hook__user_phase != HOOK_PHASE_NONE) {
            coroner_hook__abandon_reason = HOOK_ABANDON_CRASH;
            siglongjmp(coroner_hook__user_jmp, 1);
        }
        if (expected != tid)
            wait_for_crashing_thread();
        reraise(signo, info, ucontext);
        errno = saved_errno;
        return;
    }

    /*
     * A region whose owner is another pid belongs to our parent (we were
     * cloned without fork(), so the atfork handler did not run): leave it.
     */
    struct coroner_hook_region *r = coroner_hook__region();
    struct coroner_hook_crash_block *c = NULL;
    if (r && __atomic_load_n(&r->header.pid, __ATOMIC_ACQUIRE) == (int64_t)getpid())
        c = &r->crash;

    if (c)
        record_crash(c, signo, info, tid);
    coroner_hook__run_emergency_save(c, signo, tid);
    run_previous_handler(c, signo, info, ucontext);
    coroner_hook__maybe_restart(c);
    reraise(signo, info, ucontext);
    errno = saved_errno;
}

int coroner_hook__signal_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = crash_handler;
    /*
     * SA_NODEFER: a crash of the same signal inside the emergency save or the
     * previous handler must reach us (a blocked synchronous signal would kill
     * the process at once); reraise() blocks the signal explicitly.
     */
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++) {
        int signo = fatal_signals[i];
        if (sigaction(signo, &sa, &previous_actions[signo]) < 0)
            return -errno;
    }
    return 0;
}
