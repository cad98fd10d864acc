/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerd's admission and accounting: which crash gets its core dumped, and
 * how every other one is still counted.  Pure bookkeeping, no I/O, so it can
 * be tested alone.
 *
 * Rate limits run in fixed windows of IntervalSec: per (uid, executable) at
 * most Burst dumps, and in all at most GlobalBurst.  A crash over a limit (or
 * one the queue has no room for: coronerd asks admission_reject()) is
 * rejected.  The first Burst rejections of a (uid, executable) in a window
 * each get a record without a core; past that storm threshold they are only
 * counted, and when the window ends one storm summary per (uid, executable)
 * says how many were suppressed and when.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef enum {
    ADMISSION_DUMP,            /* take the core */
    ADMISSION_RECORD_ONLY,     /* no core; a record of its own */
    ADMISSION_SUPPRESS,        /* no core; counted in the (uid, exe)'s storm summary */
} AdmissionVerdict;

typedef struct {
    uid_t uid;
    char *exe;
    char *comm;             /* of the first suppressed crash */
    pid_t first_pid;        /* the first suppressed crash (it names the summary's store entry) */
    uint64_t suppressed;
    int64_t start_usec;     /* realtime: the first and last suppressed crash */
    int64_t end_usec;
} AdmissionSummary;

typedef struct Admission Admission;

/* burst or global_burst 0: that limit is off. */
Admission *admission_new(unsigned burst, unsigned global_burst, unsigned interval_sec);
void admission_free(Admission *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Admission, admission_free)

/*
 * The verdict for a new crash of (uid, exe) at now_usec (realtime µs).  For
 * anything but ADMISSION_DUMP, *ret_reason (may be NULL) says why, for the
 * record; caller frees.
 */
AdmissionVerdict admission_decide(Admission *a, uid_t uid, const char *exe, const char *comm,
                                  pid_t pid, int64_t now_usec, char **ret_reason);

/* A crash that was admitted but cannot be taken after all (queue full, deadline in the queue). */
AdmissionVerdict admission_reject(Admission *a, uid_t uid, const char *exe, const char *comm,
                                  pid_t pid, int64_t now_usec);

/*
 * Summaries of the windows that have ended by now_usec (all of them when
 * flush_all, at shutdown), removed from the bookkeeping; caller frees the
 * array.  Windows without suppressed crashes yield none.
 */
GPtrArray *admission_take_summaries(Admission *a, int64_t now_usec, gboolean flush_all);

/* When the next window ends (realtime µs), 0 when none is open. */
int64_t admission_next_deadline(Admission *a);

void admission_summary_free(AdmissionSummary *s);

G_END_DECLS
