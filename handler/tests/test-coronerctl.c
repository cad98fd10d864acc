/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for coronerctl's parts that need no store: times, short ids and
 * lookups, matches, and reading systemd-coredump's journal fields.
 * coronerctl-time.c and coronerctl-match.c are compiled in.
 */
#include <glib.h>
#include <string.h>

#include "coronerctl-format.h"
#include "coronerctl-match.h"
#include "coronerctl-time.h"
#include "crash-index.h"
#include "journal-reader.h"
#include "coroner-test.h"

static GDateTime *fixed_now(void)
{
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    return g_date_time_new(utc, 2026, 11, 22, 15, 30, 45);
}

static int64_t utc_usec(int y, int mo, int d, int h, int mi, int s)
{
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    g_autoptr(GDateTime) t = g_date_time_new(utc, y, mo, d, h, mi, s);
    return g_date_time_to_unix(t) * G_USEC_PER_SEC;
}

static void test_time(void)
{
    g_autoptr(GDateTime) now = fixed_now();
    int64_t now_usec = g_date_time_to_unix(now) * G_USEC_PER_SEC;
    static const struct {
        const char *text;
        int64_t offset_from_now; /* µs, or INT64_MIN when absolute is used */
        int y, mo, d, h, mi, s;
    } cases[] = {
        {"now", 0},
        {"-1h", -G_TIME_SPAN_HOUR},
        {"+30min", 30 * G_TIME_SPAN_MINUTE},
        {"-2d 3h", -(2 * G_TIME_SPAN_DAY + 3 * G_TIME_SPAN_HOUR)},
        {"1h30min ago", -(90 * G_TIME_SPAN_MINUTE)},
        {"-90", -90 * G_TIME_SPAN_SECOND},
        {"today", INT64_MIN, 2026, 11, 22, 0, 0, 0},
        {"yesterday", INT64_MIN, 2026, 11, 21, 0, 0, 0},
        {"tomorrow", INT64_MIN, 2026, 11, 23, 0, 0, 0},
        {"2026-11-20 10:00", INT64_MIN, 2026, 11, 20, 10, 0, 0},
        {"2026-11-20 10:00:07", INT64_MIN, 2026, 11, 20, 10, 0, 7},
        {"2026-11-20", INT64_MIN, 2026, 11, 20, 0, 0, 0},
        {"08:15", INT64_MIN, 2026, 11, 22, 8, 15, 0},
        {"2026-11-20T10:00:00+01:00", INT64_MIN, 2026, 11, 20, 9, 0, 0},
        {"@1795346065", INT64_MIN, 2026, 11, 22, 11, 14, 25},
    };
    /* The local zone of these tests is UTC (meson sets TZ). */
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        int64_t got = 0;
        g_autoptr(GError) error = NULL;
        g_assert_true(ctl_parse_time(cases[i].text, now, &got, &error));
        g_assert_no_error(error);
        int64_t want = cases[i].offset_from_now == INT64_MIN
                           ? utc_usec(cases[i].y, cases[i].mo, cases[i].d, cases[i].h,
                                      cases[i].mi, cases[i].s)
                           : now_usec + cases[i].offset_from_now;
        if (got != want)
            g_error("%s: got %" G_GINT64_FORMAT ", want %" G_GINT64_FORMAT, cases[i].text, got,
                    want);
    }
    static const char *const bad[] = {"", "soon", "-1 fortnight", "2026-13-01", "10:00 pm",
                                      "-", "@", "@x"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        int64_t got;
        g_autoptr(GError) error = NULL;
        g_assert_false(ctl_parse_time(bad[i], now, &got, &error));
        g_assert_nonnull(error);
    }
}

static void test_short_id_lengths(void)
{
    const char *hashes[] = {
        "aaaaaaaa11", "aaaaaaaa12", "aaaaaaab00", "bbbbbbbbbb", "aaaaaaaa1200",
    };
    g_autofree guint *len = coroner_short_id_lengths(hashes, G_N_ELEMENTS(hashes), 8);
    g_assert_cmpuint(len[0], ==, 10);  /* shares 9 with aaaaaaaa12 */
    g_assert_cmpuint(len[1], ==, 10);  /* shares all 10 with aaaaaaaa1200: the whole hash */
    g_assert_cmpuint(len[2], ==, 8);   /* shares 7 */
    g_assert_cmpuint(len[3], ==, 8);
    g_assert_cmpuint(len[4], ==, 11);
    /* An id that is a prefix of another cannot be lengthened past its end. */
    g_assert_cmpuint(len[1], >, strlen(hashes[1]) - 1);
}

static CoronerCrashEntry *fake_entry(const char *id, int64_t pid, const char *comm,
                                     const char *exe, int signal, int64_t usec)
{
    CoronerCrashEntry *e = g_new0(CoronerCrashEntry, 1);
    e->id = g_strdup(id);
    e->record = coroner_crash_record_new();
    e->record->id = g_strdup(id);
    e->record->process.pid = pid;
    e->record->process.uid = 1000;
    e->record->process.comm = g_strdup(comm);
    e->record->process.exe = g_strdup(exe);
    e->record->signal.number = signal;
    e->record->signal.name = coroner_signal_name(signal);
    e->record->timestamp_usec = usec;
    e->sources = CORONER_CRASH_FROM_STORE;
    e->core_status = "present";
    return e;
}

/* Three crashes; the third's hash is forced to share 9 digits with the second's. */
static CoronerCrashIndex *fake_index(void)
{
    CoronerCrashIndex *index = coroner_crash_index_new(NULL, NULL);
    g_ptr_array_add(index->entries, fake_entry("core.a.1000.00000000000000000000000000000001.10.1",
                                               10, "alpha", "/usr/bin/alpha", 11, 1));
    g_ptr_array_add(index->entries, fake_entry("core.b.1000.00000000000000000000000000000001.20.2",
                                               20, "beta", "/usr/bin/beta", 6, 2));
    g_ptr_array_add(index->entries, fake_entry("core.b.1000.00000000000000000000000000000001.20.3",
                                               20, "beta", "/usr/bin/beta", 11, 3));
    const char *hashes[] = {"11112222aaaa", "3333444455aa", "3333444455bb"};
    for (guint i = 0; i < 3; i++) {
        CoronerCrashEntry *e = index->entries->pdata[i];
        e->hash = g_strdup(hashes[i]);
    }
    g_autofree guint *len = coroner_short_id_lengths(hashes, 3, CORONER_SHORT_ID_MIN);
    for (guint i = 0; i < 3; i++) {
        CoronerCrashEntry *e = index->entries->pdata[i];
        e->short_id = g_strndup(e->hash, len[i]);
    }
    return index;
}

static void expect_lookup(CoronerCrashIndex *index, const char *text, guint want_index)
{
    g_autoptr(GError) error = NULL;
    CoronerCrashEntry *e = coroner_crash_index_lookup(index, text, &error);
    g_assert_no_error(error);
    g_assert_true(e == index->entries->pdata[want_index]);
}

static void expect_lookup_error(CoronerCrashIndex *index, const char *text, int code)
{
    g_autoptr(GError) error = NULL;
    g_assert_null(coroner_crash_index_lookup(index, text, &error));
    g_assert_error(error, CORONER_CRASH_INDEX_ERROR, code);
}

static void test_lookup(void)
{
    g_autoptr(CoronerCrashIndex) index = fake_index();
    g_assert_cmpstr(((CoronerCrashEntry *)index->entries->pdata[0])->short_id, ==, "11112222");
    g_assert_cmpstr(((CoronerCrashEntry *)index->entries->pdata[1])->short_id, ==, "3333444455a");
    expect_lookup(index, "-1", 2);
    expect_lookup(index, "-3", 0);
    expect_lookup(index, "11112222", 0);
    /* Digits are a PID first; with no crash of PID 1111, the start of a short id. */
    expect_lookup(index, "1111", 0);
    expect_lookup(index, "11112", 0);
    expect_lookup(index, "3333444455A", 1);
    expect_lookup(index, "3333444455bb", 2);
    expect_lookup(index, "core.a.1000.00000000000000000000000000000001.10.1", 0);
    expect_lookup(index, "core.b.1000.00000000000000000000000000000001.20.2.json", 1);
    expect_lookup(index, "20", 2); /* a PID: its newest crash */
    expect_lookup_error(index, "-4", CORONER_CRASH_INDEX_ERROR_NOT_FOUND);
    expect_lookup_error(index, "-0", CORONER_CRASH_INDEX_ERROR_NOT_FOUND);
    expect_lookup_error(index, "33334444", CORONER_CRASH_INDEX_ERROR_AMBIGUOUS);
    expect_lookup_error(index, "ffffffff", CORONER_CRASH_INDEX_ERROR_NOT_FOUND);
    expect_lookup_error(index, "30", CORONER_CRASH_INDEX_ERROR_NOT_FOUND);
    expect_lookup_error(index, "core.c.0.00000000000000000000000000000001.1.1",
                        CORONER_CRASH_INDEX_ERROR_NOT_FOUND);
    expect_lookup_error(index, "beta", CORONER_CRASH_INDEX_ERROR_NOT_AN_ID);
    expect_lookup_error(index, "abc", CORONER_CRASH_INDEX_ERROR_NOT_AN_ID);
}

static guint count_matching(CoronerCrashIndex *index, const char *const *args)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CtlMatches) m = ctl_matches_new(args, &error);
    g_assert_no_error(error);
    guint n = 0;
    for (guint i = 0; i < index->entries->len; i++)
        n += ctl_matches_test(m, index, index->entries->pdata[i]);
    return n;
}

static void test_matches(void)
{
    g_autoptr(CoronerCrashIndex) index = fake_index();
    g_assert_cmpuint(count_matching(index, (const char *const[]){NULL}), ==, 3);
    g_assert_cmpuint(count_matching(index, (const char *const[]){"20", NULL}), ==, 2);
    g_assert_cmpuint(count_matching(index, (const char *const[]){"alpha", NULL}), ==, 1);
    g_assert_cmpuint(count_matching(index, (const char *const[]){"/usr/bin/beta", NULL}), ==, 2);
    g_assert_cmpuint(count_matching(index, (const char *const[]){"COREDUMP_SIGNAL=11", NULL}), ==, 2);
    g_assert_cmpuint(count_matching(index, (const char *const[]){"signal.name=ABRT", NULL}), ==, 1);
    g_assert_cmpuint(count_matching(index, (const char *const[]){"process.uid=1000", NULL}), ==, 3);
    /* One field twice: either; two fields: both. */
    g_assert_cmpuint(count_matching(index, (const char *const[]){"alpha", "beta", NULL}), ==, 3);
    g_assert_cmpuint(count_matching(index, (const char *const[]){"beta", "COREDUMP_SIGNAL=6", NULL}),
                     ==, 1);
    g_assert_cmpuint(count_matching(index, (const char *const[]){"alpha", "20", NULL}), ==, 0);
    g_assert_cmpuint(count_matching(index, (const char *const[]){"process.nonsense=1", NULL}), ==, 0);

    g_autoptr(GError) error = NULL;
    g_assert_null(ctl_matches_new((const char *const[]){"=x", NULL}, &error));
    g_assert_nonnull(error);
}

static void put(GHashTable *fields, const char *name, const char *value)
{
    g_hash_table_insert(fields, g_strdup(name), g_bytes_new(value, strlen(value)));
}

/* What systemd-coredump 252 writes, abridged. */
static void test_systemd_coredump_fields(void)
{
    g_autoptr(GHashTable) f =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
    put(f, "COREDUMP_PID", "4242");
    put(f, "COREDUMP_UID", "1000");
    put(f, "COREDUMP_GID", "1000");
    put(f, "COREDUMP_SIGNAL", "11");
    put(f, "COREDUMP_SIGNAL_NAME", "SIGSEGV");
    put(f, "COREDUMP_TIMESTAMP", "1795346065000000");
    put(f, "COREDUMP_RLIMIT", "18446744073709551615");
    put(f, "COREDUMP_COMM", "my prog");
    put(f, "COREDUMP_EXE", "/usr/bin/myprog");
    put(f, "COREDUMP_UNIT", "user@1000.service");
    put(f, "COREDUMP_FILENAME",
        "/var/lib/systemd/coredump/core.my\\x20prog.1000.f9ec52eb6b04432b83875e7ba3cc1b6b.4242."
        "1795346065000000.zst");
    put(f, "MESSAGE",
        "Process 4242 (my prog) of user 1000 dumped core.\n\n"
        "Module libc.so.6 with build-id 0123ABCDEF\n"
        "Stack trace of thread 4242:\n"
        "#0  0x00007f1234567890 raise (libc.so.6 + 0x3c0b1)\n"
        "#1  0x000055d0c0a01149 n/a (myprog + 0x1149)\n"
        "ELF object binary architecture: AMD x86-64\n\n"
        "Stack trace of thread 4243:\n"
        "#0  0x00007f1234567000 __poll (libc.so.6 + 0x1000)\n");
    g_autoptr(CoronerCrashRecord) r =
        coroner_record_from_journal_fields(f, "f9ec52eb6b04432b83875e7ba3cc1b6b", 1);
    g_assert_cmpstr(r->id, ==,
                    "core.my\\x20prog.1000.f9ec52eb6b04432b83875e7ba3cc1b6b.4242.1795346065000000");
    g_assert_cmpint(r->process.pid, ==, 4242);
    g_assert_cmpint(r->process.uid, ==, 1000);
    g_assert_cmpstr(r->process.comm, ==, "my prog");
    g_assert_cmpstr(r->process.unit, ==, "user@1000.service");
    g_assert_cmpint(r->timestamp_usec, ==, 1795346065000000);
    g_assert_cmpstr(r->boot_id, ==, "f9ec52eb6b04432b83875e7ba3cc1b6b");
    g_assert_cmpint(r->signal.number, ==, 11);
    g_assert_cmpstr(r->signal.name, ==, "SEGV");
    g_assert_cmpuint(r->process.rlimit_core, ==, G_MAXUINT64);
    g_assert_cmpint(r->core.state, ==, CORONER_CORE_PRESENT);
    g_assert_cmpstr(r->core.compression, ==, "zstd");
    g_assert_cmpuint(r->threads->len, ==, 2);
    CoronerThread *t = r->threads->pdata[0];
    g_assert_true(t->crashed);
    g_assert_cmpint(t->tid, ==, 4242);
    g_assert_cmpuint(t->frames->len, ==, 2);
    CoronerFrame *f0 = t->frames->pdata[0], *f1 = t->frames->pdata[1];
    g_assert_cmpstr(f0->function, ==, "raise");
    g_assert_cmpstr(f0->module, ==, "libc.so.6");
    g_assert_cmpuint(f0->module_offset, ==, 0x3c0b1);
    g_assert_cmphex(f0->pc, ==, 0x00007f1234567890);
    g_assert_null(f1->function);
    g_assert_false(((CoronerThread *)r->threads->pdata[1])->crashed);
    g_assert_cmpuint(r->modules->len, ==, 1);
    g_assert_cmpstr(((CoronerModule *)r->modules->pdata[0])->build_id, ==, "0123abcdef");

    /* Without a core file: nothing kept, said so. */
    g_hash_table_remove(f, "COREDUMP_FILENAME");
    g_hash_table_remove(f, "MESSAGE");
    g_autoptr(CoronerCrashRecord) none = coroner_record_from_journal_fields(f, NULL, 1);
    g_assert_cmpint(none->core.state, ==, CORONER_CORE_NONE);
    g_assert_nonnull(none->core.reason);
    g_assert_true(g_str_has_prefix(none->id, "core.my\\x20prog.1000.unknown.4242."));
    g_assert_cmpuint(none->threads->len, ==, 0);
}

/* Ids with the names the system gives them (root is 0 as user and group on Linux). */
static void test_format_ids(void)
{
    struct {
        char *got;
        const char *want;
    } cases[] = {
        {ctl_format_uid(0), "0 (root)"},
        {ctl_format_gid(0), "0 (root)"},
        {ctl_format_uid(-1), "-"},
        {ctl_format_gid(-1), "-"},
        {ctl_format_uid(4000000), "4000000"},
        {ctl_format_gid(4000000), "4000000"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpstr(cases[i].got, ==, cases[i].want);
        g_free(cases[i].got);
    }
}

static const CoronerTestCase tests[] = {
    {"/coronerctl/time", test_time},
    {"/coronerctl/format-ids", test_format_ids},
    {"/coronerctl/short-id-lengths", test_short_id_lengths},
    {"/coronerctl/lookup", test_lookup},
    {"/coronerctl/matches", test_matches},
    {"/coronerctl/systemd-coredump-fields", test_systemd_coredump_fields},
};

int main(int argc, char **argv)
{
    g_setenv("TZ", "UTC", TRUE);
    return coroner_test_run(&argc, &argv, tests, G_N_ELEMENTS(tests));
}
