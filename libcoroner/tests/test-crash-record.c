/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "crash-record.h"
#include "module-paths.h"
#include "coroner-test-record.h"
#include "coroner-test.h"

static CoronerCrashRecord *make_full_record(void)
{
    CoronerCrashRecord *r = coroner_test_record_new(
        "core.app.1000.0123456789abcdef0123456789abcdef.42.1700000000000000", 1700000000000000, 42,
        43, "app", "/usr/bin/app");
    r->boot_id = g_strdup("0123456789abcdef0123456789abcdef");
    r->hostname = g_strdup("host");
    r->process.uid = 1000;
    r->process.gid = 1000;
    r->process.cmdline = g_strdup("app --flag ünïcode");
    r->process.dumpable = 1;
    r->process.rlimit_core = UINT64_MAX;
    r->process.environ = g_strdup("A=1\nB=2");
    CoronerThreadName *tn = g_new0(CoronerThreadName, 1);
    tn->tid = 43;
    tn->name = g_strdup("worker");
    g_ptr_array_add(r->process.threads, tn);
    r->signal.number = 11;
    r->signal.name = coroner_signal_name(11);
    r->signal.has_code = TRUE;
    r->signal.code = 1;
    r->signal.has_address = TRUE;
    r->signal.address = 0xffffffffffff1234ull; /* above 2^53: must survive as hex */
    r->core.state = CORONER_CORE_TRUNCATED;
    r->core.file = g_strdup("core.app.zst");
    r->core.compression = g_strdup("zstd");
    r->core.size = 65536;
    r->core.stored_size = 1234;
    r->core.limit_bytes = 65536;
    r->core.reason = g_strdup("cut");

    coroner_test_set_app(r, "org.example.App", "1.2.3");
    r->app->group = g_strdup("org.example.Suite");
    r->app->hook_tid = 7;
    r->app->emergency_save = g_strdup("done");
    CoronerAnnotation *a = g_new0(CoronerAnnotation, 1);
    a->key = g_strdup("k");
    a->value = g_strdup("v");
    g_ptr_array_add(r->app->annotations, a);
    CoronerBuffer *b = g_new0(CoronerBuffer, 1);
    b->name = g_strdup("bin");
    b->data = g_bytes_new("\0\1\2\3", 4);
    g_ptr_array_add(r->app->buffers, b);

    CoronerThread *t = coroner_test_add_thread(r, 43, "worker", TRUE);
    coroner_test_add_frame(t, 0x7f0000001000, "crash_here", "/usr/bin/app", 0x1000, "app.c", 12)
        ->inlined = TRUE;
    coroner_test_add_module(r, "/usr/bin/app", "abcdef", 0x1000, 0x2000);
    r->signature = g_strdup("sig");
    r->backtrace_quality = 0.75;

    /* Every table of members (crash-record-fields.c) has one object here. */
    CoronerBreadcrumb *crumb = g_new0(CoronerBreadcrumb, 1);
    crumb->timestamp_usec = 1699999999000000;
    crumb->message = g_strdup("clicked");
    g_ptr_array_add(r->app->breadcrumbs, crumb);
    r->app->exception_type = g_strdup("std::bad_alloc");
    r->core.minimal = coroner_minimal_info_new();
    r->core.minimal->recept = g_strdup("default");
    r->core.minimal->memory_kept = 4096;
    r->container = coroner_container_info_new();
    r->container->runtime = g_strdup("podman");
    r->container->pid = 1;
    coroner_container_info_add_namespace(r->container, "pid", 4026531836u, TRUE);
    r->suppressed = 3;
    r->suppressed_start_usec = 1699999990000000;
    r->suppressed_end_usec = 1700000000000000;
    r->live_dump = TRUE;
    r->peer_of = g_strdup("core.app.1000.0123456789abcdef0123456789abcdef.41.1700000000000000");
    g_ptr_array_add(r->peers, g_strdup("core.app.1000.0123456789abcdef0123456789abcdef.44.1700000000500000"));
    coroner_crash_record_add_error(r, "could not read %s", "x");
    return r;
}

static void test_roundtrip(void)
{
    g_autoptr(CoronerCrashRecord) r = make_full_record();
    gsize len = 0;
    g_autofree char *json = coroner_crash_record_to_json(r, &len);
    g_assert_nonnull(strstr(json, "\"schema\" : \"coroner.crash-record/1\""));

    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerCrashRecord) back = coroner_crash_record_from_json(json, (gssize)len, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(back->id, ==, r->id);
    g_assert_cmpint(back->process.pid, ==, 42);
    g_assert_cmpint(back->process.tid, ==, 43);
    g_assert_cmpstr(back->process.cmdline, ==, "app --flag ünïcode");
    g_assert_cmpuint(back->process.rlimit_core, ==, UINT64_MAX);
    g_assert_cmpstr(back->signal.name, ==, "SEGV");
    g_assert_true(back->signal.has_address);
    g_assert_cmphex(back->signal.address, ==, 0xffffffffffff1234ull);
    g_assert_cmpint(back->signal.code, ==, 1);
    g_assert_cmpint(back->core.state, ==, CORONER_CORE_TRUNCATED);
    g_assert_cmpuint(back->core.limit_bytes, ==, 65536);
    g_assert_cmpstr(back->app->app_id, ==, "org.example.App");
    g_assert_cmpint(back->app->hook_tid, ==, 7);
    g_assert_cmpint(back->app->sender_pid, ==, -1);
    g_assert_cmpstr(back->app->emergency_save, ==, "done");
    CoronerBuffer *b = back->app->buffers->pdata[0];
    g_assert_cmpuint(g_bytes_get_size(b->data), ==, 4);
    g_assert_cmpmem(g_bytes_get_data(b->data, NULL), 4, "\0\1\2\3", 4);
    CoronerThread *t = back->threads->pdata[0];
    CoronerFrame *f = t->frames->pdata[0];
    g_assert_true(t->crashed);
    g_assert_cmphex(f->pc, ==, 0x7f0000001000);
    g_assert_cmpint(f->line, ==, 12);
    g_assert_true(f->inlined);
    g_assert_cmpfloat_with_epsilon(back->backtrace_quality, 0.75, 1e-9);
    g_assert_cmpuint(back->errors->len, ==, 1);
    CoronerBreadcrumb *crumb = back->app->breadcrumbs->pdata[0];
    g_assert_cmpint(crumb->timestamp_usec, ==, 1699999999000000);
    g_assert_cmpstr(back->app->exception_type, ==, "std::bad_alloc");
    g_assert_null(back->app->exception_what);
    g_assert_cmpuint(back->core.minimal->memory_kept, ==, 4096);
    g_assert_cmpstr(back->container->runtime, ==, "podman");
    g_assert_cmpint(back->container->tid, ==, -1);
    CoronerNamespace *ns = back->container->namespaces->pdata[0];
    g_assert_cmpuint(ns->inode, ==, 4026531836u);
    g_assert_true(ns->own);
    g_assert_cmpint(back->suppressed_end_usec, ==, 1700000000000000);
    g_assert_cmpstr(back->app->group, ==, "org.example.Suite");
    g_assert_true(back->live_dump);
    g_assert_cmpstr(back->peer_of, ==, r->peer_of);
    g_assert_cmpuint(back->peers->len, ==, 1);
    g_assert_cmpstr(back->peers->pdata[0], ==, r->peers->pdata[0]);

    /* Writing what was read gives the same bytes: nothing is lost or invented. */
    g_autofree char *again = coroner_crash_record_to_json(back, NULL);
    g_assert_cmpstr(again, ==, json);
}

static void test_minimal_defaults(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerCrashRecord) r =
        coroner_crash_record_from_json("{\"schema\":\"coroner.crash-record/1\"}", -1, &error);
    g_assert_no_error(error);
    g_assert_cmpint(r->process.pid, ==, -1);
    g_assert_null(r->app);
    g_assert_cmpint(r->core.state, ==, CORONER_CORE_NONE);
    g_assert_cmpfloat(r->backtrace_quality, <, 0);
}

static void test_rejects(void)
{
    static const char *const bad[] = {
        "not json",
        "[1,2]",
        "{}",
        "{\"schema\":\"coroner.crash-record/2\"}",
        "{\"schema\":\"coroner.crash-record/1\",\"process\":{\"pid\":\"42\"}}",
        "{\"schema\":\"coroner.crash-record/1\",\"core\":{\"state\":\"exploded\"}}",
        "{\"schema\":\"coroner.crash-record/1\",\"core\":{\"file\":\"../etc/shadow\"}}",
        "{\"schema\":\"coroner.crash-record/1\",\"signal\":{\"address\":\"12\"}}",
        "{\"schema\":\"coroner.crash-record/1\",\"backtrace\":{\"threads\":[1]}}",
        "{\"schema\":\"coroner.crash-record/1\",\"errors\":[1]}",
        "{\"schema\":\"coroner.crash-record/1\",\"peers\":[1]}",
        "{\"schema\":\"coroner.crash-record/1\",\"peers\":[\"../x\"]}",
        "{\"schema\":\"coroner.crash-record/1\",\"peer_of\":\"a/b\"}",
        "{\"schema\":\"coroner.crash-record/1\",\"live_dump\":1}",
        "{\"schema\":\"coroner.crash-record/1\",\"backtrace\":{\"threads\":[{\"frames\":"
        "[{\"line\":\"12\"}]}]}}",
        "{\"schema\":\"coroner.crash-record/1\",\"backtrace\":{\"modules\":[{\"start\":4096}]}}",
        "{\"schema\":\"coroner.crash-record/1\",\"app\":{\"hook\":{\"tid\":true}}}",
        "{\"schema\":\"coroner.crash-record/1\",\"core\":{\"minimal\":{\"threads\":-1}}}",
        "{\"schema\":\"coroner.crash-record/1\",\"container\":{\"namespaces\":[1]}}",
        "{\"schema\":\"coroner.crash-record/1\",\"suppressed_window\":{\"start_usec\":\"x\"}}",
        /* json-glib reads 1e999 as infinity, which would be written back as `inf`. */
        "{\"schema\":\"coroner.crash-record/1\",\"backtrace\":{\"quality\":1e999}}",
        "{\"schema\":\"coroner.crash-record/1\",\"backtrace\":{\"quality\":1.5}}",
        "{\"schema\":\"coroner.crash-record/1\",\"backtrace\":{\"quality\":-0.5}}",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(CoronerCrashRecord) r = coroner_crash_record_from_json(bad[i], -1, &error);
        g_assert_null(r);
        g_assert_nonnull(error);
        g_test_message("%s → %s", bad[i], error->message);
    }
}

/* libdwfl's sonames become the mapped files' full paths; paths and unknown names stay. */
static void test_module_paths(void)
{
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    CoronerThread *thread = coroner_thread_new(1, "main");
    const char *names[] = {"libc.so.6", "libstdc++.so.6", "/opt/app/bin/app", "jit", NULL};
    const uint64_t pcs[] = {0x7f0000001234, 0x7f1000000010, 0x5000, 0x9000};

    r->process.proc_maps = g_strdup(
        "00004000-00006000 r-xp 00000000 08:01 11 /opt/app/bin/app\n"
        "00009000-0000a000 rwxp 00000000 00:00 0 \n"
        "7f0000000000-7f0000100000 r-xp 00028000 08:01 12                 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
        "7f1000000000-7f1000100000 r-xp 00000000 08:01 13 /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30 (deleted)\n");
    for (guint i = 0; names[i]; i++) {
        CoronerFrame *frame = coroner_frame_new();
        frame->module = g_strdup(names[i]);
        frame->pc = pcs[i];
        g_ptr_array_add(thread->frames, frame);
    }
    g_ptr_array_add(r->threads, thread);
    CoronerModule *module = coroner_module_new();
    module->path = g_strdup("libc.so.6");
    module->start = 0x7f0000000000;
    g_ptr_array_add(r->modules, module);

    coroner_crash_record_resolve_module_paths(r);
    g_assert_cmpstr(((CoronerFrame *)thread->frames->pdata[0])->module, ==, "/usr/lib/x86_64-linux-gnu/libc.so.6");
    g_assert_cmpstr(((CoronerFrame *)thread->frames->pdata[1])->module, ==,
                    "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30");
    g_assert_cmpstr(((CoronerFrame *)thread->frames->pdata[2])->module, ==, "/opt/app/bin/app");
    g_assert_cmpstr(((CoronerFrame *)thread->frames->pdata[3])->module, ==, "jit");
    g_assert_cmpstr(module->path, ==, "/usr/lib/x86_64-linux-gnu/libc.so.6");
}

static void test_signal_names(void)
{
    g_autofree char *segv = coroner_signal_name(11);
    g_autofree char *abrt = coroner_signal_name(6);
    g_autofree char *unknown = coroner_signal_name(1000);
    g_assert_cmpstr(segv, ==, "SEGV");
    g_assert_cmpstr(abrt, ==, "ABRT");
    g_assert_cmpstr(unknown, ==, "SIG1000");
}

static void test_crashed_thread(void)
{
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    r->process.tid = 42;
    /* Not symbolized: no thread, the signalled tid from /proc. */
    g_assert_null(coroner_crash_record_crashed_thread(r));
    g_assert_cmpint(coroner_crash_record_crashed_tid(r), ==, 42);
    g_ptr_array_add(r->threads, coroner_thread_new(7, "main"));
    CoronerThread *worker = coroner_thread_new(8, "worker");
    worker->crashed = TRUE;
    g_ptr_array_add(r->threads, worker);
    /* The backtrace's mark wins over the order and over /proc. */
    g_assert_true(coroner_crash_record_crashed_thread(r) == worker);
    g_assert_cmpint(coroner_crash_record_crashed_tid(r), ==, 8);
}

static const CoronerTestCase tests[] = {
    {"/record/roundtrip", test_roundtrip},
    {"/record/minimal-defaults", test_minimal_defaults},
    {"/record/rejects", test_rejects},
    {"/record/signal-names", test_signal_names},
    {"/record/crashed-thread", test_crashed_thread},
    {"/record/module-paths", test_module_paths},
};

CORONER_TEST_MAIN(tests)
