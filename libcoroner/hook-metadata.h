/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reads what libcoroner-hook recorded inside a crashing process: its metadata
 * region (kcrash-like/include/coroner-hook-layout.h, docs/hook-metadata.md) and the buffers
 * the application registered.
 *
 * Three steps, split by privilege:
 *  - find and read_raw run as root in coroner-handler while the process is
 *    pinned (its pidfd open, the core still streaming): they locate the
 *    region in /proc/PID/maps and copy it, and the registered buffers, out of
 *    /proc/PID/mem into one self-contained blob, interpreting nothing beyond
 *    the bounds they need;
 *  - parse runs in the unprivileged child and treats the blob as hostile:
 *    every offset and length is checked, strings are made valid UTF-8, slots
 *    a crash interrupted mid-update (odd seqlock counter) are dropped.
 */
#pragma once

#include <gio/gio.h> /* errors are G_IO_ERROR */
#include <glib.h>
#include <stdint.h>

#include "crash-record.h"

G_BEGIN_DECLS

/* What the hook's signal handler recorded, beyond CoronerAppInfo. */
typedef struct {
    int signal_number; /* 0: the hook recorded no complete crash */
    int code;          /* si_code */
    gboolean has_code;
    uint64_t address; /* si_addr, for hardware faults only */
    gboolean has_address;
    int64_t tid;        /* crashing thread as the app saw it (its pid namespace), -1 */
    int64_t sender_pid; /* for signals sent by a process (kill, raise, abort) */
    int64_t sender_uid;
    gboolean has_sender;
    int64_t time_usec;            /* CLOCK_REALTIME when the handler started, 0 unknown */
    const char *emergency_save;   /* "none", "pending", "running", "done", "timed-out", "crashed" */
    const char *previous_handler; /* "none", "called", "returned", "crashed" */
    const char *restart;          /* "off", "started", "crash-loop", "failed" */
    const char *transport;        /* "anon-name", "memfd", "unknown" */
    guint dropped_slots;          /* entries dropped: a crash interrupted their update */
    guint truncated_buffers;      /* registered buffers cut at the copy limits or unreadable */
} CoronerHookCrash;

/* The most registered-buffer bytes read_raw copies, over all buffers. */
#define CORONER_HOOK_READ_BUFFER_BUDGET (1024u * 1024u)

/*
 * Finds the hook's region in proc_pid_dir_fd/maps (a directory fd on
 * /proc/PID).  Fails with G_IO_ERROR_NOT_FOUND when the application did not
 * link libcoroner-hook (or did not initialise it).
 */
gboolean coroner_hook_metadata_find(int proc_pid_dir_fd, uint64_t *ret_start, uint64_t *ret_size,
                                    GError **error);

/*
 * Copies the region at [start, start + size) and the registered buffers it
 * describes (at most CORONER_HOOK_READ_BUFFER_BUDGET bytes) out of
 * proc_pid_dir_fd/mem, with the process's start time and innermost pid, into
 * one blob for coroner_hook_metadata_parse().  Needs ptrace access (root).
 */
GBytes *coroner_hook_metadata_read_raw(int proc_pid_dir_fd, uint64_t start, uint64_t size,
                                       GError **error);

/*
 * Parses a blob from coroner_hook_metadata_read_raw().  expected_pid is the
 * crashing pid as the handler sees it (%P); the region must name it (or the
 * pid it has in its own namespace, for sandboxed apps) and its start time,
 * else this fails rather than misattribute metadata.  Fails with
 * G_IO_ERROR_INVALID_DATA on any malformed blob; never crashes.
 */
CoronerAppInfo *coroner_hook_metadata_parse(GBytes *raw, int64_t expected_pid, GError **error);

/* The same, also returning the signal details (ret_crash may be NULL). */
CoronerAppInfo *coroner_hook_metadata_parse_full(GBytes *raw, int64_t expected_pid,
                                                 CoronerHookCrash *ret_crash, GError **error);

/*
 * Fills si_code and the fault address into signal when the hook saw the same
 * signal the kernel reported.  Returns whether it did.
 */
gboolean coroner_hook_crash_apply_signal(const CoronerHookCrash *crash, CoronerSignalInfo *signal);

G_END_DECLS
