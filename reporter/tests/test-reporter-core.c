/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the reporter's model: state file, crash list, kept backtraces,
 * words, hints, app matching, envelope display.
 */
#include <fcntl.h>
#include <signal.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coroner-app-match.h"
#include "coroner-backtrace-cache.h"
#include "coroner-backtrace-text.h"
#include "coroner-bug-tracker.h"
#include "coroner-crash-list.h"
#include "coroner-debug-hint.h"
#include "coroner-format.h"
#include "coroner-state.h"
#include "coroner-submission.h"
#include "store.h"
#include "coroner-test-record.h"
#include "coroner-test.h"

#define BOOT "f9ec52eb6b04432b83875e7ba3cc1b6b"

static char *scratch;

static char *write_record(const char *store, const char *comm, gint64 uid, gint64 pid, gint64 usec)
{
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    g_autofree char *json = NULL;
    g_autofree char *name = NULL;
    g_autofree char *path = NULL;

    r->id = coroner_entry_id(comm, uid, BOOT, pid, (uint64_t)usec);
    r->timestamp_usec = usec;
    r->boot_id = g_strdup(BOOT);
    r->hostname = g_strdup("test");
    r->process.pid = pid;
    r->process.uid = uid;
    r->process.gid = uid;
    r->process.comm = g_strdup(comm);
    r->process.exe = g_strdup("/bin/true");
    r->signal.number = 11;
    r->signal.name = g_strdup("SEGV");
    json = coroner_crash_record_to_json(r, NULL);
    name = g_strconcat(r->id, CORONER_RECORD_SUFFIX, NULL);
    path = g_build_filename(store, name, NULL);
    g_assert_true(g_file_set_contents(path, json, -1, NULL));
    return g_strdup(r->id);
}

static void test_state_roundtrip(void)
{
    g_autofree char *path = g_build_filename(scratch, "state", "reporter-state.ini", NULL);
    gint64 now = g_get_real_time();

    {
        g_autoptr(CoronerState) state = coroner_state_new(path, NULL);
        g_assert_false(coroner_state_get_seen(state, "core.a.1.b.2.3"));
        g_assert_cmpint(coroner_state_get_report(state, "core.a.1.b.2.3"), ==, CORONER_REPORT_NEW);
        coroner_state_set_seen(state, "core.a.1.b.2.3", now);
        coroner_state_set_report(state, "core.x.1.b.2.4", CORONER_REPORT_DISMISSED);
        coroner_state_set_seen(state, "core.x.1.b.2.4", now);
        coroner_state_set_note(state, "core.x.1.b.2.4", "EventId", "abc");
        g_assert_cmpuint(coroner_state_count_crash(state, "app", now), ==, 1);
        g_assert_cmpuint(coroner_state_count_crash(state, "app", now), ==, 2);
        g_assert_cmpuint(coroner_state_count_crash(state, "other", now), ==, 1);
        g_assert_false(coroner_state_was_announced(state, "app", now));
        coroner_state_set_announced(state, "app", now);
        g_assert_true(coroner_state_save(state, NULL));
    }
    {
        g_autoptr(CoronerState) state = coroner_state_new(path, NULL);
        g_autofree char *found = coroner_state_find_by_note(state, "EventId", "abc");
        g_assert_true(coroner_state_get_seen(state, "core.a.1.b.2.3"));
        g_assert_cmpint(coroner_state_get_report(state, "core.x.1.b.2.4"), ==, CORONER_REPORT_DISMISSED);
        g_assert_cmpstr(found, ==, "core.x.1.b.2.4");
        g_assert_cmpuint(coroner_state_get_count(state, "app", now), ==, 2);
        g_assert_true(coroner_state_was_announced(state, "app", now));
        g_assert_false(coroner_state_was_announced(state, "app", now - 3 * G_TIME_SPAN_DAY));
        /* Another day starts from zero. */
        g_assert_cmpuint(coroner_state_get_count(state, "app", now - 3 * G_TIME_SPAN_DAY), ==, 0);
        coroner_state_prune(state, now + 1);
        g_assert_false(coroner_state_get_seen(state, "core.a.1.b.2.3"));
    }
    /* The file is private to the user. */
    GStatBuf st;
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
}

static void test_state_damaged(void)
{
    g_autofree char *path = g_build_filename(scratch, "damaged.ini", NULL);
    g_autoptr(CoronerState) state = NULL;

    g_assert_true(g_file_set_contents(path, "[unterminated\n\x01garbage", -1, NULL));
    g_test_expect_message(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "*Ignoring unreadable*");
    state = coroner_state_new(path, NULL);
    g_test_assert_expected_messages();
    g_assert_nonnull(state);
    g_assert_false(coroner_state_get_seen(state, "x"));
}

static void test_crash_list(void)
{
    g_autofree char *store = g_build_filename(scratch, "store", NULL);
    g_autofree char *path = g_build_filename(scratch, "list-state.ini", NULL);
    gint64 now = g_get_real_time();
    uid_t me = getuid();

    g_assert_cmpint(g_mkdir(store, 0755), ==, 0);
    g_autofree char *old = write_record(store, "old", me, 100, now - 40 * G_TIME_SPAN_DAY);
    g_autofree char *a = write_record(store, "first", me, 101, now - 2 * G_TIME_SPAN_HOUR);
    g_autofree char *b = write_record(store, "second", me, 102, now - G_TIME_SPAN_HOUR);
    g_autofree char *other = write_record(store, "theirs", me + 1, 103, now - G_TIME_SPAN_HOUR);

    g_autoptr(CoronerState) state = coroner_state_new(path, NULL);
    coroner_state_set_report(state, a, CORONER_REPORT_SENT);
    g_autoptr(CoronerCrashList) list = coroner_crash_list_new(store, me, NULL, state);
    g_autoptr(GPtrArray) added = coroner_crash_list_load(list, now - 30 * G_TIME_SPAN_DAY);

    /* Only ours, only within the retention, newest first in the model, oldest first as added. */
    g_assert_cmpuint(added->len, ==, 2);
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(list)), ==, 2);
    g_autoptr(CoronerCrash) newest = g_list_model_get_item(G_LIST_MODEL(list), 0);
    g_assert_cmpstr(coroner_crash_get_id(newest), ==, b);
    g_assert_cmpstr(coroner_crash_get_comm(newest), ==, "second");
    g_assert_cmpstr(coroner_crash_get_id(g_ptr_array_index(added, 0)), ==, a);
    g_assert_cmpint(coroner_crash_get_state(coroner_crash_list_lookup(list, a)), ==, CORONER_REPORT_SENT);
    g_assert_null(coroner_crash_list_lookup(list, other));
    g_assert_null(coroner_crash_list_lookup(list, old));

    /* The record is read on demand. */
    g_assert_null(coroner_crash_peek_record(newest));
    g_assert_nonnull(coroner_crash_load(newest, NULL));
    g_assert_cmpint(coroner_crash_load(newest, NULL)->signal.number, ==, 11);

    /* A record the watcher reports: added once; other users' and foreign files are not. */
    g_autofree char *c = write_record(store, "third", me, 104, now);
    g_autofree char *c_name = g_strconcat(c, ".json", NULL);
    g_autofree char *other_name = g_strconcat(other, ".json", NULL);
    g_assert_nonnull(coroner_crash_list_add_store_record(list, c_name));
    g_assert_null(coroner_crash_list_add_store_record(list, c_name));
    g_assert_null(coroner_crash_list_add_store_record(list, other_name));
    g_assert_null(coroner_crash_list_add_store_record(list, "notes.txt"));
    g_assert_cmpuint(g_list_model_get_n_items(G_LIST_MODEL(list)), ==, 3);
    g_autoptr(CoronerCrash) first = g_list_model_get_item(G_LIST_MODEL(list), 0);
    g_assert_cmpstr(coroner_crash_get_id(first), ==, c);
}

static void test_format(void)
{
    g_autofree char *slash = coroner_unescape_comm("a\\x2fb\\x20c");
    gint64 now = g_get_real_time();
    g_autofree char *today = coroner_format_when(now, now);
    g_autofree char *yesterday = coroner_format_when(now - G_TIME_SPAN_DAY, now);
    g_autofree char *long_ago = coroner_format_when(now - 30 * G_TIME_SPAN_DAY, now);
    g_autofree char *segv = coroner_format_signal(11);

    g_assert_cmpstr(slash, ==, "a/b c");
    g_assert_true(g_str_has_prefix(today, "today at "));
    g_assert_true(g_str_has_prefix(yesterday, "yesterday at "));
    g_assert_true(g_str_has_prefix(long_ago, "on "));
    g_assert_true(g_str_has_prefix(segv, "SIGSEGV"));
    g_assert_nonnull(strstr(coroner_format_signal_reason(11), "memory"));
}

/* Labels of values: each its own, the fallback for a value without one or out of range. */
static void test_labels(void)
{
    g_assert_cmpstr(coroner_format_signal_reason(SIGBUS), ==,
                    "it tried to use memory that was no longer there");
    g_assert_cmpstr(coroner_format_signal_reason(SIGQUIT), ==, "it was asked to quit with a core dump");
    g_assert_cmpstr(coroner_format_signal_reason(SIGKILL), ==, "it received a fatal signal");
    g_assert_cmpstr(coroner_format_signal_reason(0), ==, "it received a fatal signal");
    g_assert_cmpstr(coroner_format_signal_reason(-1), ==, "it received a fatal signal");
    g_assert_cmpstr(coroner_format_signal_reason(1000), ==, "it received a fatal signal");
    g_assert_cmpstr(coroner_report_state_describe(CORONER_REPORT_QUEUED), ==, "Queued for sending");
    g_assert_cmpstr(coroner_report_state_describe(CORONER_REPORT_NEW), ==, "New");
    g_assert_cmpstr(coroner_report_state_describe((CoronerReportState)42), ==, "New");
    g_assert_cmpstr(coroner_debug_hint_quality_label(CORONER_QUALITY_GOOD), ==, "Good");
    g_assert_cmpstr(coroner_debug_hint_quality_label(CORONER_QUALITY_POOR), ==, "Poor");
    g_assert_cmpstr(coroner_debug_hint_quality_label(CORONER_QUALITY_UNKNOWN), ==,
                    "Not available yet");
}

static CoronerCrashRecord *record_with_backtrace(void)
{
    CoronerCrashRecord *r = coroner_crash_record_new();
    CoronerThread *t = coroner_test_add_thread(r, 42, "crasher", TRUE);

    coroner_test_add_frame(t, 0x1139, "crash_segv", "/usr/bin/crasher", 0x139, "/src/crasher.c",
                           63);
    coroner_test_add_frame(t, 0x7f0000001000, NULL, "/usr/lib/libfoo.so.1", 0x1000, NULL, 0);
    coroner_test_add_thread(r, 43, "worker", FALSE);
    coroner_test_add_module(r, "/usr/lib/libfoo.so.1", NULL, 0, 0)->has_debug_info = FALSE;
    coroner_test_add_module(r, "/usr/bin/crasher", NULL, 0, 0)->has_debug_info = TRUE;
    r->backtrace_quality = 0.5;
    return r;
}

static void test_backtrace_text(void)
{
    g_autoptr(CoronerCrashRecord) r = record_with_backtrace();
    g_autofree char *text = coroner_backtrace_text_thread(g_ptr_array_index(r->threads, 0));
    g_autofree char *heading = coroner_backtrace_text_heading(g_ptr_array_index(r->threads, 0));
    g_autofree char *all = coroner_backtrace_text_all(r);

    g_assert_cmpstr(text, ==,
                    "#0  0x0000000000001139 crash_segv (crasher + 0x139) at crasher.c:63\n"
                    "#1  0x00007f0000001000 ?? (libfoo.so.1 + 0x1000)");
    g_assert_cmpstr(heading, ==, "Thread 42 (crasher), crashed");
    g_assert_nonnull(strstr(all, "Thread 43 (worker)"));
}

static void test_debug_hint(void)
{
    g_autoptr(CoronerCrashRecord) r = record_with_backtrace();
    g_auto(GStrv) missing = coroner_debug_hint_missing_modules(r);
    g_autofree char *package = coroner_debug_hint_parse_dpkg("libfoo1:amd64: /usr/lib/libfoo.so.1\n");
    g_autofree char *plain = coroner_debug_hint_parse_dpkg("coreutils: /bin/true\n");

    g_assert_cmpuint(g_strv_length(missing), ==, 1);
    g_assert_cmpstr(missing[0], ==, "/usr/lib/libfoo.so.1");
    g_assert_cmpstr(package, ==, "libfoo1");
    g_assert_cmpstr(plain, ==, "coreutils");
    g_assert_null(coroner_debug_hint_parse_dpkg("dpkg-query: no path found matching pattern /x\n"));
    g_assert_null(coroner_debug_hint_parse_dpkg("diversion by foo from: /x\n"));
    g_assert_cmpint(coroner_debug_hint_quality(r), ==, CORONER_QUALITY_PARTIAL);
    r->backtrace_quality = 0.9;
    g_assert_cmpint(coroner_debug_hint_quality(r), ==, CORONER_QUALITY_GOOD);
    r->backtrace_quality = -1;
    g_ptr_array_set_size(r->threads, 0);
    g_assert_cmpint(coroner_debug_hint_quality(r), ==, CORONER_QUALITY_UNKNOWN);
}

static void test_app_match(void)
{
    g_autoptr(CoronerAppMatch) desktop = NULL;
    g_autoptr(CoronerAppMatch) by_id = NULL;
    g_autoptr(CoronerAppMatch) unknown = NULL;

    g_autofree char *exe = g_build_filename(scratch, "bin", "frobnicator", NULL);

    coroner_app_match_reset();
    desktop = coroner_app_match(NULL, NULL, exe, "frobnicator");
    g_assert_cmpstr(desktop->name, ==, "Frobnicator Deluxe");
    g_assert_cmpstr(desktop->icon_name, ==, "frob-icon");
    g_assert_cmpstr(desktop->key, ==, "org.example.Frob");
    by_id = coroner_app_match("org.example.Frob", NULL, NULL, NULL);
    g_assert_cmpstr(by_id->name, ==, "Frobnicator Deluxe");
    unknown = coroner_app_match(NULL, NULL, "/opt/x/bin/mystery", "mystery");
    g_assert_cmpstr(unknown->name, ==, "mystery");
    g_assert_cmpstr(unknown->key, ==, "/opt/x/bin/mystery");
    g_assert_cmpstr(unknown->icon_name, ==, "application-x-executable");
}

/* A backtrace of one thread whose innermost frame is function, at quality. */
static void set_backtrace(CoronerCrashRecord *r, const char *function, double quality)
{
    g_ptr_array_set_size(r->threads, 0);
    CoronerThread *thread = coroner_test_add_thread(r, r->process.pid, "crasher", TRUE);
    coroner_test_add_frame(thread, 0x1139, function, "/bin/true", 0, NULL, 0);
    g_free(r->signature);
    r->signature = g_strdup_printf("signature of %s", function);
    r->backtrace_quality = quality;
}

static const char *innermost_function(const CoronerCrashRecord *r)
{
    const CoronerThread *thread;
    const CoronerFrame *frame;

    g_assert_cmpuint(r->threads->len, >, 0);
    thread = g_ptr_array_index(r->threads, 0);
    g_assert_cmpuint(thread->frames->len, >, 0);
    frame = g_ptr_array_index(thread->frames, 0);
    return frame->function;
}

/* The record id of store, read back. */
static CoronerCrashRecord *load_stored(const char *store, const char *id)
{
    g_autofree char *name = g_strconcat(id, ".json", NULL);
    g_autofree char *path = g_build_filename(store, name, NULL);
    CoronerCrashRecord *r = coroner_crash_record_load_at(AT_FDCWD, path, NULL);
    g_assert_nonnull(r);
    return r;
}

/* A new store called name under scratch, with a record of a crasher (pid, at usec): its id in
 * *ret_id. */
static char *store_with_crash(const char *name, gint64 pid, gint64 usec, char **ret_id)
{
    char *store = g_build_filename(scratch, name, NULL);
    g_assert_cmpint(g_mkdir(store, 0755), ==, 0);
    *ret_id = write_record(store, "crasher", getuid(), pid, usec);
    return store;
}

static void test_backtrace_cache(void)
{
    gint64 now = g_get_real_time();
    g_autofree char *id = NULL;
    g_autofree char *store = store_with_crash("cache-store", 200, now, &id);
    g_autofree char *other_id = write_record(store, "crasher", getuid(), 201, now);
    g_autofree char *dir = g_build_filename(scratch, "kept", "backtraces", NULL);
    g_autofree char *file = g_strconcat(dir, G_DIR_SEPARATOR_S, id, ".json", NULL);
    g_autoptr(GError) error = NULL;
    struct stat st;

    /* Nothing kept yet: the record keeps its own backtrace, and that is no error. */
    g_autoptr(CoronerCrashRecord) record = load_stored(store, id);
    set_backtrace(record, "??", 0.2);
    g_assert_false(coroner_backtrace_cache_apply(dir, record, &error));
    g_assert_no_error(error);

    /* Kept: a private file under the record id, holding the backtrace and nothing of the process. */
    set_backtrace(record, "better_function", 0.9);
    g_free(record->process.environ);
    record->process.environ = g_strdup("SECRET=1");
    g_assert_true(coroner_backtrace_cache_save(dir, record, &error));
    g_assert_no_error(error);
    g_assert_cmpint(g_lstat(file, &st), ==, 0);
    g_assert_true(S_ISREG(st.st_mode));
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    {
        g_autofree char *data = NULL;
        g_assert_true(g_file_get_contents(file, &data, NULL, NULL));
        g_assert_nonnull(strstr(data, "better_function"));
        g_assert_null(strstr(data, "SECRET"));
    }

    /* Applied to a fresh copy of the record: the kept backtrace wins. */
    {
        g_autoptr(CoronerCrashRecord) fresh = load_stored(store, id);
        set_backtrace(fresh, "??", 0.2);
        g_assert_true(coroner_backtrace_cache_apply(dir, fresh, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(innermost_function(fresh), ==, "better_function");
        g_assert_cmpfloat(fresh->backtrace_quality, ==, 0.9);
        g_assert_cmpstr(fresh->signature, ==, "signature of better_function");
        /* What crashed stays the store's. */
        g_assert_cmpint(fresh->signal.number, ==, 11);
        g_assert_null(fresh->process.environ);
    }

    /* Another crash is not affected. */
    {
        g_autoptr(CoronerCrashRecord) other = coroner_crash_record_new();
        other->id = g_strdup(other_id);
        set_backtrace(other, "??", 0.2);
        g_assert_false(coroner_backtrace_cache_apply(dir, other, &error));
        g_assert_no_error(error);
        g_assert_cmpstr(innermost_function(other), ==, "??");
    }

    /* A file naming another crash inside, a damaged file, a symlink: refused, the record untouched. */
    {
        g_autoptr(CoronerCrashRecord) other = coroner_crash_record_new();
        g_autofree char *other_file = g_strconcat(dir, "/", other_id, ".json", NULL);
        g_autofree char *target = g_build_filename(scratch, "elsewhere.json", NULL);
        g_autofree char *data = NULL;

        other->id = g_strdup(other_id);
        set_backtrace(other, "??", 0.2);
        g_assert_true(g_file_get_contents(file, &data, NULL, NULL));
        g_assert_true(g_file_set_contents(other_file, data, -1, NULL));
        g_assert_false(coroner_backtrace_cache_apply(dir, other, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        g_clear_error(&error);
        g_assert_true(g_file_set_contents(other_file, "{\"schema\": ", -1, NULL));
        g_assert_false(coroner_backtrace_cache_apply(dir, other, &error));
        g_assert_nonnull(error);
        g_clear_error(&error);
        g_assert_cmpint(g_unlink(other_file), ==, 0);
        g_assert_true(g_file_set_contents(target, data, -1, NULL));
        g_assert_cmpint(symlink(target, other_file), ==, 0);
        g_assert_false(coroner_backtrace_cache_apply(dir, other, &error));
        g_assert_nonnull(error);
        g_clear_error(&error);
        g_assert_cmpstr(innermost_function(other), ==, "??");
        /* Saving replaces the symlink; the file it pointed to is left alone. */
        set_backtrace(other, "other_function", 0.8);
        g_assert_true(coroner_backtrace_cache_save(dir, other, &error));
        g_assert_no_error(error);
        g_assert_cmpint(g_lstat(other_file, &st), ==, 0);
        g_assert_true(S_ISREG(st.st_mode));
        g_free(data);
        g_assert_true(g_file_get_contents(target, &data, NULL, NULL));
        g_assert_null(strstr(data, "other_function"));
    }

    /* A directory someone else can write to is not trusted. */
    g_assert_cmpint(g_chmod(dir, 0777), ==, 0);
    g_assert_false(coroner_backtrace_cache_apply(dir, record, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
    g_clear_error(&error);
    g_assert_cmpint(g_chmod(dir, 0700), ==, 0);

    /* Ids that would not make a plain file name are not kept. */
    {
        g_autoptr(CoronerCrashRecord) odd = coroner_crash_record_new();
        odd->id = g_strdup("core.a/../../x.1000." BOOT ".1.2");
        set_backtrace(odd, "f", 1.0);
        g_assert_false(coroner_backtrace_cache_save(dir, odd, &error));
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
        g_clear_error(&error);
    }

    /* Forgotten with the crash: by id, and when the crash leaves the retention period. */
    coroner_backtrace_cache_forget(dir, other_id);
    {
        g_autofree char *other_file = g_strconcat(dir, "/", other_id, ".json", NULL);
        g_assert_false(g_file_test(other_file, G_FILE_TEST_EXISTS));
    }
    g_assert_cmpuint(coroner_backtrace_cache_prune(dir, now), ==, 0);
    g_assert_true(g_file_test(file, G_FILE_TEST_EXISTS));
    g_assert_cmpuint(coroner_backtrace_cache_prune(dir, now + 1), ==, 1);
    g_assert_false(g_file_test(file, G_FILE_TEST_EXISTS));
}

/* The crash the reporter shows, reviews and sends carries the kept backtrace (the default directory). */
static void test_crash_uses_kept_backtrace(void)
{
    gint64 now = g_get_real_time();
    g_autofree char *id = NULL;
    g_autofree char *store = store_with_crash("kept-store", 300, now, &id);
    g_autofree char *config_dir = g_build_filename(scratch, "config", "coroner", NULL);
    g_autofree char *conf = g_build_filename(config_dir, "reporting.conf", NULL);
    g_autofree char *dsn = NULL;
    g_autofree char *envelope_text = NULL;
    g_autoptr(CoronerCrashRecord) better = NULL;
    g_autoptr(CoronerCrash) crash = NULL;
    g_autoptr(CoronerSubmission) submission = NULL;
    g_autoptr(GBytes) envelope = NULL;
    g_autoptr(GError) error = NULL;
    const CoronerCrashRecord *record;

    better = load_stored(store, id);
    set_backtrace(better, "better_function", 0.9);
    g_assert_true(coroner_backtrace_cache_save(NULL, better, &error));
    g_assert_no_error(error);

    crash = coroner_crash_new_from_store(store, id, now, 300);
    record = coroner_crash_load(crash, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(innermost_function(record), ==, "better_function");

    g_assert_cmpint(g_mkdir_with_parents(config_dir, 0700), ==, 0);
    g_assert_true(g_file_set_contents(
        conf, "[Sentry]\nDSN=http://" CORONER_TEST_SENTRY_KEY "@127.0.0.1:9/7\n", -1, NULL));
    submission = coroner_submission_new(&error);
    g_assert_no_error(error);
    dsn = coroner_submission_resolve_dsn(submission, record, NULL, &error);
    g_assert_no_error(error);
    envelope = coroner_submission_build(submission, record, NULL, dsn, NULL, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    envelope_text = g_strndup(g_bytes_get_data(envelope, NULL), g_bytes_get_size(envelope));
    g_assert_nonnull(strstr(envelope_text, "better_function"));

    /* A comment after sending is feedback on that event: no event item, its id associated. */
    {
        g_autoptr(CoronerSubmissionContents) sent = coroner_submission_contents(envelope);
        g_autoptr(GBytes) feedback =
            coroner_submission_build_feedback(submission, record, dsn, sent->event_id, "Added later", NULL, &error);
        g_autofree char *associated = g_strdup_printf("\"associated_event_id\":\"%s\"", sent->event_id);
        g_autofree char *text = NULL;

        g_assert_no_error(error);
        text = g_strndup(g_bytes_get_data(feedback, NULL), g_bytes_get_size(feedback));
        g_assert_nonnull(strstr(text, associated));
        g_assert_nonnull(strstr(text, "Added later"));
        g_assert_null(strstr(text, "\"type\":\"event\""));
    }

    /* An attachment the user switched off is not in the bytes sent. */
    {
        g_autoptr(CoronerCrashRecord) hooked = record_with_backtrace();
        const char *names[] = {"log.txt", "state.bin"};
        const char *skip[] = {"state.bin", NULL};
        g_autoptr(GBytes) both = NULL;
        g_autoptr(GBytes) one = NULL;

        hooked->signal.number = 11;
        hooked->app = coroner_app_info_new();
        for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
            CoronerBuffer *buffer = g_new0(CoronerBuffer, 1);
            buffer->name = g_strdup(names[i]);
            buffer->is_text = i == 0;
            buffer->data = g_bytes_new_static("0123456789", 10);
            g_ptr_array_add(hooked->app->buffers, buffer);
        }
        both = coroner_submission_build(submission, hooked, NULL, dsn, NULL, NULL, NULL, NULL, &error);
        g_assert_no_error(error);
        one = coroner_submission_build(submission, hooked, NULL, dsn, NULL, NULL, skip, NULL, &error);
        g_assert_no_error(error);
        g_autoptr(CoronerSubmissionContents) all = coroner_submission_contents(both);
        g_autoptr(CoronerSubmissionContents) kept = coroner_submission_contents(one);
        g_assert_cmpuint(all->attachments->len, ==, 2);
        g_assert_cmpuint(kept->attachments->len, ==, 1);
        g_assert_cmpstr(((CoronerSubmissionAttachment *)kept->attachments->pdata[0])->filename, ==, "log.txt");
        g_assert_cmpuint(((CoronerSubmissionAttachment *)all->attachments->pdata[1])->size, ==, 10);
    }
}

static void test_describe_envelope(void)
{
    static const char envelope[] =
        "{\"event_id\":\"0123\",\"dsn\":\"http://" CORONER_TEST_SENTRY_KEY "@h/1\"}\n"
        "{\"type\":\"event\",\"length\":25}\n"
        "{\"message\":\"hello\",\"n\":1}\n"
        "{\"type\":\"attachment\",\"length\":5,\"filename\":\"log.txt\"}\n"
        "vwxyz\n";
    g_autoptr(GBytes) bytes = g_bytes_new_static(envelope, strlen(envelope));
    g_autofree char *text = coroner_submission_describe(bytes);

    g_assert_nonnull(strstr(text, "\"event_id\" : \"0123\""));
    g_assert_nonnull(strstr(text, "Item: event"));
    g_assert_nonnull(strstr(text, "\"message\" : \"hello\""));
    g_assert_nonnull(strstr(text, "Attachment: log.txt (5 bytes)"));
    g_assert_null(strstr(text, "vwxyz"));

    g_autoptr(CoronerSubmissionContents) contents = coroner_submission_contents(bytes);
    g_assert_cmpstr(contents->event_id, ==, "0123");
    g_assert_cmpuint(contents->attachments->len, ==, 1);
    g_assert_cmpstr(((CoronerSubmissionAttachment *)contents->attachments->pdata[0])->filename, ==, "log.txt");
    g_assert_cmpuint(((CoronerSubmissionAttachment *)contents->attachments->pdata[0])->size, ==, 5);
}

/* The review page names where a report goes: the host (its port when not the scheme's) and the project. */
static void test_dsn_host(void)
{
    g_autofree char *project = NULL;
    g_autofree char *host = coroner_submission_dsn_host(
        "https://" CORONER_TEST_SENTRY_KEY "@o1.ingest.example.org/42", &project);
    g_autofree char *local =
        coroner_submission_dsn_host("http://" CORONER_TEST_SENTRY_KEY "@127.0.0.1:9000/7", NULL);

    g_assert_cmpstr(host, ==, "o1.ingest.example.org");
    g_assert_cmpstr(project, ==, "42");
    g_assert_cmpstr(local, ==, "127.0.0.1:9000");
    g_assert_null(coroner_submission_dsn_host("not a dsn", NULL));
}

/* Only web and mail addresses from a crashed program are opened; a bare address becomes mailto:. */
static void test_bug_tracker_check(void)
{
    g_autofree char *web = coroner_bug_tracker_check(" https://bugs.example.org/new ");
    g_autofree char *mail = coroner_bug_tracker_check("bugs@example.org");

    g_assert_cmpstr(web, ==, "https://bugs.example.org/new");
    g_assert_cmpstr(mail, ==, "mailto:bugs@example.org");
    g_assert_null(coroner_bug_tracker_check("file:///etc/passwd"));
    g_assert_null(coroner_bug_tracker_check("javascript:alert(1)"));
    g_assert_null(coroner_bug_tracker_check("https://x.example.org/a b"));
    g_assert_null(coroner_bug_tracker_check(NULL));
}

static const CoronerTestCase tests[] = {
    {"/reporter/state/roundtrip", test_state_roundtrip},
    {"/reporter/state/damaged", test_state_damaged},
    {"/reporter/crash-list/load-and-watch", test_crash_list},
    {"/reporter/backtrace-cache", test_backtrace_cache},
    {"/reporter/backtrace-cache/crash", test_crash_uses_kept_backtrace},
    {"/reporter/format", test_format},
    {"/reporter/labels", test_labels},
    {"/reporter/backtrace-text", test_backtrace_text},
    {"/reporter/debug-hint", test_debug_hint},
    {"/reporter/app-match", test_app_match},
    {"/reporter/describe-envelope", test_describe_envelope},
    {"/reporter/dsn-host", test_dsn_host},
    {"/reporter/bug-tracker-check", test_bug_tracker_check},
};

int main(int argc, char **argv)
{
    g_autofree char *apps = NULL;
    g_autofree char *desktop = NULL;

    g_setenv("LANGUAGE", "C", TRUE);
    g_setenv("LC_ALL", "C.UTF-8", TRUE);
    scratch = coroner_test_tmpdir_new("reporter-test-XXXXXX");
    apps = g_build_filename(scratch, "data", "applications", NULL);
    g_mkdir_with_parents(apps, 0755);
    desktop = g_build_filename(apps, "org.example.Frob.desktop", NULL);
    {
        /* GIO ignores applications whose program does not exist. */
        g_autofree char *bin = g_build_filename(scratch, "bin", NULL);
        g_autofree char *exe = g_build_filename(bin, "frobnicator", NULL);
        g_autofree char *entry = g_strdup_printf("[Desktop Entry]\nType=Application\nName=Frobnicator Deluxe\n"
                                                 "Exec=%s --new-window %%U\nIcon=frob-icon\n", exe);
        g_mkdir_with_parents(bin, 0755);
        g_file_set_contents(exe, "#!/bin/sh\n", -1, NULL);
        g_chmod(exe, 0755);
        g_file_set_contents(desktop, entry, -1, NULL);
    }
    {
        g_autofree char *data_dir = g_build_filename(scratch, "data", NULL);
        g_setenv("XDG_DATA_DIRS", data_dir, TRUE);
        g_setenv("XDG_DATA_HOME", data_dir, TRUE);
    }

    {
        /* Kept backtraces, reporting.conf and the outbox, in the scratch directory. */
        g_autofree char *cache = g_build_filename(scratch, "cache", NULL);
        g_autofree char *config = g_build_filename(scratch, "config", NULL);
        g_autofree char *state = g_build_filename(scratch, "xdg-state", NULL);
        g_setenv("XDG_CACHE_HOME", cache, TRUE);
        g_setenv("XDG_CONFIG_HOME", config, TRUE);
        g_setenv("XDG_STATE_HOME", state, TRUE);
    }

    int status = coroner_test_run(&argc, &argv, tests, G_N_ELEMENTS(tests));
    coroner_test_remove_tree(scratch);
    return status;
}
