/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coroner-sentry-tool: the Sentry client from the command line, for tests,
 * scripts and for coronerctl to wrap (`coronerctl submit`, `coronerctl outbox`).
 *
 *   event RECORD.json             the scrubbed event JSON
 *   envelope RECORD.json          the exact envelope bytes that would be sent
 *   submit RECORD.json            queue in the outbox, then flush it
 *   outbox list|flush|show ID     the outbox
 *   dsn DSN                       how a DSN is understood
 *   debug-id BUILD_ID             Sentry's debug_id for an ELF build-id
 *   config [--app ID]             which DSN applies, and why
 */
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sentry-config.h"
#include "sentry-dsn.h"
#include "sentry-event.h"
#include "sentry-outbox.h"
#include "sentry-report.h"
#include "sentry-submit.h"
#include "sentry-transport.h"

static char *opt_dsn, *opt_comment, *opt_event_id, *opt_outbox, *opt_ca_file, *opt_core;
static char *opt_journal_dir, *opt_session_type, *opt_os_release, *opt_system_config;
static char *opt_user_config, *opt_app, *opt_user_name, *opt_user_email;
static gboolean opt_include_core, opt_no_journal, opt_force, opt_no_send, opt_pretty;
static int opt_timeout, opt_journal_lines, opt_max_count;
static gint64 opt_backoff_base_ms, opt_backoff_max_ms, opt_max_bytes, opt_max_age;

static const GOptionEntry entries[] = {
    {"dsn", 0, 0, G_OPTION_ARG_STRING, &opt_dsn, "Sentry DSN (default: from reporting.conf)", "DSN"},
    {"comment", 0, 0, G_OPTION_ARG_STRING, &opt_comment, "The user's description", "TEXT"},
    {"user-name", 0, 0, G_OPTION_ARG_STRING, &opt_user_name, "Name for the user report", "NAME"},
    {"user-email", 0, 0, G_OPTION_ARG_STRING, &opt_user_email, "E-mail for the feedback", "EMAIL"},
    {"event-id", 0, 0, G_OPTION_ARG_STRING, &opt_event_id, "Event id (32 hex digits)", "ID"},
    {"core", 0, 0, G_OPTION_ARG_FILENAME, &opt_core, "The stored core file", "FILE"},
    {"include-core", 0, 0, G_OPTION_ARG_NONE, &opt_include_core,
     "Consent to attach the core (AllowCore=true must be configured too)", NULL},
    {"no-journal", 0, 0, G_OPTION_ARG_NONE, &opt_no_journal, "Do not read journal lines", NULL},
    {"journal-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_journal_dir, "Read journal files there", "DIR"},
    {"journal-lines", 0, 0, G_OPTION_ARG_INT, &opt_journal_lines, "Journal lines at most", "N"},
    {"session-type", 0, 0, G_OPTION_ARG_STRING, &opt_session_type, "Session type tag", "TYPE"},
    {"os-release", 0, 0, G_OPTION_ARG_FILENAME, &opt_os_release, "os-release file", "FILE"},
    {"outbox", 0, 0, G_OPTION_ARG_FILENAME, &opt_outbox, "Outbox directory", "DIR"},
    {"no-send", 0, 0, G_OPTION_ARG_NONE, &opt_no_send, "submit: only queue", NULL},
    {"force", 0, 0, G_OPTION_ARG_NONE, &opt_force, "flush: ignore the backoff schedule", NULL},
    {"timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout, "Network timeout in seconds", "S"},
    {"ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file, "Trust these CAs instead of the system's", "PEM"},
    {"backoff-base-ms", 0, 0, G_OPTION_ARG_INT64, &opt_backoff_base_ms, "First retry delay", "MS"},
    {"backoff-max-ms", 0, 0, G_OPTION_ARG_INT64, &opt_backoff_max_ms, "Longest retry delay", "MS"},
    {"max-count", 0, 0, G_OPTION_ARG_INT, &opt_max_count, "Pending reports at most", "N"},
    {"max-bytes", 0, 0, G_OPTION_ARG_INT64, &opt_max_bytes, "Pending bytes at most", "BYTES"},
    {"max-age", 0, 0, G_OPTION_ARG_INT64, &opt_max_age, "Pending report age at most", "SECONDS"},
    {"system-config", 0, 0, G_OPTION_ARG_FILENAME, &opt_system_config, "System reporting.conf", "FILE"},
    {"user-config", 0, 0, G_OPTION_ARG_FILENAME, &opt_user_config, "User reporting.conf", "FILE"},
    {"app", 0, 0, G_OPTION_ARG_STRING, &opt_app, "config: application id", "ID"},
    {"pretty", 0, 0, G_OPTION_ARG_NONE, &opt_pretty, "event: pretty-print", NULL},
    {NULL},
};

static int fail(GError *error)
{
    g_printerr("coroner-sentry-tool: %s\n", error->message);
    g_error_free(error);
    return 1;
}

static int usage(void)
{
    g_printerr("usage: coroner-sentry-tool event|envelope|submit RECORD.json [OPTIONS]\n"
               "       coroner-sentry-tool outbox list|flush|show [ID] [OPTIONS]\n"
               "       coroner-sentry-tool dsn DSN | debug-id BUILD_ID | config [--app ID]\n"
               "       (--help for the options)\n");
    return 2;
}

static CoronerCrashRecord *load_record(const char *path, GError **error)
{
    return coroner_crash_record_load_at(AT_FDCWD, path, error);
}

static CoronerSentryConfig *load_config(GError **error)
{
    return coroner_sentry_config_load(opt_system_config, opt_user_config, error);
}

/* --dsn wins; otherwise the configuration decides (and may say "off"). */
static char *choose_dsn(const CoronerCrashRecord *record, GError **error)
{
    if (opt_dsn)
        return g_strdup(opt_dsn);
    g_autoptr(CoronerSentryConfig) config = load_config(error);
    if (!config)
        return NULL;
    return coroner_sentry_config_resolve_dsn(config, record, opt_app, NULL, error);
}

static gboolean build_options(const CoronerCrashRecord *record, CoronerSentryReportOptions *o,
                              CoronerSentryMachine **ret_machine, GError **error)
{
    memset(o, 0, sizeof *o);
    o->event_id = opt_event_id;
    o->comment = opt_comment;
    o->user_name = opt_user_name;
    o->user_email = opt_user_email;
    o->skip_journal = opt_no_journal;
    o->journal_dir = opt_journal_dir;
    o->journal_max_lines = opt_journal_lines > 0 ? (guint)opt_journal_lines : 0;
    o->session_type = opt_session_type;
    o->core_path = opt_core;
    o->core_consent = opt_include_core;
    if (opt_core && opt_include_core) {
        g_autoptr(CoronerSentryConfig) config = load_config(error);
        if (!config)
            return FALSE;
        o->allow_core = coroner_sentry_config_allows_core(config);
        if (!o->allow_core)
            g_printerr("coroner-sentry-tool: the core is not attached: the configuration does "
                       "not allow cores ([Sentry] AllowCore=true)\n");
    }
    if (opt_os_release)
        *ret_machine = coroner_sentry_machine_read(opt_os_release);
    o->machine = *ret_machine;
    return TRUE;
}

static CoronerSentryOutboxPolicy outbox_policy(void)
{
    CoronerSentryOutboxPolicy policy = {
        .max_count = opt_max_count > 0 ? (guint)opt_max_count : 0,
        .max_bytes = opt_max_bytes > 0 ? (guint64)opt_max_bytes : 0,
        .max_age_sec = opt_max_age > 0 ? opt_max_age : 0,
        .backoff_base_ms = opt_backoff_base_ms,
        .backoff_max_ms = opt_backoff_max_ms,
    };
    return policy;
}

static CoronerSentryTransportOptions transport_options(void)
{
    CoronerSentryTransportOptions t = {
        .timeout_sec = opt_timeout > 0 ? (guint)opt_timeout : 0,
        .ca_file = opt_ca_file,
    };
    return t;
}

static CoronerSentryOutbox *open_outbox(GError **error)
{
    CoronerSentryOutboxPolicy policy = outbox_policy();
    return coroner_sentry_outbox_open(opt_outbox, &policy, error);
}

static void print_flush(const CoronerSentryFlushResult *r)
{
    printf("sent %u failed %u deferred %u rejected %u dropped %u next %" G_GINT64_FORMAT
           " left_out %u\n",
           r->sent, r->failed, r->deferred, r->rejected, r->dropped, r->next_attempt_usec,
           r->items_dropped);
}

static int flush(void)
{
    GError *error = NULL;
    CoronerSentryOutboxPolicy policy = outbox_policy();
    CoronerSentryTransportOptions transport = transport_options();
    CoronerSentryFlushResult r;
    if (!coroner_sentry_flush_outbox(opt_outbox, &policy, &transport, opt_force, &r, &error))
        return fail(error);
    print_flush(&r);
    return 0;
}

static int cmd_outbox(int argc, char **argv)
{
    GError *error = NULL;
    if (argc < 3)
        return usage();
    if (strcmp(argv[2], "flush") == 0)
        return flush();
    g_autoptr(CoronerSentryOutbox) outbox = open_outbox(&error);
    if (!outbox)
        return fail(error);
    if (strcmp(argv[2], "list") == 0) {
        g_autoptr(GPtrArray) list = coroner_sentry_outbox_list(outbox, &error);
        if (!list)
            return fail(error);
        for (guint i = 0; i < list->len; i++) {
            const CoronerSentryOutboxEntry *e = list->pdata[i];
            printf("%s %s size=%" G_GUINT64_FORMAT " created=%" G_GINT64_FORMAT
                   " attempts=%u next=%" G_GINT64_FORMAT " status=%u%s%s\n",
                   e->event_id, coroner_sentry_entry_state_name(e->state), e->size, e->created_usec, e->attempts,
                   e->next_attempt_usec, e->last_status, e->last_error ? " error=" : "",
                   e->last_error ? e->last_error : "");
        }
        return 0;
    }
    if (strcmp(argv[2], "show") == 0 && argc == 4) {
        g_autoptr(GBytes) bytes = coroner_sentry_outbox_get(outbox, argv[3], &error);
        if (!bytes)
            return fail(error);
        gsize n = 0;
        const void *data = g_bytes_get_data(bytes, &n);
        fwrite(data, 1, n, stdout);
        return 0;
    }
    return usage();
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    GError *error = NULL;
    g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND [ARGS] — Coroner's Sentry client");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error))
        return fail(error);
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];

    if (strcmp(cmd, "outbox") == 0)
        return cmd_outbox(argc, argv);
    if (strcmp(cmd, "dsn") == 0 && argc == 3) {
        g_autoptr(CoronerSentryDsn) dsn = coroner_sentry_dsn_parse(argv[2], &error);
        if (!dsn)
            return fail(error);
        g_autofree char *url = coroner_sentry_dsn_envelope_url(dsn);
        g_autofree char *auth = coroner_sentry_dsn_auth_header(dsn, "coroner");
        printf("url %s\nauth %s\nproject %s\n", url, auth, dsn->project_id);
        return 0;
    }
    if (strcmp(cmd, "debug-id") == 0 && argc == 3) {
        g_autofree char *id = coroner_sentry_debug_id_from_build_id(argv[2]);
        if (!id) {
            g_printerr("coroner-sentry-tool: “%s” is not a build-id\n", argv[2]);
            return 1;
        }
        printf("%s\n", id);
        return 0;
    }
    if (strcmp(cmd, "config") == 0) {
        g_autoptr(CoronerSentryConfig) config = load_config(&error);
        if (!config)
            return fail(error);
        g_autoptr(CoronerCrashRecord) record = argc == 3 ? load_record(argv[2], &error) : NULL;
        if (argc == 3 && !record)
            return fail(error);
        g_autofree char *source = NULL;
        g_autofree char *dsn =
            coroner_sentry_config_resolve_dsn(config, record, opt_app, &source, &error);
        if (!dsn)
            return fail(error);
        printf("dsn %s\nsource %s\nallow_core %s\n", dsn, source,
               coroner_sentry_config_allows_core(config) ? "yes" : "no");
        return 0;
    }

    if ((strcmp(cmd, "event") != 0 && strcmp(cmd, "envelope") != 0 &&
         strcmp(cmd, "submit") != 0) ||
        argc != 3)
        return usage();
    g_autoptr(CoronerCrashRecord) record = load_record(argv[2], &error);
    if (!record)
        return fail(error);
    CoronerSentryReportOptions o;
    g_autoptr(CoronerSentryMachine) machine = NULL;
    if (!build_options(record, &o, &machine, &error))
        return fail(error);

    if (strcmp(cmd, "event") == 0) {
        g_autofree char *json = coroner_sentry_report_event_json(record, &o, opt_pretty, &error);
        if (!json)
            return fail(error);
        printf("%s\n", json);
        return 0;
    }

    if (strcmp(cmd, "submit") == 0) {
        CoronerSentryOutboxPolicy policy = outbox_policy();
        CoronerSentryTransportOptions transport = transport_options();
        CoronerSentrySubmitOptions so = {
            .dsn = opt_dsn,
            .system_config = opt_system_config,
            .user_config = opt_user_config,
            .comment = opt_comment,
            .event_id = opt_event_id,
            .core_path = opt_core,
            .core_consent = opt_include_core,
            .outbox_dir = opt_outbox,
            .policy = &policy,
            .transport = &transport,
            .no_send = opt_no_send,
            .skip_journal = opt_no_journal,
            .user_email = opt_user_email,
            .user_name = opt_user_name,
        };
        g_autofree char *event_id = NULL;
        CoronerSentryFlushResult r;
        if (!coroner_sentry_submit(record, &so, &event_id, &r, &error))
            return fail(error);
        printf("queued %s\n", event_id);
        if (!opt_no_send)
            print_flush(&r);
        return 0;
    }

    g_autofree char *dsn = choose_dsn(record, &error);
    if (!dsn)
        return fail(error);
    o.dsn = dsn;
    g_autoptr(GBytes) bytes = coroner_sentry_report_build(record, &o, NULL, &error);
    if (!bytes)
        return fail(error);
    gsize n = 0;
    const void *data = g_bytes_get_data(bytes, &n);
    return fwrite(data, 1, n, stdout) == n && fflush(stdout) == 0 ? 0 : 1;
}
