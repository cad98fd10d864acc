/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-test.h"

#include <glib/gstdio.h>

void coroner_test_add_table(const CoronerTestCase *cases, gsize n_cases)
{
    for (gsize i = 0; i < n_cases; i++)
        g_test_add_func(cases[i].path, cases[i].func);
}

void coroner_test_add_each(const char *prefix, const void *cases, gsize n_cases, gsize case_size,
                           GTestDataFunc func)
{
    for (gsize i = 0; i < n_cases; i++) {
        const void *c = (const char *)cases + i * case_size;
        g_autofree char *path = g_strdup_printf("%s/%s", prefix, *(const char *const *)c);
        g_test_add_data_func(path, c, func);
    }
}

int coroner_test_run(int *argc, char ***argv, const CoronerTestCase *cases, gsize n_cases)
{
    g_test_init(argc, argv, NULL);
    coroner_test_add_table(cases, n_cases);
    return g_test_run();
}

char *coroner_test_tmpdir_new(const char *tmpl)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp(tmpl, &error);
    g_assert_no_error(error);
    g_assert_nonnull(dir);
    return dir;
}

static void remove_below(const char *path)
{
    if (!g_file_test(path, G_FILE_TEST_IS_SYMLINK) && g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
        const char *name;
        while (d && (name = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            remove_below(child);
        }
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

void coroner_test_remove_tree(const char *path)
{
    remove_below(path);
    GStatBuf st;
    g_assert_cmpint(g_lstat(path, &st), !=, 0);
}

char *coroner_test_write_file(const char *dir, const char *relative, const char *text)
{
    char *path = g_build_filename(dir, relative, NULL);
    g_autofree char *parent = g_path_get_dirname(path);
    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    g_autoptr(GError) error = NULL;
    g_assert_true(g_file_set_contents(path, text, -1, &error));
    g_assert_no_error(error);
    return path;
}
