/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "sentry-breadcrumbs.h"
#include "sentry-event.h"
#include "coroner-test-record.h"
#include "coroner-test.h"

static void test_debug_id(void)
{
    /* Sentry's documented example, and the padding and rejection rules. */
    const struct {
        const char *build_id, *debug_id;
    } vectors[] = {
        {"f1c3bcc0279865fe3058404b2831d9e64135386c", "c0bcc3f1-9827-fe65-3058-404b2831d9e6"},
        {"00112233445566778899aabbccddeeff", "33221100-5544-7766-8899-aabbccddeeff"},
        {"DEADBEEF", "efbeadde-0000-0000-0000-000000000000"},
        {"0102030405060708", "04030201-0605-0807-0000-000000000000"},
        {"000102030405060708090a0b0c0d0e0f1011121314151617", "03020100-0504-0706-0809-0a0b0c0d0e0f"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(vectors); i++) {
        g_autofree char *got = coroner_sentry_debug_id_from_build_id(vectors[i].build_id);
        g_assert_cmpstr(got, ==, vectors[i].debug_id);
    }
    const char *bad[] = {NULL, "", "abc", "zz", "12 34"};
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
        g_assert_null(coroner_sentry_debug_id_from_build_id(bad[i]));
}

static void test_event_id(void)
{
    g_autofree char *a = coroner_sentry_event_id_new();
    g_autofree char *b = coroner_sentry_event_id_new();
    g_assert_true(coroner_sentry_event_id_is_valid(a));
    g_assert_cmpstr(a, !=, b);
    g_assert_false(coroner_sentry_event_id_is_valid("ABCDEF0123456789ABCDEF0123456789"));
    g_assert_false(coroner_sentry_event_id_is_valid("abc"));
}

static CoronerCrashRecord *make_record(void)
{
    CoronerCrashRecord *r =
        coroner_test_record_new("core.app.1000.x.42.1", G_GINT64_CONSTANT(1767225600123456), 42, 43,
                                "app", "/opt/app/bin/app");
    r->process.environ = g_strdup("SECRET=do-not-send");
    r->signal.number = 6;
    r->signal.name = g_strdup("ABRT");
    coroner_test_set_app(r, "org.example.App", "2.0");
    r->app->exception_type = g_strdup("std::bad_alloc");
    r->app->exception_what = g_strdup("out of memory");
    CoronerBreadcrumb *bc = g_new0(CoronerBreadcrumb, 1);
    bc->timestamp_usec = r->timestamp_usec - 10;
    bc->message = g_strdup("hook crumb");
    g_ptr_array_add(r->app->breadcrumbs, bc);

    CoronerThread *t = coroner_test_add_thread(r, 43, "worker", TRUE);
    coroner_test_add_thread(r, 44, "other", FALSE);
    const char *fns[] = {"inner", "middle", "outer"};
    for (int i = 0; i < 3; i++)
        coroner_test_add_frame(t, 0x401000 + (uint64_t)i * 0x10, fns[i],
                               i == 1 ? "/usr/lib/libc.so.6" : "/opt/app/bin/app", 0, NULL,
                               i == 0 ? 12 : 0);
    coroner_test_add_module(r, "/opt/app/bin/app", "f1c3bcc0279865fe3058404b2831d9e64135386c",
                            0x400000, 0x410000);
    coroner_test_add_module(r, "/usr/lib/nobuildid.so", NULL, 0x500000, 0x501000);
    r->signature = g_strdup("inner|middle|outer");
    return r;
}

static CoronerSentryMachine *fixed_machine(void)
{
    CoronerSentryMachine *m = g_new0(CoronerSentryMachine, 1);
    m->os_name = g_strdup("Debian GNU/Linux");
    m->os_version = g_strdup("12");
    m->kernel_version = g_strdup("6.1.0");
    m->arch = g_strdup("x86_64");
    m->memory_size = (uint64_t)8 << 30;
    return m;
}

static JsonObject *path_object(JsonObject *o, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, ".", -1);
    for (char **p = parts; *p && o; p++)
        o = json_object_get_object_member(o, *p);
    return o;
}

static void test_event(void)
{
    g_autoptr(CoronerCrashRecord) r = make_record();
    g_autoptr(CoronerSentryMachine) machine = fixed_machine();
    g_autoptr(GPtrArray) journal =
        g_ptr_array_new_with_free_func((GDestroyNotify)coroner_sentry_journal_line_free);
    CoronerSentryJournalLine *line = g_new0(CoronerSentryJournalLine, 1);
    line->timestamp_usec = r->timestamp_usec - 20;
    line->priority = 3;
    line->message = g_strdup("journal says hi");
    g_ptr_array_add(journal, line);

    CoronerSentryEventOptions o = {
        .event_id = "0123456789abcdef0123456789abcdef",
        .journal_lines = journal,
        .machine = machine,
        .session_type = "wayland",
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = coroner_sentry_event_build(r, &o, &error);
    g_assert_no_error(error);
    JsonObject *e = json_node_get_object(node);
    g_assert_cmpstr(json_object_get_string_member(e, "event_id"), ==, o.event_id);
    g_assert_cmpstr(json_object_get_string_member(e, "platform"), ==, "native");
    g_assert_cmpstr(json_object_get_string_member(e, "level"), ==, "fatal");
    g_assert_cmpstr(json_object_get_string_member(e, "timestamp"), ==, "2026-01-01T00:00:00.123456Z");
    g_assert_cmpstr(json_object_get_string_member(e, "release"), ==, "org.example.App@2.0");

    JsonArray *ex = json_object_get_array_member(path_object(e, "exception"), "values");
    g_assert_cmpuint(json_array_get_length(ex), ==, 2);
    JsonObject *cxx = json_array_get_object_element(ex, 0);
    g_assert_cmpstr(json_object_get_string_member(cxx, "type"), ==, "std::bad_alloc");
    JsonObject *sig = json_array_get_object_element(ex, 1);
    g_assert_cmpstr(json_object_get_string_member(sig, "type"), ==, "SIGABRT");
    JsonObject *mech = json_object_get_object_member(sig, "mechanism");
    g_assert_cmpstr(json_object_get_string_member(mech, "type"), ==, "signalhandler");
    g_assert_false(json_object_get_boolean_member(mech, "handled"));
    g_assert_true(json_object_get_boolean_member(mech, "synthetic"));
    JsonObject *msig = path_object(mech, "meta.signal");
    g_assert_cmpint(json_object_get_int_member(msig, "number"), ==, 6);
    g_assert_cmpstr(json_object_get_string_member(msig, "name"), ==, "SIGABRT");
    g_assert_false(json_object_has_member(msig, "code")); /* the hook did not record one */
    g_assert_cmpint(json_object_get_int_member(sig, "thread_id"), ==, 43);

    JsonArray *threads = json_object_get_array_member(path_object(e, "threads"), "values");
    g_assert_cmpuint(json_array_get_length(threads), ==, 2);
    JsonObject *t0 = json_array_get_object_element(threads, 0);
    g_assert_cmpint(json_object_get_int_member(t0, "id"), ==, 43);
    g_assert_true(json_object_get_boolean_member(t0, "crashed"));
    g_assert_true(json_object_get_boolean_member(t0, "current"));
    JsonArray *frames = json_object_get_array_member(path_object(t0, "stacktrace"), "frames");
    const char *want[] = {"outer", "middle", "inner"}; /* oldest first, crashing frame last */
    for (guint i = 0; i < 3; i++) {
        JsonObject *f = json_array_get_object_element(frames, i);
        g_assert_cmpstr(json_object_get_string_member(f, "function"), ==, want[i]);
    }
    JsonObject *last = json_array_get_object_element(frames, 2);
    g_assert_cmpstr(json_object_get_string_member(last, "instruction_addr"), ==, "0x401000");
    g_assert_cmpint(json_object_get_int_member(last, "lineno"), ==, 12);
    g_assert_true(json_object_get_boolean_member(last, "in_app"));
    g_assert_false(json_object_get_boolean_member(json_array_get_object_element(frames, 1), "in_app"));
    JsonObject *t1 = json_array_get_object_element(threads, 1);
    g_assert_false(json_object_get_boolean_member(t1, "crashed"));
    g_assert_false(json_object_has_member(t1, "stacktrace"));

    JsonArray *images = json_object_get_array_member(path_object(e, "debug_meta"), "images");
    g_assert_cmpuint(json_array_get_length(images), ==, 2);
    JsonObject *img = json_array_get_object_element(images, 0);
    g_assert_cmpstr(json_object_get_string_member(img, "type"), ==, "elf");
    g_assert_cmpstr(json_object_get_string_member(img, "code_id"), ==, "f1c3bcc0279865fe3058404b2831d9e64135386c");
    g_assert_cmpstr(json_object_get_string_member(img, "debug_id"), ==, "c0bcc3f1-9827-fe65-3058-404b2831d9e6");
    g_assert_cmpstr(json_object_get_string_member(img, "image_addr"), ==, "0x400000");
    g_assert_cmpint(json_object_get_int_member(img, "image_size"), ==, 0x10000);
    g_assert_false(json_object_has_member(json_array_get_object_element(images, 1), "debug_id"));

    JsonObject *os = path_object(e, "contexts.os");
    g_assert_cmpstr(json_object_get_string_member(os, "name"), ==, "Debian GNU/Linux");
    g_assert_cmpstr(json_object_get_string_member(os, "version"), ==, "12");
    g_assert_cmpstr(json_object_get_string_member(os, "kernel_version"), ==, "6.1.0");
    JsonObject *device = path_object(e, "contexts.device");
    g_assert_cmpstr(json_object_get_string_member(device, "arch"), ==, "x86_64");
    g_assert_cmpint(json_object_get_int_member(device, "memory_size"), ==, 8ll << 30);
    JsonObject *app = path_object(e, "contexts.app");
    g_assert_cmpstr(json_object_get_string_member(app, "app_identifier"), ==, "org.example.App");
    g_assert_cmpstr(json_object_get_string_member(app, "app_version"), ==, "2.0");

    JsonObject *tags = path_object(e, "tags");
    g_assert_cmpstr(json_object_get_string_member(tags, "signal"), ==, "SIGABRT");
    g_assert_cmpstr(json_object_get_string_member(tags, "crash_signature"), ==, "inner|middle|outer");
    g_assert_cmpstr(json_object_get_string_member(tags, "session_type"), ==, "wayland");

    JsonArray *crumbs = json_object_get_array_member(path_object(e, "breadcrumbs"), "values");
    g_assert_cmpuint(json_array_get_length(crumbs), ==, 2);
    JsonObject *c0 = json_array_get_object_element(crumbs, 0);
    g_assert_cmpstr(json_object_get_string_member(c0, "message"), ==, "journal says hi");
    g_assert_cmpstr(json_object_get_string_member(c0, "category"), ==, "journal");
    g_assert_cmpstr(json_object_get_string_member(c0, "level"), ==, "error");
    JsonObject *c1 = json_array_get_object_element(crumbs, 1);
    g_assert_cmpstr(json_object_get_string_member(c1, "message"), ==, "hook crumb");

    g_autofree char *text = json_to_string(node, FALSE);
    g_assert_null(strstr(text, "do-not-send"));
}

static void test_no_signal(void)
{
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) node = coroner_sentry_event_build(r, NULL, &error);
    g_assert_null(node);
    g_assert_nonnull(error);
}

static void test_unsymbolized(void)
{
    /* No backtrace yet: the threads /proc listed, the crashed one marked. */
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    r->signal.number = 11;
    r->process.tid = 8;
    for (int i = 7; i <= 8; i++) {
        CoronerThreadName *tn = g_new0(CoronerThreadName, 1);
        tn->tid = i;
        tn->name = g_strdup("t");
        g_ptr_array_add(r->process.threads, tn);
    }
    g_autoptr(CoronerSentryMachine) machine = fixed_machine();
    CoronerSentryEventOptions o = {.machine = machine, .session_type = "tty"};
    g_autoptr(JsonNode) node = coroner_sentry_event_build(r, &o, NULL);
    JsonArray *threads = json_object_get_array_member(
        json_object_get_object_member(json_node_get_object(node), "threads"), "values");
    g_assert_cmpuint(json_array_get_length(threads), ==, 2);
    g_assert_false(json_object_get_boolean_member(json_array_get_object_element(threads, 0), "crashed"));
    g_assert_true(json_object_get_boolean_member(json_array_get_object_element(threads, 1), "crashed"));
    g_assert_false(json_object_has_member(json_node_get_object(node), "release"));
}

static void test_os_release(void)
{
    g_autoptr(GHashTable) t = coroner_sentry_parse_os_release(
        "# comment\nNAME=\"Debian GNU/Linux\"\nVERSION_ID='12'\nID=debian\n\nBROKEN\n");
    g_assert_cmpstr(g_hash_table_lookup(t, "NAME"), ==, "Debian GNU/Linux");
    g_assert_cmpstr(g_hash_table_lookup(t, "VERSION_ID"), ==, "12");
    g_assert_cmpstr(g_hash_table_lookup(t, "ID"), ==, "debian");
    g_assert_null(g_hash_table_lookup(t, "BROKEN"));
}

static const CoronerTestCase tests[] = {
    {"/sentry/event/debug-id", test_debug_id},
    {"/sentry/event/event-id", test_event_id},
    {"/sentry/event/full", test_event},
    {"/sentry/event/no-signal", test_no_signal},
    {"/sentry/event/unsymbolized", test_unsymbolized},
    {"/sentry/event/os-release", test_os_release},
};

CORONER_TEST_MAIN(tests)
