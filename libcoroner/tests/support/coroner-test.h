/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every component's unit tests share (coroner_test_support_dep): the
 * registration of a test binary's cases from one table, private temporary
 * directories and the files written into them.
 */
#pragma once

#include <glib.h>

typedef struct {
    const char *path; /* the GLib test path, e.g. "/store/escape" */
    GTestFunc func;
} CoronerTestCase;

/* g_test_init(), every case of the table in order, g_test_run(). */
int coroner_test_run(int *argc, char ***argv, const CoronerTestCase *cases, gsize n_cases);

/* A test binary whose main() only runs the table cases. */
#define CORONER_TEST_MAIN(cases)                                                                   \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        return coroner_test_run(&argc, &argv, (cases), G_N_ELEMENTS(cases));                       \
    }

/* A new private directory from a g_dir_make_tmp() template ("name-XXXXXX"); asserts it is made. */
char *coroner_test_tmpdir_new(const char *tmpl);

/* Removes path and everything below it; symbolic links are removed, never followed. */
void coroner_test_remove_tree(const char *path);

/* Writes text to dir/relative (folders on the way are made); asserts; returns the full path. */
char *coroner_test_write_file(const char *dir, const char *relative, const char *text);
