/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerctl: lists, shows, dumps and debugs the crashes of this machine —
 * those in Coroner's store and those in the journal, including crashes that
 * systemd-coredump handled.  This file holds main(): the options, the
 * context every verb gets, and the dispatch to the verbs (coronerctl-*.c).
 */
#include <errno.h>
#include <gio/gio.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "build-config.h"
#include "coronerctl-match.h"
#include "coronerctl-submit.h"
#include "coronerctl-time.h"
#include "coronerctl.h"

G_DEFINE_QUARK(coronerctl-error-quark, ctl_error)

typedef struct {
    const char *name;
    int (*run)(CtlContext *ctx, char **args, GError **error);
    gboolean pager;    /* its output is for reading, not for a file or a debugger */
    gboolean needs_index;
} Verb;

static const Verb verbs[] = {
    {"list", ctl_list, TRUE, TRUE},
    {"info", ctl_info, TRUE, TRUE},
    {"backtrace", ctl_backtrace, TRUE, TRUE},
    {"dump", ctl_dump, FALSE, TRUE},
    {"dump-live", ctl_dump_live, FALSE, FALSE},
    {"bundle", ctl_bundle, FALSE, TRUE},
    {"debug", ctl_debug, FALSE, TRUE},
    {"minidump", ctl_minidump, FALSE, TRUE},
    {"gdb", ctl_debug, FALSE, TRUE},
    {"vacuum", ctl_vacuum, FALSE, FALSE},
    {"submit", ctl_submit, FALSE, TRUE},
    /* outbox list opens the pager itself: flush prints a result, not a document. */
    {"outbox", ctl_outbox, FALSE, FALSE},
};

gboolean ctl_context_load(CtlContext *ctx, GError **error)
{
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    const char *config_path = ctx->config_path ? ctx->config_path : CORONER_DEFAULT_CONFIG;
    ctx->config = coroner_config_load(config_path, problems);
    for (guint i = 0; i < problems->len; i++)
        g_printerr("coronerctl: warning: %s\n", (char *)problems->pdata[i]);

    /* The store named on the command line or in a named configuration must be there. */
    gboolean store_explicit = ctx->store_path || ctx->config_path;
    const char *store_path = ctx->store_path ? ctx->store_path : ctx->config->store_path;
    g_autoptr(GError) local = NULL;
    ctx->store = coroner_store_open(store_path, FALSE, &local);
    if (!ctx->store) {
        if (store_explicit || !g_error_matches(local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)) {
            g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s", local->message);
            return FALSE;
        }
        g_clear_error(&local);
    }

    if (!ctx->no_journal) {
        gboolean journal_explicit = ctx->journal_directory || ctx->journal_files;
        ctx->journal = coroner_journal_open(ctx->journal_directory,
                                            (const char *const *)ctx->journal_files, &local);
        if (!ctx->journal && journal_explicit) {
            g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s", local->message);
            return FALSE;
        }
        /* Without a journal the store alone is complete. */
        g_clear_error(&local);
    }

    ctx->index = coroner_crash_index_load(ctx->store, ctx->journal, ctx->unverified, &local);
    if (!ctx->index) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s", local->message);
        return FALSE;
    }
    return TRUE;
}

static gboolean in_time_range(const CtlContext *ctx, const CoronerCrashEntry *e)
{
    return e->record->timestamp_usec >= ctx->since_usec &&
           e->record->timestamp_usec <= ctx->until_usec;
}

CoronerCrashEntry *ctl_find_one(CtlContext *ctx, char **args, GError **error)
{
    GPtrArray *entries = ctx->index->entries;
    guint n = args ? g_strv_length(args) : 0;
    g_autoptr(GError) local = NULL;

    if (n == 1) {
        CoronerCrashEntry *e = coroner_crash_index_lookup(ctx->index, args[0], &local);
        if (e)
            return e;
        /* "cafe" may be a short id nobody has, or a command name: try that too. */
        gboolean hex_word = strspn(args[0], "0123456789abcdefABCDEF") == strlen(args[0]) &&
                            strspn(args[0], "0123456789") != strlen(args[0]);
        if (!g_error_matches(local, CORONER_CRASH_INDEX_ERROR, CORONER_CRASH_INDEX_ERROR_NOT_AN_ID) &&
            !(hex_word &&
              g_error_matches(local, CORONER_CRASH_INDEX_ERROR, CORONER_CRASH_INDEX_ERROR_NOT_FOUND))) {
            g_set_error(error, CTL_ERROR, CTL_EXIT_NO_MATCH, "%s", local->message);
            return NULL;
        }
    }
    g_autoptr(GError) id_error = g_steal_pointer(&local);
    /* Not an id: the newest crash matching the arguments as matches. */
    g_autoptr(CtlMatches) matches = ctl_matches_new((const char *const *)args, &local);
    if (!matches) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE, "%s", local->message);
        return NULL;
    }
    for (guint i = entries->len; i > 0; i--) {
        CoronerCrashEntry *e = entries->pdata[i - 1];
        if (in_time_range(ctx, e) && ctl_matches_test(matches, ctx->index, e))
            return e;
    }
    if (n == 0)
        g_set_error(error, CTL_ERROR, CTL_EXIT_NO_MATCH, "no crashes found");
    else if (id_error && !g_error_matches(id_error, CORONER_CRASH_INDEX_ERROR,
                                          CORONER_CRASH_INDEX_ERROR_NOT_AN_ID))
        g_set_error(error, CTL_ERROR, CTL_EXIT_NO_MATCH, "%s", id_error->message);
    else if (n == 1 && strchr(args[0], '=') == NULL && args[0][0] != '/')
        g_set_error(error, CTL_ERROR, CTL_EXIT_NO_MATCH,
                    "no crash matches \"%s\" (neither an id nor a command name)", args[0]);
    else {
        g_autofree char *joined = g_strjoinv(" ", args);
        g_set_error(error, CTL_ERROR, CTL_EXIT_NO_MATCH, "no crash matches %s", joined);
    }
    return NULL;
}

static void context_clear(CtlContext *ctx)
{
    ctl_pager_close(&ctx->out);
    coroner_crash_index_free(ctx->index);
    if (ctx->journal)
        sd_journal_close(ctx->journal);
    coroner_store_free(ctx->store);
    coroner_config_free(ctx->config);
    g_free(ctx->store_path);
    g_free(ctx->config_path);
    g_free(ctx->journal_directory);
    g_strfreev(ctx->journal_files);
    g_free(ctx->since);
    g_free(ctx->until);
    g_free(ctx->output);
    g_free(ctx->recept);
    g_free(ctx->debugger);
    g_free(ctx->debugger_arguments);
    g_free(ctx->max_use);
    g_free(ctx->keep_free);
    ctl_submit_options_clear();
}

/*
 * GOption leaves what it does not know in argv (we ask it to, so that "-1"
 * can be an id); here the leftovers become positional arguments, and
 * anything else that looks like an option is an error.
 */
static gboolean split_arguments(int argc, char **argv, GPtrArray *ret_args, GError **error)
{
    gboolean only_positional = FALSE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!only_positional && g_str_equal(a, "--")) {
            only_positional = TRUE;
            continue;
        }
        gboolean number = a[0] == '-' && a[1] && strspn(a + 1, "0123456789") == strlen(a + 1);
        if (!only_positional && a[0] == '-' && a[1] && !number) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION, "unknown option %s",
                        a);
            return FALSE;
        }
        g_ptr_array_add(ret_args, g_strdup(a));
    }
    g_ptr_array_add(ret_args, NULL);
    return TRUE;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    CtlContext ctx = {0};
    gboolean version = FALSE;
    ctx.since_usec = G_MININT64;
    ctx.until_usec = G_MAXINT64;

    GOptionEntry entries[] = {
        {"store", 0, 0, G_OPTION_ARG_FILENAME, &ctx.store_path,
         "Read the crash store in DIR (default: [Store] Path= of the configuration)", "DIR"},
        {"config", 0, 0, G_OPTION_ARG_FILENAME, &ctx.config_path,
         "Configuration file (default: " CORONER_DEFAULT_CONFIG ")", "PATH"},
        {"journal-directory", 'D', 0, G_OPTION_ARG_FILENAME, &ctx.journal_directory,
         "Read the journal files in DIR instead of the system journal", "DIR"},
        {"file", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &ctx.journal_files,
         "Read this journal file (may be repeated)", "PATH"},
        {"no-journal", 0, 0, G_OPTION_ARG_NONE, &ctx.no_journal, "Read the store only", NULL},
        {"unverified", 0, 0, G_OPTION_ARG_NONE, &ctx.unverified,
         "Also show journal entries that claim a crash but were not written by root's crash "
         "handler (marked unverified; nothing they name is opened)",
         NULL},
        {"since", 'S', 0, G_OPTION_ARG_STRING, &ctx.since,
         "Only crashes at or after TIME (\"2026-11-22 10:00\", \"-1h\", \"today\"…)", "TIME"},
        {"until", 'U', 0, G_OPTION_ARG_STRING, &ctx.until, "Only crashes at or before TIME",
         "TIME"},
        {"reverse", 'r', 0, G_OPTION_ARG_NONE, &ctx.reverse, "list: newest first", NULL},
        {"lines", 'n', 0, G_OPTION_ARG_INT, &ctx.lines, "list: only the newest N crashes", "N"},
        /* Not --json=MODE: GOption would take a following id as the optional MODE. */
        {"json", 0, 0, G_OPTION_ARG_NONE, &ctx.json,
         "Print JSON (list, info, backtrace, submit, outbox)", NULL},
        {"compact", 0, 0, G_OPTION_ARG_NONE, &ctx.json_short, "With --json: one line, not indented",
         NULL},
        {"full", 0, 0, G_OPTION_ARG_NONE, &ctx.full,
         "backtrace: every thread and the modules, not only the crashing thread", NULL},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &ctx.output,
         "dump, minidump: write the core or minidump to FILE (\"-\" for stdout); bundle: the "
         "directory for the bundle",
         "PATH"},
        {"debugger", 0, 0, G_OPTION_ARG_STRING, &ctx.debugger,
         "debug: the debugger to run (default: $CORONER_DEBUGGER, $SYSTEMD_DEBUGGER or gdb)",
         "PROGRAM"},
        {"debugger-arguments", 'A', 0, G_OPTION_ARG_STRING, &ctx.debugger_arguments,
         "debug: extra arguments for the debugger, shell-quoted", "ARGS"},
        {"max-use", 0, 0, G_OPTION_ARG_STRING, &ctx.max_use,
         "vacuum: the store's size limit, instead of MaxUse= of the configuration", "SIZE"},
        {"keep-free", 0, 0, G_OPTION_ARG_STRING, &ctx.keep_free,
         "vacuum: the free space to leave, instead of KeepFree= of the configuration", "SIZE"},
        {"recept", 0, 0, G_OPTION_ARG_FILENAME, &ctx.recept,
         "dump-live: write a minimal core as the recept FILE says", "FILE"},
        {"inject", 0, 0, G_OPTION_ARG_NONE, &ctx.inject,
         "dump: add the buffers recorded beside the core that it lacks, at their addresses",
         NULL},
        {"environ", 0, 0, G_OPTION_ARG_NONE, &ctx.minidump_environ,
         "minidump, submit: include the process's environment in the minidump (it may hold "
         "secrets)",
         NULL},
        {"no-pager", 0, 0, G_OPTION_ARG_NONE, &ctx.no_pager, "Do not pipe output into a pager",
         NULL},
        {"no-legend", 0, 0, G_OPTION_ARG_NONE, &ctx.no_legend,
         "list: no column headers and no footer", NULL},
        {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Show the version", NULL},
        {NULL},
    };

    g_autoptr(GOptionContext) oc = g_option_context_new("COMMAND [ID|MATCH…]");
    g_option_context_set_summary(
        oc, "Lists and examines the crashes of this machine: Coroner's store and the journal,\n"
            "including crashes that systemd-coredump handled, and sends them to Sentry.\n\n"
            "Commands:\n"
            "  list [MATCH…]           List crashes (the default)\n"
            "  info [ID|MATCH…]        Show a crash: metadata and backtrace\n"
            "  backtrace [ID|MATCH…]   Show a crash's backtrace\n"
            "  dump [ID|MATCH…]        Write the uncompressed core (-o FILE, or stdout)\n"
            "  dump-live PID           Dump a running process without killing it (-o FILE, or stdout)\n"
            "  debug [ID|MATCH…]       Start a debugger on the executable and the core\n"
            "  minidump [ID|MATCH…]    Write a Breakpad minidump of the crash (-o FILE, or stdout)\n"
            "  bundle [ID|MATCH…]      Write the crash's upload bundle (zip) into -o DIR\n"
            "  vacuum                  Shrink the store to its configured limits\n"
            "  submit [ID|MATCH…]      Send a crash report to the configured Sentry server\n"
            "  outbox [list|flush]     The reports waiting to be sent; send those that are due\n\n"
            "ID: -1 (the newest crash), -2 (the one before)…, the short id from list, the\n"
            "entry id core.…, or a PID.  MATCH: a PID, an executable's absolute path, a\n"
            "command name, or FIELD=VALUE.");
    g_option_context_set_description(oc, "See coronerctl(1) for the exit codes and details.");
    g_option_context_add_main_entries(oc, entries, NULL);
    g_option_context_add_main_entries(oc, ctl_submit_option_entries(), NULL);
    /* Leftover "-1", "-2"… are ids, not options: split_arguments() sorts them out. */
    g_option_context_set_ignore_unknown_options(oc, TRUE);

    g_autoptr(GError) error = NULL;
    int status = CTL_EXIT_OK;
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
    if (!g_option_context_parse(oc, &argc, &argv, &error) ||
        !split_arguments(argc, argv, args, &error)) {
        g_printerr("coronerctl: %s\nTry \"coronerctl --help\".\n", error->message);
        context_clear(&ctx);
        return CTL_EXIT_USAGE;
    }
    if (version) {
        printf("coronerctl %s\n", CORONER_VERSION);
        context_clear(&ctx);
        return CTL_EXIT_OK;
    }

    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    if ((ctx.since && !ctl_parse_time(ctx.since, now, &ctx.since_usec, &error)) ||
        (ctx.until && !ctl_parse_time(ctx.until, now, &ctx.until_usec, &error))) {
        g_printerr("coronerctl: %s\n", error->message);
        context_clear(&ctx);
        return CTL_EXIT_USAGE;
    }
    if (ctx.lines < 0) {
        g_printerr("coronerctl: --lines takes a positive number\n");
        context_clear(&ctx);
        return CTL_EXIT_USAGE;
    }

    char **positional = (char **)args->pdata;
    const Verb *verb = &verbs[0];
    if (positional[0]) {
        verb = NULL;
        for (guint i = 0; i < G_N_ELEMENTS(verbs) && !verb; i++)
            if (g_str_equal(positional[0], verbs[i].name))
                verb = &verbs[i];
        if (!verb) {
            g_printerr("coronerctl: unknown command \"%s\"\nTry \"coronerctl --help\".\n",
                       positional[0]);
            context_clear(&ctx);
            return CTL_EXIT_USAGE;
        }
        positional++;
    }

    ctl_output_init(&ctx.out);
    /* A reader that went away (head, a closed pager) is not a reason to die of SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);

    if (verb->needs_index && !ctl_context_load(&ctx, &error)) {
        status = error->domain == CTL_ERROR ? error->code : CTL_EXIT_DATA;
    } else {
        if (verb->pager)
            ctl_pager_open(&ctx.out, ctx.no_pager);
        /* A verb may fail without a message: debug passes on the debugger's exit status. */
        status = verb->run(&ctx, positional, &error);
        ctl_pager_close(&ctx.out);
    }
    if (error && status != CTL_EXIT_OK)
        g_printerr("coronerctl: %s\n", error->message);
    if (fflush(stdout) != 0 && errno != EPIPE && status == CTL_EXIT_OK) {
        g_printerr("coronerctl: cannot write the output: %s\n", g_strerror(errno));
        status = CTL_EXIT_DATA;
    }
    context_clear(&ctx);
    return status;
}
