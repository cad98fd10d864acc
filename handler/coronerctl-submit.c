/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerctl submit: one crash, symbolized if it must be, turned into the
 * report the GTK reporter would show for review (coroner_sentry_report_build),
 * queued durably in the user's outbox and sent with everything else that is
 * due.  coronerctl outbox: what the outbox holds, and a flush.
 *
 * Everything Sentry is libcoroner-sentry's: the configuration and DSN
 * resolution, the bytes, the outbox, the transport.  This file only chooses
 * the crash, passes the user's options on, and says what happened.
 */
#include "coronerctl-submit.h"

#include <errno.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "coronerctl-format.h"
#include "coronerctl-symbolize.h"
#include "sentry-config.h"
#include "sentry-dsn.h"
#include "sentry-envelope.h"
#include "sentry-outbox.h"
#include "sentry-report.h"
#include "sentry-submit.h"
#include "sentry-transport.h"

static char *opt_dsn;
static char *opt_comment;
static char *opt_email;
static gboolean opt_allow_core;
static gboolean opt_dry_run;
static gboolean opt_force;

static const GOptionEntry submit_entries[] = {
    {"dsn", 0, 0, G_OPTION_ARG_STRING, &opt_dsn,
     "submit: send to this Sentry DSN instead of the configured one", "DSN"},
    {"comment", 0, 0, G_OPTION_ARG_STRING, &opt_comment,
     "submit: what happened, sent with the report", "TEXT"},
    {"email", 0, 0, G_OPTION_ARG_STRING, &opt_email,
     "submit: an address the developers may answer (with --comment)", "ADDR"},
    {"allow-core", 0, 0, G_OPTION_ARG_NONE, &opt_allow_core,
     "submit: attach the core (reporting.conf must say AllowCore=true)", NULL},
    {"dry-run", 0, 0, G_OPTION_ARG_NONE, &opt_dry_run,
     "submit: print the exact bytes that would be sent; send nothing", NULL},
    {"force", 0, 0, G_OPTION_ARG_NONE, &opt_force,
     "outbox flush: send what waits for a retry now (the server's rate limits still hold)", NULL},
    {NULL},
};

const GOptionEntry *ctl_submit_option_entries(void)
{
    return submit_entries;
}

void ctl_submit_options_clear(void)
{
    g_clear_pointer(&opt_dsn, g_free);
    g_clear_pointer(&opt_comment, g_free);
    g_clear_pointer(&opt_email, g_free);
}

/* ------------------------------------------------------------ the outbox's entries */

/* "HTTP 413 Request Entity Too Large", or NULL without a status. */
static char *status_text(guint status)
{
    if (status == 0)
        return NULL;
    const char *phrase = soup_status_get_phrase(status);
    return phrase ? g_strdup_printf("HTTP %u %s", status, phrase)
                  : g_strdup_printf("HTTP %u", status);
}

/* What the server (or the network) last said about an entry, or NULL. */
static char *answer_text(const CoronerSentryOutboxEntry *e)
{
    g_autofree char *status = status_text(e->last_status);
    if (status && e->last_error && !strstr(e->last_error, "HTTP"))
        return g_strdup_printf("%s: %s", status, e->last_error);
    if (e->last_error)
        return g_strdup(e->last_error);
    return g_steal_pointer(&status);
}

/*
 * The application a stored report is about: contexts.app of its event item
 * (app_identifier: the hook's app id, else the command name).  NULL when the
 * bytes hold no such event.
 */
static char *envelope_app(GBytes *bytes)
{
    return coroner_sentry_envelope_item_string(bytes, "event", "$.contexts.app.app_identifier");
}

/* When a pending entry goes out again: its own schedule, or the outbox's (rate limits). */
static gint64 next_attempt(const CoronerSentryOutboxEntry *e, gint64 outbox_next)
{
    if (e->state != CORONER_SENTRY_ENTRY_PENDING)
        return 0;
    return MAX(e->next_attempt_usec, outbox_next);
}

static JsonNode *entry_json(const CoronerSentryOutboxEntry *e, const char *app, gint64 outbox_next)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "event_id");
    json_builder_add_string_value(b, e->event_id);
    json_builder_set_member_name(b, "kind");
    json_builder_add_string_value(b, "report");
    json_builder_set_member_name(b, "app");
    if (app)
        json_builder_add_string_value(b, app);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, coroner_sentry_entry_state_name(e->state));
    json_builder_set_member_name(b, "size");
    json_builder_add_int_value(b, (gint64)e->size);
    g_autofree char *created = ctl_format_iso8601(e->created_usec);
    json_builder_set_member_name(b, "created");
    json_builder_add_string_value(b, created);
    json_builder_set_member_name(b, "created_usec");
    json_builder_add_int_value(b, e->created_usec);
    json_builder_set_member_name(b, "attempts");
    json_builder_add_int_value(b, e->attempts);
    gint64 next = next_attempt(e, outbox_next);
    json_builder_set_member_name(b, "next_attempt");
    if (e->state == CORONER_SENTRY_ENTRY_PENDING) {
        g_autofree char *iso = ctl_format_iso8601(next > 0 ? next : g_get_real_time());
        json_builder_add_string_value(b, iso);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_set_member_name(b, "next_attempt_usec");
    json_builder_add_int_value(b, next);
    json_builder_set_member_name(b, "status");
    if (e->last_status)
        json_builder_add_int_value(b, e->last_status);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "error");
    if (e->last_error)
        json_builder_add_string_value(b, e->last_error);
    else
        json_builder_add_null_value(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* "Sun 2026-11-22 10:00:05 UTC (in 57s)", or "now" when it is due. */
static char *retry_text(gint64 usec)
{
    gint64 now = g_get_real_time();
    if (usec <= now)
        return g_strdup("now");
    g_autofree char *when = ctl_format_time(usec);
    gint64 s = (usec - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
    if (s < 120)
        return g_strdup_printf("%s (in %" G_GINT64_FORMAT "s)", when, s);
    if (s < 7200)
        return g_strdup_printf("%s (in %" G_GINT64_FORMAT "min)", when, s / 60);
    return g_strdup_printf("%s (in %" G_GINT64_FORMAT "h)", when, s / 3600);
}

/*
 * What an outbox entry is: a crash report (its event), or the user's comment
 * on one (a feedback item, sent apart from its event) — then "about" is the
 * crash's event id and the application is that report's, while the outbox
 * still holds it.
 */
typedef struct {
    gboolean comment;
    char *about;
    char *app;
} EntryKind;

static void entry_kind_clear(EntryKind *k)
{
    g_clear_pointer(&k->about, g_free);
    g_clear_pointer(&k->app, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(EntryKind, entry_kind_clear)

static char *app_of(CoronerSentryOutbox *box, const char *event_id)
{
    g_autoptr(GBytes) bytes = coroner_sentry_outbox_get(box, event_id, NULL);
    return bytes ? envelope_app(bytes) : NULL;
}

static void kind_of(CoronerSentryOutbox *box, const char *event_id, EntryKind *ret)
{
    memset(ret, 0, sizeof *ret);
    g_autoptr(GBytes) bytes = coroner_sentry_outbox_get(box, event_id, NULL);
    if (!bytes)
        return;
    ret->app = envelope_app(bytes);
    if (ret->app)
        return;
    ret->about = coroner_sentry_envelope_item_string(bytes, "feedback", "$.contexts.feedback.associated_event_id");
    ret->comment = ret->about != NULL;
    if (ret->about)
        ret->app = app_of(box, ret->about);
}

static int data_error(GError **error, const char *what, const GError *cause)
{
    g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "%s: %s", what, cause->message);
    return CTL_EXIT_DATA;
}

/* ------------------------------------------------------------------- submit */

/* Submission is off: say so, and how to turn it on. */
static int submission_off(GError **error, const GError *cause)
{
    g_set_error(error, CTL_ERROR, CTL_EXIT_OFF, "not submitted: %s%s", cause->message,
                strstr(cause->message, "administrator") ? "" : "; or give one with --dsn=DSN");
    return CTL_EXIT_OFF;
}

/* The DSN (coroner_sentry_submit_dsn()), its failures as coronerctl's exit statuses. */
static char *choose_dsn(const CoronerSentryConfig *config, const CoronerCrashRecord *record,
                        int *ret_status, GError **error)
{
    g_autoptr(GError) local = NULL;
    char *dsn = coroner_sentry_submit_dsn(config, record, opt_dsn, &local);
    if (!dsn) {
        if (g_error_matches(local, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_DISABLED))
            *ret_status = submission_off(error, local);
        else
            *ret_status = data_error(error, "reporting.conf", local);
        return NULL;
    }
    /* A malformed --dsn is the user's typo, not a data problem. */
    g_autoptr(CoronerSentryDsn) parsed = coroner_sentry_dsn_parse(dsn, &local);
    if (!parsed) {
        g_set_error(error, CTL_ERROR, opt_dsn ? CTL_EXIT_USAGE : CTL_EXIT_DATA, "%s",
                    local->message);
        *ret_status = opt_dsn ? CTL_EXIT_USAGE : CTL_EXIT_DATA;
        g_free(dsn);
        return NULL;
    }
    return dsn;
}

static void print_outcome(CtlContext *ctx, const CoronerCrashEntry *crash, const char *event_id,
                          const CoronerSentryOutboxEntry *e, const char *app,
                          const CoronerSentryFlushResult *result)
{
    if (ctx->json) {
        g_autoptr(JsonNode) node = entry_json(e, app, result->next_attempt_usec);
        JsonObject *o = json_node_get_object(node);
        json_object_set_string_member(o, "crash", crash->short_id);
        json_object_set_string_member(o, "entry_id", crash->id);
        ctl_json_print(node, !ctx->json_short);
        return;
    }
    printf("Event ID: %s\n", event_id);
    g_autofree char *answer = answer_text(e);
    switch (e->state) {
    case CORONER_SENTRY_ENTRY_SENT:
        printf("Outcome: sent%s%s%s\n", answer ? " (" : "", answer ? answer : "",
               answer ? ")" : "");
        break;
    case CORONER_SENTRY_ENTRY_REJECTED:
        printf("Outcome: rejected: %s\n", answer ? answer : "refused by the server");
        break;
    case CORONER_SENTRY_ENTRY_PENDING: {
        g_autofree char *when = retry_text(next_attempt(e, result->next_attempt_usec));
        printf("Outcome: queued for retry at %s%s%s\n", when, answer ? ": " : "",
               answer ? answer : "");
        break;
    }
    }
    if (result->sent > (e->state == CORONER_SENTRY_ENTRY_SENT ? 1u : 0u)) {
        guint others = result->sent - (e->state == CORONER_SENTRY_ENTRY_SENT ? 1u : 0u);
        printf("Also sent: %u earlier report%s from the outbox\n", others, others == 1 ? "" : "s");
    }
}

int ctl_submit(CtlContext *ctx, char **args, GError **error)
{
    if (opt_email && !(opt_comment && *opt_comment)) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE,
                    "--email goes with --comment: the address is sent with the comment");
        return CTL_EXIT_USAGE;
    }
    CoronerCrashEntry *crash = ctl_find_one(ctx, args, error);
    if (!crash)
        return (*error)->code;
    if (crash->unverified) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_UNAVAILABLE,
                    "%s: an unverified journal entry is never submitted", crash->short_id);
        return CTL_EXIT_UNAVAILABLE;
    }
    g_autoptr(GError) local = NULL;

    /* Before anything slow: is there anyone to send it to? */
    g_autoptr(CoronerSentryConfig) config = coroner_sentry_config_load(NULL, NULL, &local);
    if (!config)
        return data_error(error, "reporting.conf", local);
    int status = CTL_EXIT_OK;
    g_autofree char *dsn = choose_dsn(config, crash->record, &status, error);
    if (!dsn)
        return status;

    g_autofree char *core_path = NULL;
    if (opt_allow_core) {
        if (!coroner_sentry_config_allows_core(config)) {
            g_autofree char *user = coroner_sentry_config_default_user_path();
            g_set_error(error, CTL_ERROR, CTL_EXIT_OFF,
                        "not submitted: the configuration does not allow cores in reports "
                        "([Sentry] AllowCore=true in %s, unless the administrator forbids it)",
                        user);
            return CTL_EXIT_OFF;
        }
        core_path = coroner_crash_entry_core_path(ctx->index, crash);
        if (!core_path || g_str_equal(crash->core_status, "missing") ||
            g_str_equal(crash->core_status, "none")) {
            g_set_error(error, CTL_ERROR, CTL_EXIT_UNAVAILABLE,
                        "%s: no core file to attach (core: %s)", crash->short_id,
                        crash->core_status);
            return CTL_EXIT_UNAVAILABLE;
        }
    }

    /* Symbolized first, as `coronerctl backtrace` would; without stacks it is still a report. */
    if (!ctl_ensure_backtrace(ctx->index, crash, &local)) {
        g_printerr("coronerctl: warning: %s: the report has no stacks: %s\n", crash->short_id,
                   local->message);
        g_clear_error(&local);
    }

    /* The minidump (reporting.conf's Minidump=) is made from the stored core. */
    CoronerSentryMinidumpMode minidump =
        coroner_sentry_config_minidump_mode(config, crash->record, NULL);
    int core_fd = -1;
    if (minidump != CORONER_SENTRY_MINIDUMP_OFF && !g_str_equal(crash->core_status, "missing") &&
        !g_str_equal(crash->core_status, "none")) {
        core_fd = ctl_open_core_for_parsing(ctx->index, crash, &local);
        if (core_fd < 0) {
            g_printerr("coronerctl: warning: %s: the report goes without a minidump: %s\n",
                       crash->short_id, local->message);
            g_clear_error(&local);
        }
    }
    CoronerSentryReportOptions ro = {
        .dsn = dsn,
        .comment = opt_comment,
        .user_email = opt_email,
        .core_path = core_path,
        .allow_core = coroner_sentry_config_allows_core(config),
        .core_consent = opt_allow_core,
        .minidump = core_fd >= 0 ? minidump : CORONER_SENTRY_MINIDUMP_OFF,
        .minidump_core_fd = core_fd,
        .minidump_environ_consent = ctx->minidump_environ,
    };
    g_autofree char *event_id = NULL;
    g_autoptr(GBytes) bytes = coroner_sentry_report_build(crash->record, &ro, &event_id, &local);
    if (core_fd >= 0)
        close(core_fd);
    if (!bytes)
        return data_error(error, crash->short_id, local);

    if (opt_dry_run) {
        gsize n = 0;
        const void *data = g_bytes_get_data(bytes, &n);
        if (fwrite(data, 1, n, stdout) != n) {
            g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "cannot write the report: %s",
                        g_strerror(errno));
            return CTL_EXIT_DATA;
        }
        return CTL_EXIT_OK;
    }

    g_autoptr(CoronerSentryOutbox) box = coroner_sentry_outbox_open(NULL, NULL, &local);
    if (!box)
        return data_error(error, "the outbox", local);
    g_auto(CoronerSentrySubmitResult) result = {0};
    if (!coroner_sentry_submit_envelope(box, NULL, bytes, FALSE, FALSE, NULL, &result, &local))
        return data_error(error, coroner_sentry_outbox_get_path(box), local);
    if (result.flush_error)
        g_printerr(
            "coronerctl: warning: the report is queued, but the outbox was not flushed: %s\n",
            result.flush_error);
    const CoronerSentryOutboxEntry *e = result.entry;
    if (!e) {
        /* Only the outbox's bounds remove an entry, and never one just added. */
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "report %s is gone from the outbox %s",
                    event_id, coroner_sentry_outbox_get_path(box));
        return CTL_EXIT_DATA;
    }
    g_autofree char *app = envelope_app(bytes);
    print_outcome(ctx, crash, event_id, e, app, &result.flush);
    switch (e->state) {
    case CORONER_SENTRY_ENTRY_SENT:
        return CTL_EXIT_OK;
    case CORONER_SENTRY_ENTRY_REJECTED:
        return CTL_EXIT_REJECTED;
    case CORONER_SENTRY_ENTRY_PENDING:
        break;
    }
    return CTL_EXIT_QUEUED;
}

/* ------------------------------------------------------------------- outbox */

static int outbox_list(CtlContext *ctx, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(CoronerSentryOutbox) box = coroner_sentry_outbox_open(NULL, NULL, &local);
    if (!box)
        return data_error(error, "the outbox", local);
    g_autoptr(GPtrArray) list = coroner_sentry_outbox_list(box, &local);
    if (!list)
        return data_error(error, coroner_sentry_outbox_get_path(box), local);
    ctl_pager_open(&ctx->out, ctx->no_pager);

    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_array(b);
        for (guint i = 0; i < list->len; i++) {
            const CoronerSentryOutboxEntry *e = list->pdata[i];
            g_auto(EntryKind) kind = {0};
            kind_of(box, e->event_id, &kind);
            JsonNode *node = entry_json(e, kind.app, 0);
            if (kind.comment) {
                json_object_set_string_member(json_node_get_object(node), "kind", "comment");
                json_object_set_string_member(json_node_get_object(node), "about", kind.about);
            }
            json_builder_add_value(b, node);
        }
        json_builder_end_array(b);
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        ctl_json_print(root, !ctx->json_short);
        return CTL_EXIT_OK;
    }
    if (list->len == 0) {
        if (!ctx->no_legend)
            printf("The outbox %s is empty.\n", coroner_sentry_outbox_get_path(box));
        return CTL_EXIT_OK;
    }
    static const char *const headers[] = {"EVENT ID", "KIND",       "APP",    "STATE",
                                          "ATTEMPTS", "NEXT RETRY", "ANSWER", NULL};
    g_autoptr(CtlTable) table = ctl_table_new(headers);
    ctl_table_align_right(table, 4);
    guint pending = 0, comments = 0;
    for (guint i = 0; i < list->len; i++) {
        const CoronerSentryOutboxEntry *e = list->pdata[i];
        g_auto(EntryKind) kind = {0};
        kind_of(box, e->event_id, &kind);
        comments += kind.comment;
        g_autofree char *attempts = g_strdup_printf("%u", e->attempts);
        g_autofree char *next =
            e->state == CORONER_SENTRY_ENTRY_PENDING
                ? (e->next_attempt_usec > g_get_real_time() ? ctl_format_time(e->next_attempt_usec)
                                                            : g_strdup("now"))
                : NULL;
        g_autofree char *answer = answer_text(e);
        CtlColor color = e->state == CORONER_SENTRY_ENTRY_SENT       ? CTL_COLOR_GREEN
                         : e->state == CORONER_SENTRY_ENTRY_REJECTED ? CTL_COLOR_RED
                                                                     : CTL_COLOR_YELLOW;
        pending += e->state == CORONER_SENTRY_ENTRY_PENDING;
        ctl_table_add(table, CTL_COLOR_BOLD, e->event_id);
        ctl_table_add(table, CTL_COLOR_NONE, kind.comment ? "comment" : "report");
        ctl_table_add(table, CTL_COLOR_NONE, kind.app);
        ctl_table_add(table, color, coroner_sentry_entry_state_name(e->state));
        ctl_table_add(table, CTL_COLOR_NONE, attempts);
        ctl_table_add(table, CTL_COLOR_NONE, next);
        ctl_table_add(table, CTL_COLOR_NONE, answer);
    }
    ctl_table_print(table, &ctx->out, !ctx->no_legend);
    if (!ctx->no_legend)
        printf("\n%u report%s, %u comment%s, %u pending, in %s.\n", list->len - comments,
               list->len - comments == 1 ? "" : "s", comments, comments == 1 ? "" : "s", pending,
               coroner_sentry_outbox_get_path(box));
    return CTL_EXIT_OK;
}

static int outbox_flush(CtlContext *ctx, GError **error)
{
    g_autoptr(GError) local = NULL;
    CoronerSentryFlushResult r = {0};
    if (!coroner_sentry_flush_outbox(NULL, NULL, NULL, opt_force, &r, &local))
        return data_error(error, "the outbox", local);
    if (ctx->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        const struct {
            const char *name;
            guint value;
        } counts[] = {{"sent", r.sent},
                      {"failed", r.failed},
                      {"deferred", r.deferred},
                      {"rejected", r.rejected},
                      {"dropped", r.dropped}};
        for (gsize i = 0; i < G_N_ELEMENTS(counts); i++) {
            json_builder_set_member_name(b, counts[i].name);
            json_builder_add_int_value(b, counts[i].value);
        }
        json_builder_set_member_name(b, "next_attempt");
        if (r.next_attempt_usec) {
            g_autofree char *iso = ctl_format_iso8601(r.next_attempt_usec);
            json_builder_add_string_value(b, iso);
        } else {
            json_builder_add_null_value(b);
        }
        json_builder_set_member_name(b, "next_attempt_usec");
        json_builder_add_int_value(b, r.next_attempt_usec);
        json_builder_end_object(b);
        g_autoptr(JsonNode) root = json_builder_get_root(b);
        ctl_json_print(root, !ctx->json_short);
    } else {
        printf("Sent %u, failed %u, not yet due %u, rejected %u, dropped %u.\n", r.sent, r.failed,
               r.deferred, r.rejected, r.dropped);
        if (r.next_attempt_usec) {
            g_autofree char *when = retry_text(r.next_attempt_usec);
            printf("Next retry: %s\n", when);
        }
    }
    if (r.rejected)
        return CTL_EXIT_REJECTED;
    /* Something is still waiting in the outbox (failed now, or not due yet). */
    if (r.next_attempt_usec)
        return CTL_EXIT_QUEUED;
    return CTL_EXIT_OK;
}

int ctl_outbox(CtlContext *ctx, char **args, GError **error)
{
    guint n = args ? g_strv_length(args) : 0;
    const char *what = n > 0 ? args[0] : "list";
    if (n > 1 || (!g_str_equal(what, "list") && !g_str_equal(what, "flush"))) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE, "usage: coronerctl outbox [list|flush]");
        return CTL_EXIT_USAGE;
    }
    if (g_str_equal(what, "flush"))
        return outbox_flush(ctx, error);
    return outbox_list(ctx, error);
}
