/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the symbolizer's tests: real kernel cores of the test
 * programs (through make-core.sh), line numbers by "MARK:" comments, frame
 * checks.  Paths come from the environment meson sets (see meson.build).
 */
#pragma once

#include <glib.h>

#include "crash-record.h"

/* A path meson passed in the environment, e.g. test_path("CRASH_C"); aborts the test if unset. */
const char *test_path(const char *variable);

/* A private temporary directory for this test binary, removed at exit. */
const char *test_tmpdir(void);

/*
 * Runs program with args (NULL-terminated) until it crashes and returns the
 * path of its kernel core in test_tmpdir(); *ret_pid is the crashed pid.
 * Cores are cached by name.  Skips the test when no core can be made.
 */
char *test_make_core(const char *name, int *ret_pid, const char *program,
                     ...) G_GNUC_NULL_TERMINATED;

/* The line of "MARK:<mark>" in the source file named by variable. */
int test_mark_line(const char *source_variable, const char *mark);

/* Index of the first frame of thread t at or after from whose function is name; -1 if none. */
int test_find_frame(const CoronerThread *t, guint from, const char *function);

/* Asserts frame i of t: function, source basename (NULL: not checked), line (0: not checked),
 * inlined. */
void test_assert_frame(const CoronerThread *t, int i, const char *function, const char *file,
                       int line, gboolean inlined);

/* Symbolizes a core file in-process with default options (no debuginfod); asserts success. */
CoronerCrashRecord *test_symbolize(const char *core, const char *exe, int64_t crash_tid);

/* Unmodified eu-stack's output (-s -i: source lines, inlined frames) for a core. Caller frees. */
char *test_eu_stack(const char *core, const char *exe);
