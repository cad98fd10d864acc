/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The emergency save, run from the signal path: ASYNC-SIGNAL-SAFE, like
 * everything in hook-signal*.c.
 *
 * The application's callback runs at most once, on the crashing thread.  Its
 * time limit is a POSIX timer created with the raw syscall (glibc's
 * timer_create is not on the async-signal-safe list) and aimed at this thread
 * alone (SIGEV_THREAD_ID), so it cannot wake another thread; when it fires,
 * our SIGALRM handler jumps back out of the callback.  A crash inside the
 * callback jumps back the same way (see crash_handler()).  Either way the
 * crash report goes on with the original signal.
 */
#include "hook-internal.h"

#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Tells our timer's SIGALRM from anyone else's. */
#define HOOK_TIMER_COOKIE 0x436f726f

static int save_started;

unsigned coroner_hook__save_timeout_ms(void)
{
    const struct coroner_hook_state *s = &coroner_hook__state;
    int current = __atomic_load_n(&s->save_current, __ATOMIC_ACQUIRE);
    unsigned timeout = s->save[current].timeout_ms;
    return timeout ? timeout : CORONER_HOOK_DEFAULT_SAVE_TIMEOUT_MS;
}

static void alarm_handler(int signo, siginfo_t *info, void *ucontext)
{
    (void)signo;
    (void)ucontext;
    if (info->si_code != SI_TIMER || info->si_value.sival_int != HOOK_TIMER_COOKIE)
        return;
    if (coroner_hook__user_phase != HOOK_PHASE_SAVE)
        return;
    coroner_hook__abandon_reason = HOOK_ABANDON_TIMEOUT;
    siglongjmp(coroner_hook__user_jmp, 1);
}

static void set_state(struct coroner_hook_crash_block *c, uint32_t state)
{
    if (c)
        __atomic_store_n(&c->save_state, state, __ATOMIC_RELEASE);
}

void coroner_hook__run_emergency_save(struct coroner_hook_crash_block *c, int signo, pid_t tid)
{
    const struct coroner_hook_state *s = &coroner_hook__state;
    int current = __atomic_load_n(&s->save_current, __ATOMIC_ACQUIRE);
    const struct coroner_hook_save_config config = s->save[current];
    if (!config.fn)
        return;
    if (__atomic_exchange_n(&save_started, 1, __ATOMIC_ACQ_REL))
        return;
    unsigned timeout_ms =
        config.timeout_ms ? config.timeout_ms : CORONER_HOOK_DEFAULT_SAVE_TIMEOUT_MS;

    struct sigaction alarm_action, old_alarm_action;
    memset(&alarm_action, 0, sizeof(alarm_action));
    alarm_action.sa_sigaction = alarm_handler;
    alarm_action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&alarm_action.sa_mask);
    sigaction(SIGALRM, &alarm_action, &old_alarm_action);

    struct sigevent event;
    memset(&event, 0, sizeof(event));
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = SIGALRM;
    event.sigev_value.sival_int = HOOK_TIMER_COOKIE;
    event._sigev_un._tid = tid;
    int timer_id = -1; /* the kernel's timer_t is an int */
    bool have_timer = syscall(SYS_timer_create, CLOCK_MONOTONIC, &event, &timer_id) == 0;
    if (have_timer) {
        struct itimerspec limit;
        memset(&limit, 0, sizeof(limit));
        limit.it_value.tv_sec = timeout_ms / 1000;
        limit.it_value.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
        syscall(SYS_timer_settime, timer_id, 0, &limit, NULL);
    }

    sigset_t alarm_set, old_mask;
    sigemptyset(&alarm_set);
    sigaddset(&alarm_set, SIGALRM);
    sigprocmask(SIG_UNBLOCK, &alarm_set, &old_mask);

    set_state(c, CORONER_HOOK_SAVE_RUNNING);
    coroner_hook__abandon_reason = HOOK_ABANDON_NONE;
    coroner_hook__user_phase = HOOK_PHASE_SAVE;
    uint32_t result;
    if (sigsetjmp(coroner_hook__user_jmp, 1) == 0) {
        config.fn(signo, config.userdata);
        result = CORONER_HOOK_SAVE_DONE;
    } else {
        result = coroner_hook__abandon_reason == HOOK_ABANDON_TIMEOUT ? CORONER_HOOK_SAVE_TIMED_OUT
                                                                      : CORONER_HOOK_SAVE_CRASHED;
    }
    coroner_hook__user_phase = HOOK_PHASE_NONE;

    if (have_timer)
        syscall(SYS_timer_delete, timer_id);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    sigaction(SIGALRM, &old_alarm_action, NULL);
    set_state(c, result);
}
