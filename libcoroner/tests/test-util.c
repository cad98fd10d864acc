/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "test-util.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coroner-test.h"
#include "symbolize.h"

static char *tmpdir;

static void remove_tmpdir(void)
{
    if (tmpdir)
        coroner_test_remove_tree(tmpdir);
}

const char *test_tmpdir(void)
{
    if (!tmpdir) {
        tmpdir = coroner_test_tmpdir_new("coroner-symbolize-XXXXXX");
        atexit(remove_tmpdir);
    }
    return tmpdir;
}

const char *test_path(const char *variable)
{
    const char *v = g_getenv(variable);
    if (!v)
        g_error("%s is not set: run the tests through meson", variable);
    return v;
}

/* Cores are shared by the test binaries (CORE_CACHE) while newer than their program. */
static gboolean core_is_fresh(const char *core, const char *program)
{
    struct stat c, p;
    return stat(core, &c) == 0 && stat(program, &p) == 0 && c.st_mtime >= p.st_mtime;
}

char *test_make_core(const char *name, int *ret_pid, const char *program, ...)
{
    const char *cache = g_getenv("CORE_CACHE");
    if (cache)
        g_mkdir_with_parents(cache, 0700);
    char *core = g_build_filename(cache ? cache : test_tmpdir(), name, NULL);
    g_autofree char *pid_file = g_strconcat(core, ".pid", NULL);
    if (core_is_fresh(core, program) && g_file_test(pid_file, G_FILE_TEST_EXISTS)) {
        g_autofree char *text = NULL;
        if (ret_pid && g_file_get_contents(pid_file, &text, NULL, NULL))
            *ret_pid = atoi(text);
        return core;
    }
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (char *)test_path("MAKE_CORE"));
    g_ptr_array_add(argv, core);
    g_ptr_array_add(argv, (char *)program);
    va_list ap;
    va_start(ap, program);
    const char *a;
    while ((a = va_arg(ap, const char *)))
        g_ptr_array_add(argv, (char *)a);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    g_autofree char *out = NULL, *err = NULL;
    int status = 0;
    g_autoptr(GError) error = NULL;
    gboolean ok = g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error);
    /* Never a skip: a test that cannot make its core fails loudly. */
    if (!ok || !g_spawn_check_wait_status(status, NULL))
        g_error("make-core.sh failed: %s%s", error ? error->message : "", err ? err : "");
    int pid = out && g_str_has_prefix(out, "pid=") ? atoi(out + 4) : 0;
    g_autofree char *pid_text = g_strdup_printf("%d", pid);
    g_file_set_contents(pid_file, pid_text, -1, NULL);
    if (ret_pid)
        *ret_pid = pid;
    return core;
}

int test_mark_line(const char *source_variable, const char *mark)
{
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(test_path(source_variable), &text, NULL, NULL));
    g_autofree char *needle = g_strdup_printf("MARK:%s", mark);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        const char *at = strstr(lines[i], needle);
        if (at && !g_ascii_isalnum(at[strlen(needle)]) && at[strlen(needle)] != '_')
            return i + 1;
    }
    g_error("no %s in %s", needle, test_path(source_variable));
    return 0;
}

int test_find_frame(const CoronerThread *t, guint from, const char *function)
{
    for (guint i = from; i < t->frames->len; i++) {
        const CoronerFrame *f = t->frames->pdata[i];
        if (g_strcmp0(f->function, function) == 0)
            return (int)i;
    }
    return -1;
}

void test_assert_frame(const CoronerThread *t, int i, const char *function, const char *file,
                       int line, gboolean inlined)
{
    g_assert_cmpint(i, >=, 0);
    g_assert_cmpint(i, <, (int)t->frames->len);
    const CoronerFrame *f = t->frames->pdata[i];
    g_assert_cmpstr(f->function, ==, function);
    if (file) {
        g_assert_nonnull(f->file);
        g_autofree char *base = g_path_get_basename(f->file);
        g_assert_cmpstr(base, ==, file);
    }
    if (line)
        g_assert_cmpint(f->line, ==, line);
    g_assert_cmpint(f->inlined, ==, inlined);
}

void test_assert_frames(const CoronerThread *t, int first, const char *file,
                        const char *source_variable, const TestFrame *expected, gsize n)
{
    for (gsize i = 0; i < n; i++)
        test_assert_frame(t, first + (int)i, expected[i].function, file,
                          expected[i].mark ? test_mark_line(source_variable, expected[i].mark) : 0,
                          expected[i].inlined);
}

char *test_program_core(const char *program_variable, const char *mode, int *ret_pid)
{
    g_autofree char *name =
        g_strdup_printf("%s-%s", g_str_equal(program_variable, "CRASH_CXX") ? "cxx" : "c", mode);
    return test_make_core(name, ret_pid, test_path(program_variable), mode, NULL);
}

char *test_write_tmp(const char *name, const void *data, gsize length)
{
    char *path = g_build_filename(test_tmpdir(), name, NULL);
    g_assert_true(g_file_set_contents(path, data, (gssize)length, NULL));
    return path;
}

guint8 *test_read_file(const char *path, gsize *ret_length)
{
    char *data = NULL;
    g_autoptr(GError) error = NULL;
    g_assert_true(g_file_get_contents(path, &data, ret_length, &error));
    g_assert_no_error(error);
    return (guint8 *)data;
}

void test_offline_options(CoronerSymbolizeOptions *o)
{
    coroner_symbolize_options_init(o);
    o->debuginfod = FALSE;
}

static gboolean symbolize_file(const char *core, const char *exe, const CoronerSymbolizeOptions *o,
                               gboolean sandboxed, uid_t uid, gid_t gid, CoronerCrashRecord *r,
                               GError **error)
{
    int fd = open(core, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    gboolean ok = sandboxed ? coroner_symbolize_sandboxed(fd, exe, o, uid, gid, r, error)
                            : coroner_symbolize_core_fd(fd, exe, o, r, error);
    close(fd);
    return ok;
}

gboolean test_symbolize_file(const char *core, const char *exe, const CoronerSymbolizeOptions *o,
                             CoronerCrashRecord *r, GError **error)
{
    return symbolize_file(core, exe, o, FALSE, 0, 0, r, error);
}

gboolean test_symbolize_file_sandboxed(const char *core, const char *exe,
                                       const CoronerSymbolizeOptions *o, uid_t uid, gid_t gid,
                                       CoronerCrashRecord *r, GError **error)
{
    return symbolize_file(core, exe, o, TRUE, uid, gid, r, error);
}

CoronerCrashRecord *test_program_record(const char *program_variable, const char *mode,
                                        int *ret_pid, char **ret_core)
{
    int pid = 0;
    g_autofree char *core = test_program_core(program_variable, mode, &pid);
    CoronerCrashRecord *r = test_symbolize(core, test_path(program_variable), pid);
    if (ret_pid)
        *ret_pid = pid;
    if (ret_core)
        *ret_core = g_steal_pointer(&core);
    return r;
}

CoronerCrashRecord *test_symbolize(const char *core, const char *exe, int64_t crash_tid)
{
    CoronerSymbolizeOptions o;
    test_offline_options(&o);
    CoronerCrashRecord *r = coroner_crash_record_new();
    r->process.tid = crash_tid;
    g_autoptr(GError) error = NULL;
    gboolean ok = test_symbolize_file(core, exe, &o, r, &error);
    g_assert_no_error(error);
    g_assert_true(ok);
    return r;
}

char *test_eu_stack(const char *core, const char *exe)
{
    const char *argv[] = {"eu-stack", "-s", "-i", "--core", core, "-e", exe, NULL};
    char *out = NULL;
    int status;
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                               NULL, &status, NULL));
    return out;
}
