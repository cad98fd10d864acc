/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * State shared between the library's files; nothing here is exported (the
 * version script keeps coroner_hook__* local).  The region structs below are
 * this writer's concrete instance of the generic layout in coroner-hook-layout.h.
 */
#pragma once

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "coroner-hook.h"
#include "coroner-hook-layout.h"

#define HOOK_HIDDEN __attribute__((visibility("hidden")))

struct coroner_hook_string_entry {
    uint32_t seq;
    uint32_t flags;
    char text[CORONER_HOOK_MAX_STRING + 1];
};

struct coroner_hook_annotation_entry {
    uint32_t seq;
    uint32_t flags;
    char key[CORONER_HOOK_MAX_KEY + 1];
    char value[CORONER_HOOK_MAX_VALUE + 1];
};

struct coroner_hook_breadcrumb_entry {
    uint32_t seq;
    uint32_t flags;
    uint64_t ordinal;
    int64_t timestamp_usec;
    char message[CORONER_HOOK_MAX_BREADCRUMB + 1];
};

struct coroner_hook_buffer_entry {
    uint32_t seq;
    uint32_t flags;
    uint64_t address;
    uint64_t length;
    char name[CORONER_HOOK_MAX_BUFFER_NAME + 1];
};

struct coroner_hook_region {
    struct coroner_hook_header header;
    struct coroner_hook_string_entry strings[CORONER_HOOK_STRING_COUNT];
    struct coroner_hook_annotation_entry annotations[CORONER_HOOK_MAX_ANNOTATIONS];
    struct coroner_hook_breadcrumb_entry breadcrumbs[CORONER_HOOK_MAX_BREADCRUMBS];
    struct coroner_hook_buffer_entry buffers[CORONER_HOOK_MAX_BUFFERS];
    struct coroner_hook_crash_block crash;
};

/* The emergency-save configuration, double-buffered so the signal path never sees a torn pair. */
struct coroner_hook_save_config {
    coroner_hook_save_fn fn;
    void *userdata;
    unsigned timeout_ms;
};

/* Everything coroner_hook_enable_restart() prepares for the signal path. */
struct coroner_hook_restart_config {
    int enabled; /* read atomically by the signal path */
    unsigned min_interval_s;
    pid_t pid;             /* only this process restarts, never a forked child */
    uint64_t last_crash_s; /* CLOCK_BOOTTIME seconds from CORONER_HOOK_LAST_CRASH, 0 none */
    char **argv;           /* from /proc/self/cmdline, NULL-terminated */
    char **envp;           /* scratch array the signal path fills */
    size_t envp_capacity;
    char env_entry[64]; /* "CORONER_HOOK_LAST_CRASH=<seconds>" */
};

struct coroner_hook_state {
    pthread_mutex_t lock;               /* serialises the API; the signal path never takes it */
    struct coroner_hook_region *region; /* published with release, read with acquire */
    size_t region_size;
    uint64_t breadcrumb_ordinal;
    size_t buffer_bytes;
    struct coroner_hook_save_config save[2];
    int save_current; /* index into save[], read atomically by the signal path */
    struct coroner_hook_restart_config restart;
};

#define CORONER_HOOK_RESTART_ENV "CORONER_HOOK_LAST_CRASH"
/* Test/debug knob: "memfd" forces the memfd transport even where anon names work. */
#define CORONER_HOOK_TRANSPORT_ENV "CORONER_HOOK_TRANSPORT"

HOOK_HIDDEN extern struct coroner_hook_state coroner_hook__state;

static inline struct coroner_hook_region *coroner_hook__region(void)
{
    return __atomic_load_n(&coroner_hook__state.region, __ATOMIC_ACQUIRE);
}

/*
 * The start of every call that writes metadata: -EINVAL unless its arguments
 * are valid, -ENODEV before coroner_hook_init(), else 0 and the region.
 */
static inline int coroner_hook__region_for(bool valid, struct coroner_hook_region **ret_region)
{
    if (!valid)
        return -EINVAL;
    *ret_region = coroner_hook__region();
    return *ret_region ? 0 : -ENODEV;
}

/*
 * Seqlock writer side: the slot's seq is odd while its data changes, so a
 * reader that finds it odd (the writer was interrupted by the crash) drops
 * the slot.  Only one writer at a time (the API holds the lock).
 */
static inline void coroner_hook__seq_begin(uint32_t *seq)
{
    uint32_t s = __atomic_load_n(seq, __ATOMIC_RELAXED);
    __atomic_store_n(seq, s + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void coroner_hook__seq_end(uint32_t *seq)
{
    uint32_t s = __atomic_load_n(seq, __ATOMIC_RELAXED);
    __atomic_store_n(seq, s + 1, __ATOMIC_RELEASE);
}

static inline void coroner_hook__lock(void)
{
    pthread_mutex_lock(&coroner_hook__state.lock);
}

static inline void coroner_hook__unlock(void)
{
    pthread_mutex_unlock(&coroner_hook__state.lock);
}

/*
 * Copies src into dst[capacity], cutting at a UTF-8 character boundary, and
 * zero-fills the rest.  Returns true when src was cut.
 */
HOOK_HIDDEN bool coroner_hook__copy_text(char *dst, size_t capacity, const char *src);

/* hook-region.c */
HOOK_HIDDEN int coroner_hook__region_create(struct coroner_hook_region **ret_region,
                                            size_t *ret_size);
HOOK_HIDDEN void coroner_hook__region_after_fork_child(void);

/* hook-altstack.c */
HOOK_HIDDEN int coroner_hook__altstack_setup(void);

/* hook-signal.c (async-signal-safe) */
HOOK_HIDDEN int coroner_hook__signal_install(void);

/*
 * While the crashing thread runs application code from the signal path (the
 * emergency save, the previous handler), a crash in it or the save's time
 * limit jumps back to coroner_hook__user_jmp, recording why.
 */
enum { HOOK_PHASE_NONE, HOOK_PHASE_SAVE, HOOK_PHASE_CHAIN };
enum { HOOK_ABANDON_NONE, HOOK_ABANDON_CRASH, HOOK_ABANDON_TIMEOUT };
HOOK_HIDDEN extern sigjmp_buf coroner_hook__user_jmp;
HOOK_HIDDEN extern volatile sig_atomic_t coroner_hook__user_phase;
HOOK_HIDDEN extern volatile sig_atomic_t coroner_hook__abandon_reason;
HOOK_HIDDEN pid_t coroner_hook__gettid(void);
HOOK_HIDDEN uint64_t coroner_hook__read_start_ticks(void);
HOOK_HIDDEN int64_t coroner_hook__clock_usec(clockid_t clock);

/* hook-signal-save.c (async-signal-safe) */
HOOK_HIDDEN void coroner_hook__run_emergency_save(struct coroner_hook_crash_block *crash, int signo,
                                                  pid_t tid);
HOOK_HIDDEN unsigned coroner_hook__save_timeout_ms(void);

/* hook-signal-restart.c (async-signal-safe) */
HOOK_HIDDEN void coroner_hook__maybe_restart(struct coroner_hook_crash_block *crash);

/* This writer's entries must match the prefix offsets the reader uses (coroner-hook-layout.h). */
_Static_assert(offsetof(struct coroner_hook_string_entry, text) == CORONER_HOOK_SLOT_PREFIX, "");
_Static_assert(offsetof(struct coroner_hook_annotation_entry, key) == CORONER_HOOK_SLOT_PREFIX, "");
_Static_assert(offsetof(struct coroner_hook_breadcrumb_entry, ordinal) ==
                   CORONER_HOOK_BREADCRUMB_ORDINAL,
               "");
_Static_assert(offsetof(struct coroner_hook_breadcrumb_entry, timestamp_usec) ==
                   CORONER_HOOK_BREADCRUMB_TIMESTAMP,
               "");
_Static_assert(offsetof(struct coroner_hook_breadcrumb_entry, message) ==
                   CORONER_HOOK_BREADCRUMB_MESSAGE,
               "");
_Static_assert(offsetof(struct coroner_hook_buffer_entry, address) == CORONER_HOOK_BUFFER_ADDRESS,
               "");
_Static_assert(offsetof(struct coroner_hook_buffer_entry, length) == CORONER_HOOK_BUFFER_LENGTH,
               "");
_Static_assert(offsetof(struct coroner_hook_buffer_entry, name) == CORONER_HOOK_BUFFER_NAME, "");
_Static_assert(sizeof(struct coroner_hook_region) <= CORONER_HOOK_REGION_MAX_SIZE, "");
