/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coroner-symbolize-tool: the symbolizer and the stack core builder from the
 * command line, for the tests, bench/symbolize and debugging (until
 * coronerctl covers them).
 *
 *   coroner-symbolize-tool stack-core IN OUT [--seed N]
 *       Builds OUT from the core IN, fed in random chunk sizes (fixed 256 KiB
 *       chunks without --seed) as the handler would; prints its size.
 *   coroner-symbolize-tool backtrace CORE [EXE] [--sandboxed] [--json] [--tid N]
 *                          [--debuginfod] [--no-debuginfod] [--timeout MS]
 *                          [--debuginfod-timeout MS] [--max-threads N] [--max-frames N]
 *       Symbolizes CORE (ELF or zstd) and prints the stack trace (or the record's JSON).
 */
#include <fcntl.h>
#include <gio/gio.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backtrace-format.h"
#include "core-access.h"
#include "crash-record.h"
#include "stack-core.h"
#include "symbolize.h"

static int cmd_stack_core(int argc, char **argv)
{
    gint64 seed = -1;
    GOptionEntry entries[] = {
        {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random chunk sizes from this seed", "N"},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("IN OUT");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc != 3) {
        fprintf(stderr, "usage: stack-core IN OUT [--seed N]\n");
        return 64;
    }
    int in = open(argv[1], O_RDONLY | O_CLOEXEC);
    int out = open(argv[2], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (in < 0 || out < 0) {
        perror("open");
        return 1;
    }
    g_autoptr(GRand) rand = seed >= 0 ? g_rand_new_with_seed((guint32)seed) : NULL;
    CoronerStackCore *sc = coroner_stack_core_new(out, (uint64_t)256 << 20);
    gsize cap = 1 << 20;
    g_autofree guint8 *buf = g_malloc(cap);
    uint64_t total = 0;
    gint64 start = g_get_monotonic_time();
    for (;;) {
        gsize want = rand ? (gsize)g_rand_int_range(rand, 1, 70000) : 256 * 1024;
        ssize_t n = read(in, buf, want);
        if (n < 0) {
            perror("read");
            return 1;
        }
        if (n == 0)
            break;
        total += (uint64_t)n;
        int r = coroner_stack_core_feed(sc, buf, (size_t)n);
        if (r < 0) {
            fprintf(stderr, "feed: %s\n", g_strerror(-r));
            return 1;
        }
    }
    int r = coroner_stack_core_finish(sc, total);
    if (r < 0) {
        fprintf(stderr, "finish: %s\n", g_strerror(-r));
        return 1;
    }
    struct stat st;
    fstat(out, &st);
    printf("core %" G_GUINT64_FORMAT " bytes -> stack core %" G_GUINT64_FORMAT
           " bytes written, %" G_GUINT64_FORMAT " bytes allocated, %.1f ms\n",
           total, coroner_stack_core_bytes_written(sc), (guint64)st.st_blocks * 512,
           (double)(g_get_monotonic_time() - start) / 1000.0);
    if (coroner_stack_core_warning(sc))
        printf("warning: %s\n", coroner_stack_core_warning(sc));
    coroner_stack_core_free(sc);
    close(in);
    close(out);
    return 0;
}

static int cmd_backtrace(int argc, char **argv)
{
    gboolean sandboxed = FALSE, json = FALSE, debuginfod = FALSE, no_debuginfod = FALSE;
    gint64 tid = -1;
    int timeout = -1, debuginfod_timeout = -1, max_threads = -1, max_frames = -1;
    GOptionEntry entries[] = {
        {"sandboxed", 0, 0, G_OPTION_ARG_NONE, &sandboxed, "Run in the sandbox child", NULL},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the record as JSON", NULL},
        {"tid", 0, 0, G_OPTION_ARG_INT64, &tid, "The crashing thread", "TID"},
        {"debuginfod", 0, 0, G_OPTION_ARG_NONE, &debuginfod, "Use debuginfod", NULL},
        {"no-debuginfod", 0, 0, G_OPTION_ARG_NONE, &no_debuginfod, "Do not use debuginfod", NULL},
        {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "Time limit", "MS"},
        {"debuginfod-timeout", 0, 0, G_OPTION_ARG_INT, &debuginfod_timeout, "debuginfod budget",
         "MS"},
        {"max-threads", 0, 0, G_OPTION_ARG_INT, &max_threads, "Thread cap", "N"},
        {"max-frames", 0, 0, G_OPTION_ARG_INT, &max_frames, "Frame cap", "N"},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("CORE [EXE]");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc < 2 || argc > 3) {
        fprintf(stderr, "usage: backtrace CORE [EXE] [options]\n");
        return 64;
    }
    CoronerSymbolizeOptions o;
    coroner_symbolize_options_init(&o);
    if (debuginfod)
        o.debuginfod = TRUE;
    if (no_debuginfod)
        o.debuginfod = FALSE;
    if (timeout >= 0)
        o.timeout_ms = (unsigned)timeout;
    if (debuginfod_timeout >= 0)
        o.debuginfod_timeout_ms = (unsigned)debuginfod_timeout;
    if (max_threads > 0)
        o.max_threads = (unsigned)max_threads;
    if (max_frames > 0)
        o.max_frames = (unsigned)max_frames;

    int fd = coroner_core_open_path_for_backtrace(argv[1], &error);
    if (fd < 0) {
        fprintf(stderr, "error: %s\n", error->message);
        return 2;
    }
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    r->process.tid = tid;
    gboolean ok = sandboxed
                      ? coroner_symbolize_sandboxed(fd, argc > 2 ? argv[2] : NULL, &o, getuid(),
                                                    getgid(), r, &error)
                      : coroner_symbolize_core_fd(fd, argc > 2 ? argv[2] : NULL, &o, r, &error);
    close(fd);
    if (!ok) {
        fprintf(stderr, "error: %s\n", error->message);
        return 3;
    }
    if (json) {
        gsize len;
        g_autofree char *text = coroner_crash_record_to_json(r, &len);
        fwrite(text, 1, len, stdout);
        putchar('\n');
        return 0;
    }
    g_autofree char *text = coroner_backtrace_format(r, G_MAXUINT);
    fputs(text, stdout);
    printf("\nsignal %d (%s) code %d%s address 0x%" G_GINT64_MODIFIER "x\n", r->signal.number,
           r->signal.name ? r->signal.name : "?", r->signal.code, r->signal.has_code ? "" : "?",
           r->signal.address);
    printf("signature %s quality %.3f\n", r->signature ? r->signature : "(none)",
           r->backtrace_quality);
    for (guint i = 0; i < r->modules->len; i++) {
        const CoronerModule *m = r->modules->pdata[i];
        printf("module 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x %s %s%s\n", m->start,
               m->end, m->path ? m->path : "?", m->build_id ? m->build_id : "-",
               m->has_debug_info ? "" : " (no debug info)");
    }
    for (guint i = 0; i < r->errors->len; i++)
        printf("note: %s\n", (char *)r->errors->pdata[i]);
    return 0;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    if (argc < 2) {
        fprintf(stderr, "usage: %s stack-core|backtrace ...\n", argv[0]);
        return 64;
    }
    if (strcmp(argv[1], "stack-core") == 0)
        return cmd_stack_core(argc - 1, argv + 1);
    if (strcmp(argv[1], "backtrace") == 0)
        return cmd_backtrace(argc - 1, argv + 1);
    fprintf(stderr, "unknown command %s\n", argv[1]);
    return 64;
}
