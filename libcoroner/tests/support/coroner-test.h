/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every component's unit tests share (coroner_test_support_dep): the
 * registration of a test binary's cases from one table, private temporary
 * directories and the files written into them.
 */
#pragma once

#include <glib.h>

/* A Sentry project key of the only form Sentry accepts: 32 hexadecimal digits. */
#define CORONER_TEST_SENTRY_KEY "0123456789abcdef0123456789abcdef"

typedef struct {
    const char *path; /* the GLib test path, e.g. "/store/escape" */
    GTestFunc func;
} CoronerTestCase;

/* Registers every case of the table, in order (after g_test_init()). */
void coroner_test_add_table(const CoronerTestCase *cases, gsize n_cases);
#define CORONER_TEST_ADD_TABLE(cases) coroner_test_add_table((cases), G_N_ELEMENTS(cases))

/*
 * Registers func once per element of an array of structs whose first member is
 * the case's name (const char *), as prefix/name with the element as its data.
 */
void coroner_test_add_each(const char *prefix, const void *cases, gsize n_cases, gsize case_size,
                           GTestDataFunc func);
#define CORONER_TEST_ADD_EACH(prefix, cases, func)                                                 \
    coroner_test_add_each((prefix), (cases), G_N_ELEMENTS(cases), sizeof((cases)[0]), (func))

/* g_test_init(), every case of the table in order, g_test_run(). */
int coroner_test_run(int *argc, char ***argv, const CoronerTestCase *cases, gsize n_cases);

/* A test binary whose main() only runs the table cases. */
#define CORONER_TEST_MAIN(cases)                                                                   \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        return coroner_test_run(&argc, &argv, (cases), G_N_ELEMENTS(cases));                       \
    }

/* A test binary whose main() runs func for each of each (under prefix), then the table cases. */
#define CORONER_TEST_MAIN_EACH(prefix, each, func, cases)                                          \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        g_test_init(&argc, &argv, NULL);                                                           \
        CORONER_TEST_ADD_EACH(prefix, each, func);                                                 \
        CORONER_TEST_ADD_TABLE(cases);                                                             \
        return g_test_run();                                                                       \
    }

/* A new private directory from a g_dir_make_tmp() template ("name-XXXXXX"); asserts it is made. */
char *coroner_test_tmpdir_new(const char *tmpl);

/* Removes path and everything below it; symbolic links are removed, never followed. */
void coroner_test_remove_tree(const char *path);

/* Writes text to dir/relative (folders on the way are made); asserts; returns the full path. */
char *coroner_test_write_file(const char *dir, const char *relative, const char *text);
