/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every thread gets an alternate signal stack, without the application's
 * help: the library defines pthread_create(), which the dynamic linker binds
 * ahead of libc's for the application and every library it loads (the hook
 * is linked into the application, so it comes before libc in the lookup
 * order), and starts each new thread through a trampoline that sets up the
 * thread's alternate stack before running the real start routine.  This is
 * how crash SDKs cover threads they do not own.
 *
 * Without it, a stack overflow in a thread that never called
 * coroner_hook_thread_init() cannot run the handler (there is no stack left
 * to run it on): the kernel forces SIGSEGV with si_code SI_KERNEL and the
 * real fault address, the thread's name and the hook's record are lost.
 *
 * The cost, per thread started after coroner_hook_init(): one malloc of two
 * pointers, one mmap of the stack (64 KiB plus a guard page, MAP_NORESERVE:
 * address space, no memory until a signal is handled on it), one mprotect,
 * one sigaltstack; all undone when the thread exits (hook-altstack.c).
 * Measured by bench/hook-overhead (pthread_create + join): a few
 * microseconds per thread.  Before coroner_hook_init(), or when the real
 * pthread_create cannot be found, threads start exactly as without the hook.
 * Threads started another way (clone(2) directly) are not covered; they can
 * still call coroner_hook_thread_init().
 *
 * This file runs in ordinary thread-creation context, never in a signal
 * handler; the signal path stays in hook-signal*.c.
 */
#include "hook-internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

struct start {
    void *(*routine)(void *);
    void *arg;
};

static create_fn real_create;

static create_fn find_real_create(void)
{
    create_fn fn = __atomic_load_n(&real_create, __ATOMIC_ACQUIRE);
    if (!fn) {
        /* The next definition after ours: libc's (or a sanitizer's, which then calls libc's). */
        fn = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
        __atomic_store_n(&real_create, fn, __ATOMIC_RELEASE);
    }
    return fn;
}

static void *start_with_altstack(void *data)
{
    struct start s = *(struct start *)data;
    free(data);
    /* Without it the thread still runs; only an overflow in it would go unreported. */
    (void)coroner_hook__altstack_setup();
    return s.routine(s.arg);
}

CORONER_HOOK_PUBLIC int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                                       void *(*routine)(void *), void *arg)
{
    create_fn create = find_real_create();
    if (!create)
        return EAGAIN;
    if (!coroner_hook__region())
        return create(thread, attr, routine, arg);
    struct start *s = malloc(sizeof *s);
    if (!s)
        return create(thread, attr, routine, arg);
    s->routine = routine;
    s->arg = arg;
    int r = create(thread, attr, start_with_altstack, s);
    if (r != 0)
        free(s);
    return r;
}
