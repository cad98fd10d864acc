/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "crash-record.h"

/*
 * Parses systemd-coredump's stack trace layout ("Stack trace of thread N:" and
 * "#0  0x… function (module + 0x…)" lines; "Module M with build-id B" lines),
 * and ours (thread names, " at FILE:LINE", " [inlined]"),
 * into record->threads and record->modules, at most as many of each as a
 * record holds (the cut is said in record->errors).  Returns the number of
 * frames found.
 */
guint coroner_parse_stack_trace_message(const char *message, CoronerCrashRecord *record);
