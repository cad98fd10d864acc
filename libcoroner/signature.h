/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a symbolized backtrace is worth: the crash signature (which crashes are
 * the same bug) and the backtrace quality (how readable it is).  Both are pure
 * functions of the record's threads, defined in docs/backtraces.md.
 */
#pragma once

#include <glib.h>

#include "crash-record.h"

G_BEGIN_DECLS

/* How many frames of the crashing thread the signature covers. */
#define CORONER_SIGNATURE_FRAMES 5

/*
 * TRUE for frames of the machinery between a bug and the signal: raise,
 * abort, assert, the signal trampoline, std::terminate, stack protector and
 * fortify failures, libcoroner-hook.  They are skipped at the top of the
 * crashing thread for the signature and the quality.
 */
gboolean coroner_frame_is_crash_machinery(const CoronerFrame *frame);

/*
 * SHA-256 (first 16 hex digits) over the top CORONER_SIGNATURE_FRAMES frames
 * of the crashing thread below the crash machinery: each frame's function
 * name, else its module's base name and offset.  No addresses, so it is the
 * same across ASLR.  NULL when there is no crashing thread with frames.
 */
char *coroner_crash_signature(const CoronerCrashRecord *record);

/*
 * 0..1: the share of frames with a function name (half) and file:line (half),
 * 70% from the crashing thread's top frames (weights 1, 1/2, 1/3, ... over
 * its first 16 frames below the crash machinery), 30% from the first 16
 * frames of the other threads.  -1 when there are no frames at all.
 */
double coroner_backtrace_quality(const CoronerCrashRecord *record);

G_END_DECLS
