/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The binary layout of libcoroner-hook's metadata region: the contract between
 * the hook, which writes it inside the application, and coroner-handler's
 * reader (libcoroner/hook-metadata.c), which copies it out of
 * /proc/PID/mem.  docs/hook-metadata.md describes it in prose.
 *
 * Only fixed-width integers and char arrays: no pointers, no padding the
 * compiler could choose.  Integers are in the writer's byte order, which
 * byte_order tells.  The reader never casts the region to these structs; it
 * copies fields out by offsetof() after checking every bound, because the
 * region comes from a process it does not trust.
 *
 * The header describes each table (offset, entry count, entry stride, text
 * field capacities), so a later writer may grow tables or capacities without
 * a new layout version; layout_version changes only when a field moves.
 */
#pragma once

#include <stdint.h>

#define CORONER_HOOK_REGION_NAME "coroner-hook"
/* How the region's mapping appears in /proc/PID/maps. */
#define CORONER_HOOK_MAPS_ANON_NAME "[anon:" CORONER_HOOK_REGION_NAME "]"
#define CORONER_HOOK_MAPS_MEMFD_NAME "/memfd:" CORONER_HOOK_REGION_NAME " (deleted)"

#define CORONER_HOOK_MAGIC "CRNRHOOK" /* 8 bytes, no NUL */
#define CORONER_HOOK_MAGIC_SIZE 8
#define CORONER_HOOK_LAYOUT_VERSION 1u
#define CORONER_HOOK_BYTE_ORDER_MARK 0x01020304u

/* header.transport */
#define CORONER_HOOK_TRANSPORT_ANON_NAME 1u /* anonymous mapping named by PR_SET_VMA_ANON_NAME */
#define CORONER_HOOK_TRANSPORT_MEMFD 2u     /* memfd_create() mapped MAP_SHARED */

/* Every table entry starts with this slot prefix. */
#define CORONER_HOOK_SLOT_SEQ 0u   /* uint32: odd while being written (seqlock) */
#define CORONER_HOOK_SLOT_FLAGS 4u /* uint32: CORONER_HOOK_SLOT_* */
#define CORONER_HOOK_SLOT_PREFIX 8u

#define CORONER_HOOK_SLOT_USED 0x1u /* the entry holds data */
#define CORONER_HOOK_SLOT_TEXT 0x2u /* buffers only: the bytes are text */

/* Entry layouts after the prefix, by table (capacities from the table descriptor):
 *   strings:     char text[cap1]
 *   annotations: char key[cap1]; char value[cap2]
 *   breadcrumbs: uint64 ordinal; int64 timestamp_usec; char message[cap1]
 *   buffers:     uint64 address; uint64 length; char name[cap1]
 * Text fields are NUL-terminated when shorter than their capacity. */
#define CORONER_HOOK_BREADCRUMB_ORDINAL 8u
#define CORONER_HOOK_BREADCRUMB_TIMESTAMP 16u
#define CORONER_HOOK_BREADCRUMB_MESSAGE 24u
#define CORONER_HOOK_BUFFER_ADDRESS 8u
#define CORONER_HOOK_BUFFER_LENGTH 16u
#define CORONER_HOOK_BUFFER_NAME 24u

/* Indices into the strings table. */
enum {
    CORONER_HOOK_STRING_APP_ID,
    CORONER_HOOK_STRING_NAME,
    CORONER_HOOK_STRING_VERSION,
    CORONER_HOOK_STRING_BUG_ADDRESS,
    CORONER_HOOK_STRING_DSN,
    /*
     * The group the app joined (coroner_hook_join_group()): when one member
     * crashes, the service dumps the other running members of the same user
     * live.  Added after the first five; a reader takes the table's count.
     */
    CORONER_HOOK_STRING_GROUP,
    CORONER_HOOK_STRING_COUNT,
};

struct coroner_hook_table {
    uint32_t offset;     /* from the start of the region */
    uint32_t count;      /* number of entries */
    uint32_t entry_size; /* stride between entries */
    uint32_t cap1;       /* capacity of the first text field, including its NUL */
    uint32_t cap2;       /* capacity of the second text field (annotations), else 0 */
    uint32_t reserved;
};

struct coroner_hook_header {
    char magic[CORONER_HOOK_MAGIC_SIZE];
    uint32_t layout_version;
    uint32_t header_size;   /* sizeof(struct coroner_hook_header) */
    uint64_t total_size;    /* the whole region, a multiple of the page size */
    uint32_t byte_order;    /* CORONER_HOOK_BYTE_ORDER_MARK as the writer stores it */
    uint32_t pointer_size;  /* sizeof(void *) in the writer */
    int64_t pid;            /* getpid() of the owner, in its own pid namespace */
    uint64_t start_ticks;   /* the owner's starttime (/proc/PID/stat field 22), 0 unknown */
    int64_t init_time_usec; /* CLOCK_REALTIME at coroner_hook_init() */
    uint32_t transport;     /* CORONER_HOOK_TRANSPORT_* */
    uint32_t flags;         /* reserved, 0 */
    struct coroner_hook_table strings;
    struct coroner_hook_table annotations;
    struct coroner_hook_table breadcrumbs;
    struct coroner_hook_table buffers;
    struct coroner_hook_table crash; /* count 1; entry_size = sizeof the crash block */
    uint8_t reserved[72];
};

/* crash.state */
#define CORONER_HOOK_CRASH_NONE 0u     /* no fatal signal seen */
#define CORONER_HOOK_CRASH_HANDLING 1u /* the signal handler started; fields may be partial */
#define CORONER_HOOK_CRASH_WRITTEN 2u  /* the crash fields below are complete */

/* crash.flags */
#define CORONER_HOOK_CRASH_HAS_ADDRESS 0x1u /* a hardware fault: address is si_addr */
#define CORONER_HOOK_CRASH_HAS_SENDER 0x2u  /* sent by a process: sender_pid/uid are valid */

/* crash.save_state: the emergency-save callback */
#define CORONER_HOOK_SAVE_NONE 0u      /* none was set */
#define CORONER_HOOK_SAVE_PENDING 1u   /* set, not run (yet) */
#define CORONER_HOOK_SAVE_RUNNING 2u   /* started and has not come back */
#define CORONER_HOOK_SAVE_DONE 3u      /* returned in time */
#define CORONER_HOOK_SAVE_TIMED_OUT 4u /* abandoned at its time limit */
#define CORONER_HOOK_SAVE_CRASHED 5u   /* crashed itself and was abandoned */

/* crash.chain_state: the handler installed before ours */
#define CORONER_HOOK_CHAIN_NONE 0u     /* there was none (or it was SIG_DFL/SIG_IGN) */
#define CORONER_HOOK_CHAIN_CALLED 1u   /* called, has not come back */
#define CORONER_HOOK_CHAIN_RETURNED 2u /* called and returned */
#define CORONER_HOOK_CHAIN_CRASHED 3u  /* crashed itself and was abandoned */

/* crash.restart_state */
#define CORONER_HOOK_RESTART_OFF 0u     /* not enabled */
#define CORONER_HOOK_RESTART_STARTED 1u /* a new instance was started */
#define CORONER_HOOK_RESTART_LOOP 2u    /* not restarted: crashed again too soon */
#define CORONER_HOOK_RESTART_FAILED 3u  /* could not start the new instance */

#define CORONER_HOOK_THREAD_NAME_SIZE 16u
#define CORONER_HOOK_EXCEPTION_TYPE_SIZE 256u
#define CORONER_HOOK_EXCEPTION_WHAT_SIZE 1024u

/*
 * Written by the signal handler (seq/state/signal fields) and, before abort(),
 * by coroner_hook_set_exception() (the exception fields, with their own seq).
 * The crash table's cap1/cap2 repeat the exception field capacities.
 */
struct coroner_hook_crash_block {
    uint32_t seq;
    uint32_t state;
    int32_t signo;
    int32_t code;      /* si_code */
    int32_t sig_errno; /* si_errno */
    uint32_t flags;
    uint64_t address;    /* si_addr for hardware faults */
    int64_t tid;         /* crashing thread, in the owner's pid namespace */
    int64_t sender_pid;  /* si_pid for signals sent by a process */
    uint32_t sender_uid; /* si_uid for signals sent by a process */
    uint32_t save_state;
    int64_t time_usec; /* CLOCK_REALTIME when the handler started */
    char thread_name[CORONER_HOOK_THREAD_NAME_SIZE];
    uint32_t chain_state;
    uint32_t restart_state;
    uint32_t exception_seq;
    uint32_t exception_flags; /* CORONER_HOOK_SLOT_USED once set */
    char exception_type[CORONER_HOOK_EXCEPTION_TYPE_SIZE];
    char exception_what[CORONER_HOOK_EXCEPTION_WHAT_SIZE];
};

/* Upper bounds the reader enforces on what a header may claim. */
#define CORONER_HOOK_REGION_MAX_SIZE (1024u * 1024u)
#define CORONER_HOOK_TABLE_MAX_COUNT 4096u
#define CORONER_HOOK_FIELD_MAX_CAP 65536u

#ifndef __cplusplus
_Static_assert(sizeof(struct coroner_hook_table) == 24, "table descriptor size");
_Static_assert(sizeof(struct coroner_hook_header) == 256, "header size");
_Static_assert(sizeof(struct coroner_hook_crash_block) == 1376, "crash block size");
#endif
