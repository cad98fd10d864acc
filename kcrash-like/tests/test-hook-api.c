/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bad input to every public call gets its documented result, never a crash;
 * and what the calls store is what the handler-side reader finds, read back
 * from this very process's /proc/self/mem.
 *
 * The tests share the process-wide hook state, so they run in order: the
 * first one checks everything before coroner_hook_init().
 */
#include <coroner-hook.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hook-test-util.h"
#include "coroner-test.h"

static CoronerAppInfo *read_self(CoronerHookCrash *crash)
{
    g_autoptr(GError) error = NULL;
    CoronerAppInfo *app = hook_test_read_metadata(getpid(), getpid(), crash, &error);
    g_assert_no_error(error);
    g_assert_nonnull(app);
    return app;
}

static char *repeat(char c, gsize n)
{
    char *s = g_malloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void save_nothing(int signo, void *userdata)
{
}

static void test_before_init(void)
{
    int data = 0;
    g_assert_cmpint(coroner_hook_set_annotation("k", "v"), ==, -ENODEV);
    g_assert_cmpint(coroner_hook_remove_annotation("k"), ==, -ENODEV);
    g_assert_cmpint(coroner_hook_add_breadcrumb("b"), ==, -ENODEV);
    g_assert_cmpint(coroner_hook_join_group("g"), ==, -ENODEV);
    g_assert_cmpint(coroner_hook_register_buffer("b", &data, sizeof(data), 0), ==, -ENODEV);
    g_assert_cmpint(coroner_hook_unregister_buffer(&data), ==, -ENODEV);
    g_assert_cmpint(coroner_hook_set_emergency_save(save_nothing, NULL, 0), ==, -ENODEV);
    g_assert_cmpint(coroner_hook_enable_restart(10), ==, -ENODEV);
    g_assert_cmpint(coroner_hook_set_exception("t", "w"), ==, -ENODEV);

    /* Bad input is still bad input before init. */
    g_assert_cmpint(coroner_hook_set_annotation(NULL, "v"), ==, -EINVAL);
    g_assert_cmpint(coroner_hook_add_breadcrumb(NULL), ==, -EINVAL);

    /* Not linked in the reader's eyes either. */
    g_autoptr(GError) error = NULL;
    g_assert_null(hook_test_read_metadata(getpid(), getpid(), NULL, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void test_init_bad_options(void)
{
    g_assert_cmpint(coroner_hook_init(NULL), ==, -EINVAL);
    coroner_hook_options o = {0};
    g_assert_cmpint(coroner_hook_init(&o), ==, -EINVAL);
    o.app_id = "";
    g_assert_cmpint(coroner_hook_init(&o), ==, -EINVAL);
    o.app_id = "org.example.Test";
    o.reserved[3] = &o;
    g_assert_cmpint(coroner_hook_init(&o), ==, -EINVAL);
}

static void test_init(void)
{
    g_autofree char *long_name = repeat('n', 300);
    coroner_hook_options o = {
        .app_id = "org.coroner.ApiTest",
        .name = long_name,
        .version = "0.0.1",
        .dsn = "https://0123456789abcdef0123456789abcdef@example.invalid/7",
    };
    g_assert_cmpint(coroner_hook_init(&o), ==, CORONER_HOOK_TRUNCATED);
    o.app_id = "org.coroner.Other";
    g_assert_cmpint(coroner_hook_init(&o), ==, -EALREADY);

    CoronerHookCrash crash;
    CoronerAppInfo *app = read_self(&crash);
    g_assert_cmpstr(app->app_id, ==, "org.coroner.ApiTest");
    g_assert_cmpuint(strlen(app->name), ==, CORONER_HOOK_MAX_STRING);
    g_assert_cmpstr(app->version, ==, "0.0.1");
    g_assert_null(app->bug_address);
    g_assert_cmpstr(app->dsn, ==, "https://0123456789abcdef0123456789abcdef@example.invalid/7");
    g_assert_cmpint(crash.signal_number, ==, 0);
    g_assert_cmpstr(crash.emergency_save, ==, "none");
    coroner_app_info_free(app);
}

static void test_annotations(void)
{
    g_assert_cmpint(coroner_hook_set_annotation(NULL, "v"), ==, -EINVAL);
    g_assert_cmpint(coroner_hook_set_annotation("", "v"), ==, -EINVAL);
    g_assert_cmpint(coroner_hook_set_annotation("k", NULL), ==, -EINVAL);
    g_assert_cmpint(coroner_hook_remove_annotation(NULL), ==, -EINVAL);
    g_assert_cmpint(coroner_hook_remove_annotation("absent"), ==, -ENOENT);

    /* Over-long keys are cut to CORONER_HOOK_MAX_KEY and compared after cutting. */
    g_autofree char *long_key = repeat('k', 100);
    g_autofree char *long_value = repeat('v', 1000);
    g_assert_cmpint(coroner_hook_set_annotation(long_key, "1"), ==, CORONER_HOOK_TRUNCATED);
    g_assert_cmpint(coroner_hook_set_annotation(long_key, long_value), ==, CORONER_HOOK_TRUNCATED);

    /* A value cut inside a two-byte character loses the whole character. */
    g_autofree char *a254 = repeat('a', 254);
    g_autofree char *utf8 = g_strconcat(a254, "\xc3\xa9", NULL);
    g_assert_cmpint(coroner_hook_set_annotation("utf8", utf8), ==, CORONER_HOOK_TRUNCATED);
    g_assert_cmpint(coroner_hook_set_annotation("empty", ""), ==, 0);

    /* Fill the table: one more distinct key is refused, updates still work. */
    int stored = 3;
    for (int i = 0; stored < CORONER_HOOK_MAX_ANNOTATIONS; i++, stored++) {
        char key[32];
        g_snprintf(key, sizeof(key), "key-%d", i);
        g_assert_cmpint(coroner_hook_set_annotation(key, "x"), ==, 0);
    }
    g_assert_cmpint(coroner_hook_set_annotation("one-too-many", "x"), ==, -ENOSPC);
    g_assert_cmpint(coroner_hook_set_annotation("key-0", "updated"), ==, 0);
    g_assert_cmpint(coroner_hook_remove_annotation("key-1"), ==, 0);
    g_assert_cmpint(coroner_hook_remove_annotation("key-1"), ==, -ENOENT);
    g_assert_cmpint(coroner_hook_set_annotation("one-too-many", "now fits"), ==, 0);

    CoronerAppInfo *app = read_self(NULL);
    g_assert_cmpuint(app->annotations->len, ==, CORONER_HOOK_MAX_ANNOTATIONS);
    g_autofree char *cut_key = repeat('k', CORONER_HOOK_MAX_KEY);
    g_autofree char *cut_value = repeat('v', CORONER_HOOK_MAX_VALUE);
    g_assert_cmpstr(hook_test_annotation(app, cut_key), ==, cut_value);
    g_assert_cmpstr(hook_test_annotation(app, "utf8"), ==, a254);
    g_assert_cmpstr(hook_test_annotation(app, "empty"), ==, "");
    g_assert_cmpstr(hook_test_annotation(app, "key-0"), ==, "updated");
    g_assert_null(hook_test_annotation(app, "key-1"));
    g_assert_cmpstr(hook_test_annotation(app, "one-too-many"), ==, "now fits");
    coroner_app_info_free(app);
}

static void test_breadcrumbs(void)
{
    g_assert_cmpint(coroner_hook_add_breadcrumb(NULL), ==, -EINVAL);
    g_autofree char *long_message = repeat('m', 4000);
    g_assert_cmpint(coroner_hook_add_breadcrumb(long_message), ==, CORONER_HOOK_TRUNCATED);
    g_assert_cmpint(coroner_hook_add_breadcrumb(""), ==, 0);
    for (int i = 0; i < 100; i++) {
        char message[32];
        g_snprintf(message, sizeof(message), "crumb %d", i);
        g_assert_cmpint(coroner_hook_add_breadcrumb(message), ==, 0);
    }
    /* The ring keeps the most recent ones, oldest first. */
    CoronerAppInfo *app = read_self(NULL);
    g_assert_cmpuint(app->breadcrumbs->len, ==, CORONER_HOOK_MAX_BREADCRUMBS);
    for (guint i = 0; i < app->breadcrumbs->len; i++) {
        const CoronerBreadcrumb *b = app->breadcrumbs->pdata[i];
        g_autofree char *expected =
            g_strdup_printf("crumb %u", 100 - CORONER_HOOK_MAX_BREADCRUMBS + i);
        g_assert_cmpstr(b->message, ==, expected);
        if (i > 0) {
            const CoronerBreadcrumb *prev = app->breadcrumbs->pdata[i - 1];
            g_assert_cmpint(b->timestamp_usec, >=, prev->timestamp_usec);
        }
    }
    coroner_app_info_free(app);
}

static char buffers[CORONER_HOOK_MAX_BUFFERS + 1][16];

static void test_buffers(void)
{
    int x = 0;
    g_assert_cmpint(coroner_hook_register_buffer(NULL, &x, sizeof(x), 0), ==, -EINVAL);
    g_assert_cmpint(coroner_hook_register_buffer("b", NULL, 4, 0), ==, -EINVAL);
    g_assert_cmpint(coroner_hook_register_buffer("b", &x, sizeof(x), 0x80), ==, -EINVAL);
    g_assert_cmpint(coroner_hook_register_buffer("b", &x, CORONER_HOOK_MAX_BUFFER_BYTES + 1, 0), ==,
                    -E2BIG);
    g_assert_cmpint(coroner_hook_unregister_buffer(NULL), ==, -EINVAL);
    g_assert_cmpint(coroner_hook_unregister_buffer(&x), ==, -ENOENT);

    /* Total limit: one buffer of exactly the limit fits, then nothing more does. */
    g_autofree char *big = g_malloc0(CORONER_HOOK_MAX_BUFFER_BYTES);
    g_assert_cmpint(coroner_hook_register_buffer("big", big, CORONER_HOOK_MAX_BUFFER_BYTES, 0), ==,
                    0);
    g_assert_cmpint(coroner_hook_register_buffer("b", &x, sizeof(x), 0), ==, -E2BIG);
    g_assert_cmpint(coroner_hook_register_buffer("again", big, 1, 0), ==, -EEXIST);
    CoronerHookCrash crash;
    CoronerAppInfo *app = read_self(&crash);
    g_assert_cmpuint(app->buffers->len, ==, 1);
    const CoronerBuffer *b = app->buffers->pdata[0];
    g_assert_cmpuint(g_bytes_get_size(b->data), ==, CORONER_HOOK_MAX_BUFFER_BYTES);
    g_assert_cmpuint(crash.truncated_buffers, ==, 0);
    coroner_app_info_free(app);
    g_assert_cmpint(coroner_hook_unregister_buffer(big), ==, 0);

    /* Slot limit. */
    g_autofree char *long_name = repeat('b', 200);
    for (int i = 0; i < CORONER_HOOK_MAX_BUFFERS; i++) {
        g_snprintf(buffers[i], sizeof(buffers[i]), "buffer %d", i);
        int expected = i == 0 ? CORONER_HOOK_TRUNCATED : 0;
        g_assert_cmpint(coroner_hook_register_buffer(i == 0 ? long_name : buffers[i], buffers[i],
                                                     sizeof(buffers[i]), CORONER_HOOK_BUFFER_TEXT),
                        ==, expected);
    }
    g_assert_cmpint(coroner_hook_register_buffer("extra", buffers[CORONER_HOOK_MAX_BUFFERS],
                                                 sizeof(buffers[0]), 0),
                    ==, -ENOSPC);

    app = read_self(&crash);
    g_assert_cmpuint(app->buffers->len, ==, CORONER_HOOK_MAX_BUFFERS);
    for (guint i = 0; i < app->buffers->len; i++) {
        const CoronerBuffer *buf = app->buffers->pdata[i];
        g_assert_true(buf->is_text);
        gsize size;
        const char *text = g_bytes_get_data(buf->data, &size);
        /* Text ends at the first NUL. */
        g_assert_cmpuint(size, ==, strlen(buffers[i]));
        g_assert_cmpmem(text, size, buffers[i], strlen(buffers[i]));
        g_assert_cmpuint(strlen(buf->name), ==,
                         i == 0 ? CORONER_HOOK_MAX_BUFFER_NAME : strlen(buffers[i]));
    }
    coroner_app_info_free(app);
    for (int i = 0; i < CORONER_HOOK_MAX_BUFFERS; i++)
        g_assert_cmpint(coroner_hook_unregister_buffer(buffers[i]), ==, 0);
}

static void test_unreadable_buffer(void)
{
    /* A registered buffer whose memory went away: the reader keeps what it could read. */
    long page = sysconf(_SC_PAGESIZE);
    char *p =
        mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert_true(p != MAP_FAILED);
    memset(p, 'z', (size_t)page);
    g_assert_no_errno(munmap(p + page, (size_t)page));
    g_assert_cmpint(coroner_hook_register_buffer("half", p, (size_t)page * 2, 0), ==, 0);

    CoronerHookCrash crash;
    CoronerAppInfo *app = read_self(&crash);
    g_assert_cmpuint(app->buffers->len, ==, 1);
    const CoronerBuffer *b = app->buffers->pdata[0];
    g_assert_cmpuint(g_bytes_get_size(b->data), ==, (gsize)page);
    g_assert_cmpuint(crash.truncated_buffers, ==, 1);
    coroner_app_info_free(app);
    g_assert_cmpint(coroner_hook_unregister_buffer(p), ==, 0);
    munmap(p, (size_t)page);
}

static void test_emergency_save(void)
{
    g_assert_cmpint(
        coroner_hook_set_emergency_save(save_nothing, NULL, CORONER_HOOK_MAX_SAVE_TIMEOUT_MS + 1),
        ==, -EINVAL);
    g_assert_cmpint(coroner_hook_set_emergency_save(save_nothing, NULL, 0), ==, 0);
    CoronerHookCrash crash;
    CoronerAppInfo *app = read_self(&crash);
    g_assert_cmpstr(crash.emergency_save, ==, "pending");
    coroner_app_info_free(app);
    g_assert_cmpint(coroner_hook_set_emergency_save(NULL, NULL, 0), ==, 0);
    app = read_self(&crash);
    g_assert_cmpstr(crash.emergency_save, ==, "none");
    coroner_app_info_free(app);
}

static void test_restart_and_exception(void)
{
    g_assert_cmpint(coroner_hook_enable_restart(0), ==, 0);
    g_assert_cmpint(coroner_hook_enable_restart(30), ==, 0);
    g_assert_cmpint(coroner_hook_enable_restart(0), ==, 0);

    g_assert_cmpint(coroner_hook_set_exception(NULL, NULL), ==, 0);
    CoronerAppInfo *app = read_self(NULL);
    g_assert_null(app->exception_type);
    g_assert_null(app->exception_what);
    coroner_app_info_free(app);

    g_autofree char *long_what = repeat('w', 5000);
    g_assert_cmpint(coroner_hook_set_exception("std::bad_alloc", long_what), ==,
                    CORONER_HOOK_TRUNCATED);
    app = read_self(NULL);
    g_assert_cmpstr(app->exception_type, ==, "std::bad_alloc");
    g_assert_cmpuint(strlen(app->exception_what), ==, CORONER_HOOK_MAX_EXCEPTION_WHAT);
    coroner_app_info_free(app);
}

static void *thread_init_twice(void *arg)
{
    int *results = arg;
    results[0] = coroner_hook_thread_init();
    results[1] = coroner_hook_thread_init();
    return NULL;
}

static void test_thread_init(void)
{
    int results[2] = {-1, -1};
    pthread_t t;
    g_assert_cmpint(pthread_create(&t, NULL, thread_init_twice, results), ==, 0);
    pthread_join(t, NULL);
    g_assert_cmpint(results[0], ==, 0);
    g_assert_cmpint(results[1], ==, 0);
    /* The main thread got its stack from init. */
    g_assert_cmpint(coroner_hook_thread_init(), ==, 0);
}

static const CoronerTestCase tests[] = {
    {"/hook/api/before-init", test_before_init},
    {"/hook/api/init-bad-options", test_init_bad_options},
    {"/hook/api/init", test_init},
    {"/hook/api/annotations", test_annotations},
    {"/hook/api/breadcrumbs", test_breadcrumbs},
    {"/hook/api/buffers", test_buffers},
    {"/hook/api/unreadable-buffer", test_unreadable_buffer},
    {"/hook/api/emergency-save", test_emergency_save},
    {"/hook/api/restart-and-exception", test_restart_and_exception},
    {"/hook/api/thread-init", test_thread_init},
};

CORONER_TEST_MAIN(tests)
