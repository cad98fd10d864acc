/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Alternate signal stacks, so that a stack overflow can still run the
 * handler: one for the thread calling coroner_hook_init(), and one per
 * thread that calls coroner_hook_thread_init(), freed when it exits.  A
 * thread that already has one (set by the application or a runtime) keeps it.
 */
#include "hook-internal.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

#if defined(__SANITIZE_ADDRESS__)
#define HOOK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOOK_SANITIZED 1
#endif
#endif

/* The handler, the emergency save and a chained handler all run on it; sanitizers need more. */
#ifdef HOOK_SANITIZED
#define ALTSTACK_BASE (256u * 1024u)
#else
#define ALTSTACK_BASE (64u * 1024u)
#endif

static pthread_key_t altstack_key;
static pthread_once_t altstack_once = PTHREAD_ONCE_INIT;
static int altstack_key_error;

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t stack_size(void)
{
    long min = sysconf(_SC_MINSIGSTKSZ);
    size_t page = page_size();
    size_t size = ALTSTACK_BASE + (min > 0 ? (size_t)min : 0);
    return (size + page - 1) / page * page;
}

/* The mapping is [guard page][stack]: an overflow of the handler itself faults cleanly. */
static void altstack_free(void *mapping)
{
    size_t page = page_size();
    stack_t current;
    if (sigaltstack(NULL, &current) == 0 && current.ss_sp == (char *)mapping + page &&
        !(current.ss_flags & SS_ONSTACK)) {
        stack_t off = {.ss_flags = SS_DISABLE};
        sigaltstack(&off, NULL);
    }
    munmap(mapping, page + stack_size());
}

static void create_key(void)
{
    altstack_key_error = pthread_key_create(&altstack_key, altstack_free);
}

int coroner_hook__altstack_setup(void)
{
    stack_t current;
    if (sigaltstack(NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE))
        return 0;

    pthread_once(&altstack_once, create_key);
    size_t page = page_size(), size = stack_size();
    char *mapping = mmap(NULL, page + size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapping == MAP_FAILED)
        return -ENOMEM;
    if (mprotect(mapping, page, PROT_NONE) < 0) {
        munmap(mapping, page + size);
        return -ENOMEM;
    }
    /* Cosmetic: tells a reader of /proc/PID/maps what it is (not our region's exact name). */
    (void)prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)(mapping + page), size,
                (unsigned long)"coroner-hook-altstack");

    stack_t stack = {.ss_sp = mapping + page, .ss_size = size, .ss_flags = 0};
    if (sigaltstack(&stack, NULL) < 0) {
        int err = errno;
        munmap(mapping, page + size);
        return -err;
    }
    if (altstack_key_error == 0)
        pthread_setspecific(altstack_key, mapping);
    return 0;
}

int coroner_hook_thread_init(void)
{
    return coroner_hook__altstack_setup();
}
