/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The automatic restart, run from the signal path: ASYNC-SIGNAL-SAFE, like
 * everything in hook-signal*.c.
 *
 * coroner_hook_enable_restart() prepared the argument vector and a scratch
 * environment array.  Here we only compare clocks, format one integer, clone
 * (the raw syscall: glibc's fork() runs atfork handlers, which is not
 * async-signal-safe) and, in the child, fill the environment and execve
 * /proc/self/exe, which is the crashed binary even if it was replaced on disk.
 * The child carries CORONER_HOOK_LAST_CRASH, so that a crash of the new
 * instance within min_interval_s of this one is not restarted again.
 */
#include "hook-internal.h"

#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static size_t format_u64(char *out, uint64_t value)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    for (size_t i = 0; i < n; i++)
        out[i] = digits[n - 1 - i];
    out[n] = '\0';
    return n;
}

static bool is_restart_variable(const char *entry)
{
    static const char prefix[] = CORONER_HOOK_RESTART_ENV "=";
    return strncmp(entry, prefix, sizeof(prefix) - 1) == 0;
}

static void exec_new_instance(struct coroner_hook_restart_config *r)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    size_t n = 0;
    for (char **e = environ; e && *e && n + 2 < r->envp_capacity; e++)
        if (!is_restart_variable(*e))
            r->envp[n++] = *e;
    r->envp[n++] = r->env_entry;
    r->envp[n] = NULL;
    execve("/proc/self/exe", r->argv, r->envp);
    syscall(SYS_exit_group, 127);
}

void coroner_hook__maybe_restart(struct coroner_hook_crash_block *c)
{
    struct coroner_hook_restart_config *r = &coroner_hook__state.restart;
    if (!__atomic_load_n(&r->enabled, __ATOMIC_ACQUIRE) || r->pid != getpid())
        return;

    uint64_t now_s = (uint64_t)coroner_hook__clock_usec(CLOCK_BOOTTIME) / 1000000u;
    uint32_t state;
    if (r->last_crash_s != 0 && now_s - r->last_crash_s < r->min_interval_s) {
        state = CORONER_HOOK_RESTART_LOOP;
    } else {
        static const char prefix[] = CORONER_HOOK_RESTART_ENV "=";
        memcpy(r->env_entry, prefix, sizeof(prefix) - 1);
        format_u64(r->env_entry + sizeof(prefix) - 1, now_s);
        /* Flags and zeros only: the same argument order on every architecture. */
        long child = syscall(SYS_clone, (unsigned long)SIGCHLD, 0UL, 0UL, 0UL, 0UL);
        if (child == 0)
            exec_new_instance(r);
        state = child > 0 ? CORONER_HOOK_RESTART_STARTED : CORONER_HOOK_RESTART_FAILED;
    }
    if (c)
        __atomic_store_n(&c->restart_state, state, __ATOMIC_RELEASE);
}
