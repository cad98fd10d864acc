/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench/sentry-envelope: the time to turn a big crash into the bytes that go
 * on the wire — event, scrubbing, envelope, gzip — and their size.  The crash
 * is generated: 64 threads × 30 frames, 100 modules with build-ids, the hook's
 * metadata with breadcrumbs; no journal, a fixed machine context, so only our
 * code is measured.
 *
 * usage: sentry-envelope-bench [ROUNDS]   prints one line per measure, median of ROUNDS (default 50)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sentry-report.h"
#include "sentry-transport.h"

#define THREADS 64
#define FRAMES 30
#define MODULES 100

static CoronerCrashRecord *make_record(void)
{
    CoronerCrashRecord *r = coroner_crash_record_new();
    r->id = g_strdup("core.bench.1000.0123456789abcdef0123456789abcdef.4242.1767225600000000");
    r->timestamp_usec = G_GINT64_CONSTANT(1767225600000000);
    r->boot_id = g_strdup("0123456789abcdef0123456789abcdef");
    r->hostname = g_strdup("bench-host");
    r->process.pid = 4242;
    r->process.tid = 4242;
    r->process.uid = 1000;
    r->process.comm = g_strdup("bench-app");
    r->process.exe = g_strdup("/home/user/src/bench/build/bench-app");
    r->process.environ = g_strdup("HOME=/home/user\nSECRET=x");
    r->signal.number = 11;
    r->signal.name = g_strdup("SEGV");
    r->signal.has_code = TRUE;
    r->signal.code = 1;
    r->app = coroner_app_info_new();
    r->app->app_id = g_strdup("org.example.Bench");
    r->app->version = g_strdup("1.0");
    for (int i = 0; i < 20; i++) {
        CoronerBreadcrumb *b = g_new0(CoronerBreadcrumb, 1);
        b->timestamp_usec = r->timestamp_usec - (20 - i) * 1000;
        b->message = g_strdup_printf("step %d of the work in /home/user/Documents/file%d", i, i);
        g_ptr_array_add(r->app->breadcrumbs, b);
    }
    for (int m = 0; m < MODULES; m++) {
        CoronerModule *mod = coroner_module_new();
        mod->path = m == 0 ? g_strdup(r->process.exe)
                           : g_strdup_printf("/usr/lib/x86_64-linux-gnu/libbench%d.so.%d", m, m % 7);
        GChecksum *c = g_checksum_new(G_CHECKSUM_SHA1);
        g_checksum_update(c, (const guchar *)mod->path, -1);
        mod->build_id = g_strdup(g_checksum_get_string(c));
        g_checksum_free(c);
        mod->start = 0x7f0000000000ull + (uint64_t)m * 0x400000;
        mod->end = mod->start + 0x200000;
        g_ptr_array_add(r->modules, mod);
    }
    for (int t = 0; t < THREADS; t++) {
        g_autofree char *name = g_strdup_printf("worker-%d", t);
        CoronerThread *th = coroner_thread_new(4242 + t, t == 0 ? "bench-app" : name);
        th->crashed = t == 0;
        for (int f = 0; f < FRAMES; f++) {
            const CoronerModule *mod = r->modules->pdata[(t * 7 + f * 3) % MODULES];
            CoronerFrame *fr = coroner_frame_new();
            fr->module_offset = 0x1000 + (uint64_t)(f * 0x40 + t);
            fr->pc = mod->start + fr->module_offset;
            fr->function = g_strdup_printf("bench::Worker<int>::level_%d_of_thread_%d(unsigned long)", f, t);
            fr->module = g_strdup(mod->path);
            if (f % 2 == 0) {
                fr->file = g_strdup_printf("/home/user/src/bench/src/worker%d.cpp", f);
                fr->line = 100 + f;
            }
            g_ptr_array_add(th->frames, fr);
        }
        g_ptr_array_add(r->threads, th);
    }
    r->signature = g_strdup("bench::Worker<int>::level_0_of_thread_0");
    r->backtrace_quality = 1.0;
    return r;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 50;
    if (rounds < 1)
        rounds = 1;
    g_autoptr(CoronerCrashRecord) record = make_record();
    CoronerSentryMachine machine = {
        .os_name = "Debian GNU/Linux", .os_version = "12", .kernel_version = "6.1.0",
        .arch = "x86_64", .memory_size = (uint64_t)16 << 30,
    };
    CoronerSentryReportOptions o = {
        .dsn = "https://0123456789abcdef0123456789abcdef@sentry.example.org/42",
        .comment = "It crashed while I was benchmarking.",
        .skip_journal = TRUE,
        .machine = &machine,
        .session_type = "wayland",
    };
    double *build_ms = g_new(double, rounds), *gzip_ms = g_new(double, rounds);
    gsize raw = 0, zipped = 0;
    for (int i = 0; i < rounds; i++) {
        g_autoptr(GError) error = NULL;
        gint64 t0 = g_get_monotonic_time();
        g_autoptr(GBytes) bytes = coroner_sentry_report_build(record, &o, NULL, &error);
        gint64 t1 = g_get_monotonic_time();
        if (!bytes) {
            fprintf(stderr, "sentry-envelope-bench: %s\n", error->message);
            return 1;
        }
        g_autoptr(GBytes) gz = coroner_sentry_gzip(bytes, &error);
        gint64 t2 = g_get_monotonic_time();
        if (!gz) {
            fprintf(stderr, "sentry-envelope-bench: %s\n", error->message);
            return 1;
        }
        build_ms[i] = (double)(t1 - t0) / 1000.0;
        gzip_ms[i] = (double)(t2 - t1) / 1000.0;
        raw = g_bytes_get_size(bytes);
        zipped = g_bytes_get_size(gz);
    }
    qsort(build_ms, (size_t)rounds, sizeof(double), compare);
    qsort(gzip_ms, (size_t)rounds, sizeof(double), compare);
    double b = build_ms[rounds / 2], z = gzip_ms[rounds / 2];
    printf("sentry-envelope: %d threads x %d frames, %d modules, median of %d rounds\n", THREADS,
           FRAMES, MODULES, rounds);
    printf("build (event + scrub + envelope): %.2f ms\n", b);
    printf("gzip:                              %.2f ms\n", z);
    printf("total:                             %.2f ms\n", b + z);
    printf("envelope size:                     %" G_GSIZE_FORMAT " bytes\n", raw);
    printf("gzipped size (on the wire):        %" G_GSIZE_FORMAT " bytes (%.1f%%)\n", zipped,
           100.0 * (double)zipped / (double)raw);
    g_free(build_ms);
    g_free(gzip_ms);
    return 0;
}
