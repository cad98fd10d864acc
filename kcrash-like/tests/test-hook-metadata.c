/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The handler-side reader against hostile input.  A genuine blob is taken
 * from this process (hook initialised, read back through /proc/self), then
 * cut, overwritten and bit-flipped: coroner_hook_metadata_parse() must
 * reject or accept each variant without ever crashing or reading out of
 * bounds (the ASan build proves the latter), and whatever it returns must be
 * valid UTF-8.
 */
#include <coroner-hook.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "coroner-hook-layout.h"
#include "hook-test-util.h"
#include "coroner-test.h"

/* Mirrors of the blob's private header layout (documented in docs/hook-metadata.md). */
#define BLOB_HEADER_SIZE 64
#define BLOB_START_TICKS 32
#define BLOB_NSPID 40
#define BLOB_BUFFER_COUNT 48
#define BLOB_PID 56

static char text_buffer[64] = "text \xff\xfe invalid\0after the NUL";
static unsigned char binary_buffer[100];

static GBytes *genuine_blob(void)
{
    static GBytes *blob;
    if (blob)
        return g_bytes_ref(blob);

    coroner_hook_options o = {
        .app_id = "org.coroner.ParserTest", .name = "Parser \xc3\xa9 test", .version = "2"};
    g_assert_cmpint(coroner_hook_init(&o), ==, 0);
    g_assert_cmpint(coroner_hook_set_annotation("key", "value"), ==, 0);
    g_assert_cmpint(coroner_hook_set_annotation("bad", "bytes \xc0\xaf here"), ==, 0);
    for (int i = 0; i < 5; i++) {
        char crumb[16];
        g_snprintf(crumb, sizeof(crumb), "crumb %d", i);
        g_assert_cmpint(coroner_hook_add_breadcrumb(crumb), ==, 0);
    }
    for (gsize i = 0; i < sizeof(binary_buffer); i++)
        binary_buffer[i] = (unsigned char)(255 - i);
    g_assert_cmpint(coroner_hook_register_buffer("text", text_buffer, sizeof(text_buffer),
                                                 CORONER_HOOK_BUFFER_TEXT),
                    ==, 0);
    g_assert_cmpint(coroner_hook_register_buffer("binary", binary_buffer, sizeof(binary_buffer), 0),
                    ==, 0);
    g_assert_cmpint(coroner_hook_set_exception("demo::error", "what happened"), ==, 0);
    /* Joined, left and joined again: the slot holds the last group. */
    g_assert_cmpint(coroner_hook_join_group("org.coroner.Other"), ==, 0);
    g_assert_cmpint(coroner_hook_join_group(NULL), ==, 0);
    g_assert_cmpint(coroner_hook_join_group("org.coroner.Suite"), ==, 0);

    int dir = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    g_assert_no_errno(dir);
    uint64_t start, size;
    g_autoptr(GError) error = NULL;
    g_assert_true(coroner_hook_metadata_find(dir, &start, &size, &error));
    g_assert_no_error(error);
    blob = coroner_hook_metadata_read_raw(dir, start, size, &error);
    g_assert_no_error(error);
    close(dir);
    return g_bytes_ref(blob);
}

static guint8 *blob_copy(gsize *ret_size)
{
    g_autoptr(GBytes) blob = genuine_blob();
    return g_memdup2(g_bytes_get_data(blob, NULL), *ret_size = g_bytes_get_size(blob));
}

static void assert_valid_utf8_everywhere(const CoronerAppInfo *app)
{
    const char *strings[] = {app->app_id,         app->name,          app->version,
                             app->bug_address,    app->dsn,           app->crashed_thread_name,
                             app->exception_type, app->exception_what, app->group};
    for (gsize i = 0; i < G_N_ELEMENTS(strings); i++)
        g_assert_true(!strings[i] || g_utf8_validate(strings[i], -1, NULL));
    for (guint i = 0; i < app->annotations->len; i++) {
        const CoronerAnnotation *a = app->annotations->pdata[i];
        g_assert_true(g_utf8_validate(a->key, -1, NULL));
        g_assert_true(g_utf8_validate(a->value, -1, NULL));
    }
    for (guint i = 0; i < app->breadcrumbs->len; i++) {
        const CoronerBreadcrumb *b = app->breadcrumbs->pdata[i];
        g_assert_true(g_utf8_validate(b->message, -1, NULL));
    }
    for (guint i = 0; i < app->buffers->len; i++) {
        const CoronerBuffer *b = app->buffers->pdata[i];
        g_assert_true(g_utf8_validate(b->name, -1, NULL));
        gsize size;
        const char *data = g_bytes_get_data(b->data, &size);
        if (b->is_text)
            g_assert_true(g_utf8_validate(data, (gssize)size, NULL));
    }
}

/* Parses bytes; returns whether it was accepted.  Never allowed to crash. */
static gboolean parse_bytes(const guint8 *data, gsize size)
{
    g_autoptr(GBytes) bytes = g_bytes_new(data, size);
    g_autoptr(GError) error = NULL;
    CoronerHookCrash crash;
    CoronerAppInfo *app = coroner_hook_metadata_parse_full(bytes, getpid(), &crash, &error);
    if (!app) {
        g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        return FALSE;
    }
    g_assert_no_error(error);
    assert_valid_utf8_everywhere(app);
    coroner_app_info_free(app);
    return TRUE;
}

static void test_genuine(void)
{
    g_autoptr(GBytes) blob = genuine_blob();
    /* The fuzzer's seed corpus (tests/fuzz) starts from this genuine blob. */
    const char *seed = g_getenv("CORONER_FUZZ_SEED");
    if (seed)
        g_assert_true(g_file_set_contents(seed, g_bytes_get_data(blob, NULL),
                                          (gssize)g_bytes_get_size(blob), NULL));
    g_autoptr(GError) error = NULL;
    CoronerHookCrash crash;
    CoronerAppInfo *app = coroner_hook_metadata_parse_full(blob, getpid(), &crash, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(app->app_id, ==, "org.coroner.ParserTest");
    g_assert_cmpstr(app->name, ==, "Parser \xc3\xa9 test");
    g_assert_cmpstr(app->group, ==, "org.coroner.Suite");
    g_assert_cmpstr(hook_test_annotation(app, "key"), ==, "value");
    /* Invalid UTF-8 from the app is repaired, not passed on. */
    const char *bad = hook_test_annotation(app, "bad");
    g_assert_true(g_utf8_validate(bad, -1, NULL));
    g_assert_true(g_str_has_prefix(bad, "bytes "));
    g_assert_true(g_str_has_suffix(bad, " here"));
    g_assert_cmpuint(app->breadcrumbs->len, ==, 5);
    g_assert_cmpstr(((CoronerBreadcrumb *)app->breadcrumbs->pdata[4])->message, ==, "crumb 4");
    g_assert_cmpuint(app->buffers->len, ==, 2);
    const CoronerBuffer *text = app->buffers->pdata[0];
    g_assert_cmpstr(text->name, ==, "text");
    gsize size;
    const char *t = g_bytes_get_data(text->data, &size);
    g_assert_true(g_utf8_validate(t, (gssize)size, NULL));
    g_assert_null(memchr(t, '\0', size));
    g_assert_nonnull(g_strstr_len(t, (gssize)size, " invalid"));
    g_assert_null(g_strstr_len(t, (gssize)size, "after"));
    const CoronerBuffer *bin = app->buffers->pdata[1];
    g_assert_cmpmem(g_bytes_get_data(bin->data, NULL), g_bytes_get_size(bin->data), binary_buffer,
                    sizeof(binary_buffer));
    g_assert_cmpstr(app->exception_type, ==, "demo::error");
    g_assert_cmpstr(app->exception_what, ==, "what happened");
    g_assert_cmpint(crash.signal_number, ==, 0);
    g_assert_cmpuint(crash.dropped_slots, ==, 0);
    assert_valid_utf8_everywhere(app);
    coroner_app_info_free(app);
}

static void test_identity(void)
{
    g_autoptr(GBytes) blob = genuine_blob();
    g_autoptr(GError) error = NULL;
    /* Another pid: refused. */
    g_assert_null(coroner_hook_metadata_parse(blob, getpid() + 1, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_clear_error(&error);

    /* Same pid, other start time (PID reuse): refused. */
    gsize size;
    g_autofree guint8 *copy = blob_copy(&size);
    int64_t ticks;
    memcpy(&ticks, copy + BLOB_START_TICKS, sizeof(ticks));
    g_assert_cmpint(ticks, >, 0);
    ticks++;
    memcpy(copy + BLOB_START_TICKS, &ticks, sizeof(ticks));
    g_assert_false(parse_bytes(copy, size));

    /* A sandboxed app knows itself by its namespace pid: accepted when the handler saw that. */
    g_free(copy);
    copy = blob_copy(&size);
    int64_t inner_pid = getpid();
    int64_t host_pid = inner_pid + 1000;
    memcpy(copy + BLOB_NSPID, &inner_pid, sizeof(inner_pid));
    memcpy(copy + BLOB_PID, &host_pid, sizeof(host_pid));
    g_autoptr(GBytes) sandboxed = g_bytes_new(copy, size);
    CoronerAppInfo *app = coroner_hook_metadata_parse(sandboxed, host_pid, &error);
    g_assert_no_error(error);
    coroner_app_info_free(app);

    /* But a blob read from one process never passes for another. */
    g_assert_null(coroner_hook_metadata_parse(sandboxed, inner_pid, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void test_torn_slot(void)
{
    gsize size;
    g_autofree guint8 *copy = blob_copy(&size);
    guint8 *region = copy + BLOB_HEADER_SIZE;
    struct coroner_hook_header h;
    memcpy(&h, region, sizeof(h));

    /* An annotation and a breadcrumb caught mid-update (odd seq) are dropped, nothing else. */
    uint32_t odd = 7;
    memcpy(region + h.annotations.offset, &odd, sizeof(odd));
    memcpy(region + h.breadcrumbs.offset, &odd, sizeof(odd));
    g_autoptr(GBytes) bytes = g_bytes_new(copy, size);
    g_autoptr(GError) error = NULL;
    CoronerHookCrash crash;
    CoronerAppInfo *app = coroner_hook_metadata_parse_full(bytes, getpid(), &crash, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(crash.dropped_slots, ==, 2);
    g_assert_cmpuint(app->annotations->len, ==, 1);
    g_assert_cmpuint(app->breadcrumbs->len, ==, 4);
    coroner_app_info_free(app);
}

static void test_truncated(void)
{
    gsize size;
    g_autofree guint8 *copy = blob_copy(&size);
    guint accepted = 0;
    for (gsize n = 0; n < size; n += n < 1024 ? 1 : 61) {
        /* A fresh allocation of exactly n bytes, so ASan catches any read past it. */
        g_autofree guint8 *cut = g_memdup2(copy, n);
        accepted += parse_bytes(cut, n);
    }
    g_assert_true(parse_bytes(copy, size));
    g_test_message("truncated blobs accepted: %u", accepted);
}

static void set_u32(guint8 *p, uint32_t v)
{
    memcpy(p, &v, sizeof(v));
}

static void test_hostile_header(void)
{
    gsize size;
    g_autofree guint8 *genuine = blob_copy(&size);
    const gsize tables[] = {
        offsetof(struct coroner_hook_header, strings),
        offsetof(struct coroner_hook_header, annotations),
        offsetof(struct coroner_hook_header, breadcrumbs),
        offsetof(struct coroner_hook_header, buffers),
        offsetof(struct coroner_hook_header, crash),
    };
    const uint32_t values[] = {0,     1,     7,          255,        4096,
                               65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff};
    guint accepted = 0;
    for (gsize t = 0; t < G_N_ELEMENTS(tables); t++) {
        for (gsize field = 0; field < sizeof(struct coroner_hook_table); field += 4) {
            for (gsize v = 0; v < G_N_ELEMENTS(values); v++) {
                g_autofree guint8 *copy = g_memdup2(genuine, size);
                set_u32(copy + BLOB_HEADER_SIZE + tables[t] + field, values[v]);
                accepted += parse_bytes(copy, size);
            }
        }
    }
    /* Header scalars and the blob's own header. */
    const gsize scalars[] = {8, 12, 16, 20, 24, 28};
    for (gsize s = 0; s < G_N_ELEMENTS(scalars); s++) {
        for (gsize v = 0; v < G_N_ELEMENTS(values); v++) {
            g_autofree guint8 *copy = g_memdup2(genuine, size);
            set_u32(copy + BLOB_HEADER_SIZE + scalars[s], values[v]);
            accepted += parse_bytes(copy, size);
            g_autofree guint8 *copy2 = g_memdup2(genuine, size);
            set_u32(copy2 + scalars[s] + 4, values[v]);
            accepted += parse_bytes(copy2, size);
        }
    }
    for (gsize v = 0; v < G_N_ELEMENTS(values); v++) {
        g_autofree guint8 *copy = g_memdup2(genuine, size);
        set_u32(copy + BLOB_BUFFER_COUNT, values[v]);
        accepted += parse_bytes(copy, size);
    }
    g_test_message("hostile header variants accepted: %u", accepted);
}

static void test_hostile_buffer_records(void)
{
    gsize size;
    g_autofree guint8 *genuine = blob_copy(&size);
    uint64_t region_size;
    memcpy(&region_size, genuine + 24, sizeof(region_size));
    gsize records = BLOB_HEADER_SIZE + (gsize)region_size;
    const uint64_t lengths[] = {0,          1, 99, 100, 101, 4096, G_MAXUINT32, G_MAXUINT64 - 7,
                                G_MAXUINT64};
    for (gsize field = 0; field < 32; field += 4) {
        for (gsize v = 0; v < G_N_ELEMENTS(lengths); v++) {
            g_autofree guint8 *copy = g_memdup2(genuine, size);
            if (field % 8 == 0 && field >= 8)
                memcpy(copy + records + field, &lengths[v], sizeof(uint64_t));
            else
                set_u32(copy + records + field, (uint32_t)lengths[v]);
            parse_bytes(copy, size);
        }
    }
}

static void test_random_corruption(void)
{
    gsize size;
    g_autofree guint8 *genuine = blob_copy(&size);
    struct coroner_hook_header h;
    memcpy(&h, genuine + BLOB_HEADER_SIZE, sizeof(h));
    guint accepted = 0;
    const int rounds = g_test_slow() ? 20000 : 3000;
    for (int round = 0; round < rounds; round++) {
        g_autofree guint8 *copy = g_memdup2(genuine, size);
        int flips = g_test_rand_int_range(1, 16);
        for (int f = 0; f < flips; f++) {
            /* Mostly where the structure lives: headers, table starts, the crash block. */
            gsize at;
            switch (g_test_rand_int_range(0, 4)) {
            case 0:
                at = (gsize)g_test_rand_int_range(0, BLOB_HEADER_SIZE + 256);
                break;
            case 1:
                at = BLOB_HEADER_SIZE + h.crash.offset +
                     (gsize)g_test_rand_int_range(0, (gint32)h.crash.entry_size);
                break;
            case 2:
                at = BLOB_HEADER_SIZE + h.total_size +
                     (gsize)g_test_rand_int_range(0,
                                                  (gint32)(size - BLOB_HEADER_SIZE - h.total_size));
                break;
            default:
                at = (gsize)g_test_rand_int_range(0, (gint32)size);
                break;
            }
            if (at < size)
                copy[at] = (guint8)g_test_rand_int_range(0, 256);
        }
        accepted += parse_bytes(copy, size);
    }
    g_test_message("randomly corrupted blobs accepted: %u of %d", accepted, rounds);
}

static void test_read_raw_bad_arguments(void)
{
    int dir = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    g_assert_no_errno(dir);
    g_autoptr(GError) error = NULL;
    g_assert_null(coroner_hook_metadata_read_raw(dir, 0x1000, 0, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_clear_error(&error);
    g_assert_null(coroner_hook_metadata_read_raw(dir, 0x1000, 64u * 1024 * 1024, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_clear_error(&error);
    g_assert_null(coroner_hook_metadata_read_raw(dir, G_MAXUINT64 - 4096, 65536, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_clear_error(&error);
    /* Unmapped memory. */
    g_assert_null(coroner_hook_metadata_read_raw(dir, 0x1000, 65536, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);
    /* Mapped memory that is not a region. */
    g_autofree guint8 *not_a_region = g_malloc0(65536);
    g_assert_null(
        coroner_hook_metadata_read_raw(dir, (uint64_t)(uintptr_t)not_a_region, 65536, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_clear_error(&error);
    close(dir);

    g_assert_null(coroner_hook_metadata_parse(NULL, 1, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void test_apply_signal(void)
{
    CoronerHookCrash crash = {
        .signal_number = 11, .code = 1, .has_code = TRUE, .address = 0x10, .has_address = TRUE};
    CoronerSignalInfo signal = {.number = 11};
    g_assert_true(coroner_hook_crash_apply_signal(&crash, &signal));
    g_assert_cmpint(signal.code, ==, 1);
    g_assert_true(signal.has_address);
    g_assert_cmpuint(signal.address, ==, 0x10);
    CoronerSignalInfo other = {.number = 6};
    g_assert_false(coroner_hook_crash_apply_signal(&crash, &other));
    g_assert_false(other.has_code);
}

static const CoronerTestCase tests[] = {
    {"/hook/metadata/genuine", test_genuine},
    {"/hook/metadata/identity", test_identity},
    {"/hook/metadata/torn-slot", test_torn_slot},
    {"/hook/metadata/truncated", test_truncated},
    {"/hook/metadata/hostile-header", test_hostile_header},
    {"/hook/metadata/hostile-buffer-records", test_hostile_buffer_records},
    {"/hook/metadata/random-corruption", test_random_corruption},
    {"/hook/metadata/read-raw-bad-arguments", test_read_raw_bad_arguments},
    {"/hook/metadata/apply-signal", test_apply_signal},
};

CORONER_TEST_MAIN(tests)
