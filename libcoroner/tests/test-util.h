/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the symbolizer's tests: real kernel cores of the test
 * programs (through make-core.sh), line numbers by "MARK:" comments, frame
 * checks.  Paths come from the environment meson sets (see meson.build).
 */
#pragma once

#include <glib.h>

#include "crash-record.h"
#include "symbolize.h"

/* A path meson passed in the environment, e.g. test_path("CRASH_C"); aborts the test if unset. */
const char *test_path(const char *variable);

/* A private temporary directory for this test binary, removed at exit. */
const char *test_tmpdir(void);

/*
 * Runs program with args (NULL-terminated) until it crashes and returns the
 * path of its kernel core in test_tmpdir(); *ret_pid is the crashed pid.
 * Cores are cached by name.  Fails the test (never skips it) when no core can be made.
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

/* An expected frame: its function, the mark of its line (NULL: not checked), inlined. */
typedef struct {
    const char *function;
    const char *mark;
    gboolean inlined;
} TestFrame;

/* Asserts frames first, first + 1, … of t: expected[0 … n-1], in file, marks in source_variable's. */
void test_assert_frames(const CoronerThread *t, int first, const char *file,
                        const char *source_variable, const TestFrame *expected, gsize n);

/* The core of the test program named by program_variable ("CRASH_C" or "CRASH_CXX") run in
 * mode, cached as "c-<mode>" or "cxx-<mode>" (see test_make_core()). */
char *test_program_core(const char *program_variable, const char *mode, int *ret_pid);

/* Writes length bytes of data to the file name in test_tmpdir(); returns its path. */
char *test_write_tmp(const char *name, const void *data, gsize length);

/* test_program_core() symbolized in-process (test_symbolize()); the crashed pid in *ret_pid and
 * the core's path in *ret_core (caller frees) when wanted. */
CoronerCrashRecord *test_program_record(const char *program_variable, const char *mode,
                                        int *ret_pid, char **ret_core);

/* A whole file's bytes; asserts it could be read. */
guint8 *test_read_file(const char *path, gsize *ret_length);

/* The symbolizer's default options without debuginfod: the tests never reach the network. */
void test_offline_options(CoronerSymbolizeOptions *o);

/* Opens the core file and symbolizes it with o into r: in-process, or sandboxed as uid/gid. */
gboolean test_symbolize_file(const char *core, const char *exe, const CoronerSymbolizeOptions *o,
                             CoronerCrashRecord *r, GError **error);
gboolean test_symbolize_file_sandboxed(const char *core, const char *exe,
                                       const CoronerSymbolizeOptions *o, uid_t uid, gid_t gid,
                                       CoronerCrashRecord *r, GError **error);

/* Symbolizes a core file in-process with default options (no debuginfod); asserts success. */
CoronerCrashRecord *test_symbolize(const char *core, const char *exe, int64_t crash_tid);

/* Unmodified eu-stack's output (-s -i: source lines, inlined frames) for a core. Caller frees. */
char *test_eu_stack(const char *core, const char *exe);
