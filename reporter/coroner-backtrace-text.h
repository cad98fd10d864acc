/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The backtrace as text for people (and the clipboard), one frame a line. */
#pragma once

#include <glib.h>

#include "crash-record.h"

G_BEGIN_DECLS

/* "#0  0x000055d0c0a01139 crash_segv (crasher + 0x1139) at crasher.c:63" lines. */
char *coroner_backtrace_text_thread(const CoronerThread *thread);

/* A thread's heading: "Thread 4242 (crasher), crashed". */
char *coroner_backtrace_text_heading(const CoronerThread *thread);

/* The whole backtrace, every thread with its heading. */
char *coroner_backtrace_text_all(const CoronerCrashRecord *record);

G_END_DECLS
