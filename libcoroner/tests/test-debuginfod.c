/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * debuginfod against a real server: a stripped copy of crash-c whose debug
 * file only a local `debuginfod` (Debian's package, on 127.0.0.1 and a free
 * port, stopped by PID at the end) can provide.  Unsymbolized without it,
 * symbolized with it, and back within the time budget when the server
 * refuses connections or accepts them and never answers.
 */
#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symbolize.h"
#include "test-util.h"
#include "coroner-test.h"

static char *stripped; /* the stripped program */
static char *stripped_core;
static int stripped_pid;
static char *build_id; /* of the stripped program */
static GPid server_pid;
static guint16 server_port;

static gboolean run(const char *const *argv)
{
    int status;
    g_autoptr(GError) error = NULL;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                      &status, &error))
        return FALSE;
    return g_spawn_check_wait_status(status, NULL);
}

static guint16 free_port(void)
{
    g_autoptr(GSocket) s =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
    g_assert_true(g_socket_bind(s, any, FALSE, NULL));
    g_autoptr(GSocketAddress) bound = g_socket_get_local_address(s, NULL);
    return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

/* The HTTP status of GET path on 127.0.0.1:port, 0 when it cannot connect. */
static int http_status(guint16 port, const char *path)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_socket_client_set_timeout(client, 2);
    g_autoptr(GSocketConnection) c =
        g_socket_client_connect_to_host(client, "127.0.0.1", port, NULL, NULL);
    if (!c)
        return 0;
    g_autofree char *request = g_strdup_printf("GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(c));
    if (!g_output_stream_write_all(out, request, strlen(request), NULL, NULL, NULL))
        return 0;
    char line[64] = {0};
    gsize n = 0;
    GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(c));
    if (!g_input_stream_read_all(in, line, sizeof line - 1, &n, NULL, NULL) || n < 12)
        return 0;
    return atoi(line + 9);
}

static unsigned cache_counter;
static char *caches;

static void remove_caches(void)
{
    const char *argv[] = {"rm", "-rf", caches, NULL};
    if (caches)
        run(argv);
}

static const char *caches_dir(void)
{
    if (!caches) {
        caches = g_dir_make_tmp("coroner-debuginfod-caches-XXXXXX", NULL);
        g_assert_nonnull(caches);
        g_assert_cmpint(chmod(caches, 0755), ==, 0);
        atexit(remove_caches);
    }
    return caches;
}

/* The server must not outlive a test that aborts. */
static void die_with_parent(gpointer data)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
}

static gboolean setup(void)
{
    if (stripped)
        return TRUE;
    g_autofree char *debuginfod = g_find_program_in_path("debuginfod");
    g_autofree char *objcopy = g_find_program_in_path("objcopy");
    if (!debuginfod || !objcopy) {
        g_test_skip("needs debuginfod (Debian package) and objcopy");
        return FALSE;
    }
    /* The debug file goes where only the server looks; the program loses all symbols. */
    g_autofree char *served = g_build_filename(test_tmpdir(), "served", NULL);
    g_assert_cmpint(g_mkdir_with_parents(served, 0700), ==, 0);
    g_autofree char *debug = g_build_filename(served, "crash-c.debug", NULL);
    /* Readable by the sandbox's user (nobody), as a user's own program is to them. */
    stripped = g_build_filename(caches_dir(), "crash-c-stripped", NULL);
    const char *keep[] = {"objcopy", "--only-keep-debug", test_path("CRASH_C"), debug, NULL};
    const char *strip[] = {"objcopy", "--strip-all", test_path("CRASH_C"), stripped, NULL};
    g_assert_true(run(keep));
    g_assert_true(run(strip));

    stripped_core = test_make_core("stripped-segv", &stripped_pid, stripped, "segv", NULL);

    /* Its build-id, from the unstripped symbolization of the core. */
    g_autoptr(CoronerCrashRecord) r = test_symbolize(stripped_core, stripped, stripped_pid);
    for (guint i = 0; i < r->modules->len; i++) {
        const CoronerModule *m = r->modules->pdata[i];
        if (m->path && g_str_has_suffix(m->path, "crash-c-stripped"))
            build_id = g_strdup(m->build_id);
    }
    g_assert_nonnull(build_id);

    server_port = free_port();
    g_autofree char *port = g_strdup_printf("%u", server_port);
    g_autofree char *db = g_build_filename(test_tmpdir(), "debuginfod.sqlite", NULL);
    const char *argv[] = {debuginfod, "-F", "-p", port, "-d", db,     "-t",
                          "0",        "-g", "0",  "-c", "1",  served, NULL};
    g_assert_true(g_spawn_async(NULL, (char **)argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                                    G_SPAWN_STDERR_TO_DEV_NULL,
                                die_with_parent, NULL, &server_pid, NULL));
    g_autofree char *path = g_strdup_printf("/buildid/%s/debuginfo", build_id);
    for (int i = 0; i < 300; i++) {
        if (http_status(server_port, path) == 200)
            return TRUE;
        g_usleep(100 * 1000);
    }
    g_error("debuginfod on port %u did not serve %s within 30 s", server_port, path);
    return FALSE;
}

static void stop_server(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
        g_spawn_close_pid(server_pid);
        server_pid = 0;
    }
}

/* Symbolizes the stripped core with DEBUGINFOD_URLS=urls (NULL: unset) and a fresh client cache. */
static CoronerCrashRecord *symbolize_with(const char *urls, gboolean enable, unsigned budget_ms,
                                          gboolean sandboxed, gint64 *ret_ms)
{
    /* A fresh client cache each time, which the sandbox's user (nobody) can write. */
    g_autofree char *cache_name = g_strdup_printf("cache-%u", cache_counter++);
    g_autofree char *cache = g_build_filename(caches_dir(), cache_name, NULL);
    g_assert_cmpint(g_mkdir_with_parents(cache, 0700), ==, 0);
    if (geteuid() == 0)
        g_assert_cmpint(chown(cache, 65534, 65534), ==, 0);
    g_setenv("DEBUGINFOD_CACHE_PATH", cache, TRUE);
    if (urls)
        g_setenv("DEBUGINFOD_URLS", urls, TRUE);
    else
        g_unsetenv("DEBUGINFOD_URLS");
    CoronerSymbolizeOptions o;
    coroner_symbolize_options_init(&o);
    g_assert_cmpint(o.debuginfod, ==, urls != NULL);
    o.debuginfod = enable;
    o.debuginfod_timeout_ms = budget_ms;
    CoronerCrashRecord *r = coroner_crash_record_new();
    r->process.tid = stripped_pid;
    int fd = open(stripped_core, O_RDONLY | O_CLOEXEC);
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();
    gboolean ok = sandboxed ? coroner_symbolize_sandboxed(fd, stripped, &o, 65534, 65534, r, &error)
                            : coroner_symbolize_core_fd(fd, stripped, &o, r, &error);
    *ret_ms = (g_get_monotonic_time() - start) / 1000;
    close(fd);
    g_assert_no_error(error);
    g_assert_true(ok);
    /* The caller's environment is as it was. */
    g_assert_cmpstr(g_getenv("DEBUGINFOD_URLS"), ==, urls);
    return r;
}

static const CoronerModule *stripped_module(const CoronerCrashRecord *r)
{
    for (guint i = 0; i < r->modules->len; i++) {
        const CoronerModule *m = r->modules->pdata[i];
        if (m->path && g_str_has_suffix(m->path, "crash-c-stripped"))
            return m;
    }
    g_assert_not_reached();
    return NULL;
}

static void assert_unsymbolized(const CoronerCrashRecord *r)
{
    const CoronerThread *t = r->threads->pdata[0];
    g_assert_null(((CoronerFrame *)t->frames->pdata[0])->function);
    const CoronerModule *m = stripped_module(r);
    g_assert_false(m->has_debug_info);
    g_assert_cmpstr(m->build_id, ==, build_id);
}

static void test_without(void)
{
    if (!setup())
        return;
    g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u", server_port);
    gint64 ms;
    /* Not enabled: nothing is asked, even with DEBUGINFOD_URLS set. */
    g_autoptr(CoronerCrashRecord) off = symbolize_with(url, FALSE, 5000, FALSE, &ms);
    assert_unsymbolized(off);
    g_autoptr(CoronerCrashRecord) unset = symbolize_with(NULL, FALSE, 5000, FALSE, &ms);
    assert_unsymbolized(unset);
    g_test_message("without debuginfod: quality %.2f", unset->backtrace_quality);
}

static void test_with(void)
{
    if (!setup())
        return;
    g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u", server_port);
    for (int sandboxed = 0; sandboxed <= 1; sandboxed++) {
        gint64 ms;
        g_autoptr(CoronerCrashRecord) r = symbolize_with(url, TRUE, 10000, sandboxed, &ms);
        const CoronerThread *t = r->threads->pdata[0];
        test_assert_frame(t, 0, "crash_write", "crash-c.c",
                          test_mark_line("CRASH_C_SOURCE", "crash_write"), FALSE);
        test_assert_frame(t, 1, "inlined_helper", "crash-c.c", 0, TRUE);
        test_assert_frame(t, 2, "outer_function", "crash-c.c", 0, FALSE);
        g_assert_true(stripped_module(r)->has_debug_info);
        g_assert_cmpfloat(r->backtrace_quality, >, 0.9);
        g_test_message("with debuginfod%s: %" G_GINT64_FORMAT " ms, quality %.2f",
                       sandboxed ? " (sandboxed)" : "", ms, r->backtrace_quality);
    }
}

/* A port nobody listens on: connection refused, at once. */
static void test_refused(void)
{
    if (!setup())
        return;
    g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u", free_port());
    gint64 ms;
    g_autoptr(CoronerCrashRecord) r = symbolize_with(url, TRUE, 2000, FALSE, &ms);
    assert_unsymbolized(r);
    g_test_message("refused: %" G_GINT64_FORMAT " ms", ms);
    g_assert_cmpint(ms, <, 2000 + 1000);
}

/* A server that accepts and never answers: the budget, not the server, decides. */
typedef struct {
    GSocket *listener;
    GPtrArray *held;
    volatile gint stop;
} Tarpit;

static gpointer tarpit_thread(gpointer data)
{
    Tarpit *t = data;
    while (!g_atomic_int_get(&t->stop)) {
        GSocket *s = g_socket_accept(t->listener, NULL, NULL);
        if (s)
            g_ptr_array_add(t->held, s);
    }
    return NULL;
}

static void test_hanging(void)
{
    if (!setup())
        return;
    Tarpit tarpit = {.held = g_ptr_array_new_with_free_func(g_object_unref)};
    tarpit.listener =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
    g_assert_true(g_socket_bind(tarpit.listener, any, TRUE, NULL));
    g_assert_true(g_socket_listen(tarpit.listener, NULL));
    g_socket_set_timeout(tarpit.listener, 1);
    g_autoptr(GSocketAddress) bound = g_socket_get_local_address(tarpit.listener, NULL);
    guint16 port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    GThread *thread = g_thread_new("tarpit", tarpit_thread, &tarpit);

    g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u", port);
    for (int sandboxed = 0; sandboxed <= 1; sandboxed++) {
        gint64 ms;
        g_autoptr(CoronerCrashRecord) r = symbolize_with(url, TRUE, 1500, sandboxed, &ms);
        assert_unsymbolized(r);
        g_test_message("hanging server%s: %" G_GINT64_FORMAT " ms for a 1500 ms budget",
                       sandboxed ? " (sandboxed)" : "", ms);
        g_assert_cmpint(ms, <, 1500 + 1500);
    }
    g_atomic_int_set(&tarpit.stop, 1);
    g_thread_join(thread);
    g_object_unref(tarpit.listener);
    g_ptr_array_unref(tarpit.held);
}

static const CoronerTestCase tests[] = {
    {"/debuginfod/without", test_without},
    {"/debuginfod/with", test_with},
    {"/debuginfod/refused", test_refused},
    {"/debuginfod/hanging", test_hanging},
};

int main(int argc, char **argv)
{
    int r = coroner_test_run(&argc, &argv, tests, G_N_ELEMENTS(tests));
    stop_server();
    return r;
}
