/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-submission.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "core-access.h"
#include "fs-util.h"
#include "sentry-config.h"
#include "sentry-dsn.h"
#include "sentry-envelope.h"
#include "sentry-outbox.h"
#include "sentry-report.h"
#include "sentry-submit.h"
#include "sentry-transport.h"
#include "json-parse.h"

struct _CoronerSubmission {
    CoronerSentryConfig *config;
    CoronerSentryOutbox *outbox;
    CoronerSentryTransport *transport;
    GMutex lock; /* the outbox and transport are used from one worker at a time */
};

CoronerSubmission *coroner_submission_new(GError **error)
{
    g_autoptr(CoronerSentryConfig) config = NULL;
    g_autoptr(CoronerSentryOutbox) outbox = NULL;
    g_autoptr(CoronerSentryTransport) transport = NULL;
    CoronerSentryOutboxPolicy policy = {0};
    const char *retry_ms = g_getenv("CORONER_REPORTER_RETRY_MS");

    /* Tests make the first retry come soon; by default the outbox's own schedule applies. */
    if (retry_ms)
        policy.backoff_base_ms = policy.backoff_max_ms = g_ascii_strtoll(retry_ms, NULL, 10);
    config = coroner_sentry_config_load(NULL, NULL, error);
    if (!config)
        return NULL;
    outbox = coroner_sentry_outbox_open(NULL, &policy, error);
    if (!outbox)
        return NULL;
    transport = coroner_sentry_transport_new(NULL, error);
    if (!transport)
        return NULL;
    CoronerSubmission *self = g_new0(CoronerSubmission, 1);
    self->config = g_steal_pointer(&config);
    self->outbox = g_steal_pointer(&outbox);
    self->transport = g_steal_pointer(&transport);
    g_mutex_init(&self->lock);
    return self;
}

void coroner_submission_free(CoronerSubmission *self)
{
    if (!self)
        return;
    coroner_sentry_transport_free(self->transport);
    coroner_sentry_outbox_free(self->outbox);
    coroner_sentry_config_free(self->config);
    g_mutex_clear(&self->lock);
    g_free(self);
}

char *coroner_submission_resolve_dsn(CoronerSubmission *self, const CoronerCrashRecord *record,
                                     const char *app_id, GError **error)
{
    return coroner_sentry_config_resolve_dsn(self->config, record, app_id, NULL, error);
}

/* The crash's stack core in store_path, for a minidump; -1 when there is none. */
static int open_stack_core(const CoronerCrashRecord *record, const char *store_path)
{
    g_autoptr(GError) error = NULL;
    int dir_fd = store_path ? coroner_open_dir_nofollow(store_path, &error) : -1;
    int fd = dir_fd >= 0 ? coroner_core_open_stack_core(dir_fd, record, &error) : -1;

    if (dir_fd >= 0)
        close(dir_fd);
    if (fd < 0)
        g_message("The report goes without a minidump: %s",
                  error ? error->message : "the crash's store is not known");
    return fd;
}

GBytes *coroner_submission_build(CoronerSubmission *self, const CoronerCrashRecord *record,
                                 const char *store_path, const char *dsn, const char *comment,
                                 const char *email, const char *const *skip_attachments, char **ret_event_id,
                                 GError **error)
{
    CoronerSentryReportOptions options = {0};
    CoronerSentryMinidumpMode minidump = coroner_sentry_config_minidump_mode(self->config, record, NULL);
    int core_fd = minidump != CORONER_SENTRY_MINIDUMP_OFF ? open_stack_core(record, store_path) : -1;
    GBytes *envelope;

    options.skip_attachments = skip_attachments;
    options.dsn = dsn;
    options.comment = comment && *comment ? comment : NULL;
    options.user_email = email && *email ? email : NULL;
    /* The core never goes without a separate, explicit consent the reporter does not ask for yet. */
    options.allow_core = FALSE;
    options.core_consent = FALSE;
    /* Nor the environment: the minidump goes without it. */
    options.minidump = core_fd >= 0 ? minidump : CORONER_SENTRY_MINIDUMP_OFF;
    options.minidump_core_fd = core_fd;
    envelope = coroner_sentry_report_build(record, &options, ret_event_id, error);
    if (core_fd >= 0)
        close(core_fd);
    return envelope;
}

GBytes *coroner_submission_build_feedback(CoronerSubmission *self, const CoronerCrashRecord *record,
                                          const char *dsn, const char *event_id, const char *comment,
                                          const char *email, GError **error)
{
    CoronerSentryReportOptions options = {0};

    options.dsn = dsn;
    options.comment = comment;
    options.user_email = email && *email ? email : NULL;
    return coroner_sentry_report_build_feedback(record, &options, event_id, error);
}

char *coroner_submission_dsn_host(const char *dsn, char **ret_project)
{
    g_autoptr(CoronerSentryDsn) parsed = coroner_sentry_dsn_parse(dsn, NULL);
    gboolean default_port;

    if (!parsed)
        return NULL;
    default_port = (g_str_equal(parsed->scheme, "https") && parsed->port == 443) ||
                   (g_str_equal(parsed->scheme, "http") && parsed->port == 80);
    if (ret_project)
        *ret_project = g_strdup(parsed->project_id);
    if (default_port)
        return g_strdup(parsed->host);
    return strchr(parsed->host, ':') ? g_strdup_printf("[%s]:%d", parsed->host, parsed->port)
                                     : g_strdup_printf("%s:%d", parsed->host, parsed->port);
}

static void attachment_free(CoronerSubmissionAttachment *attachment)
{
    g_free(attachment->filename);
    g_free(attachment);
}

/* The breadcrumbs of an event payload: the journal lines from before the crash. */
static guint count_journal_lines(GBytes *payload)
{
    gsize length;
    const char *data = g_bytes_get_data(payload, &length);
    g_autoptr(JsonNode) root = data ? coroner_json_parse(data, (gssize)length, CORONER_JSON_MAX_BYTES, NULL) : NULL;
    JsonObject *event = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
    JsonNode *breadcrumbs = event ? json_object_get_member(event, "breadcrumbs") : NULL;
    JsonNode *values = breadcrumbs && JSON_NODE_HOLDS_OBJECT(breadcrumbs)
                           ? json_object_get_member(json_node_get_object(breadcrumbs), "values")
                           : NULL;

    return values && JSON_NODE_HOLDS_ARRAY(values) ? json_array_get_length(json_node_get_array(values)) : 0;
}

CoronerSubmissionContents *coroner_submission_contents(GBytes *envelope)
{
    CoronerSubmissionContents *contents = g_new0(CoronerSubmissionContents, 1);
    g_autoptr(JsonObject) header = NULL;
    g_autoptr(GPtrArray) items = coroner_sentry_envelope_items(envelope, &header, NULL);

    contents->attachments = g_ptr_array_new_with_free_func((GDestroyNotify)attachment_free);
    if (!items)
        return contents;
    contents->event_id = g_strdup(json_object_get_string_member_with_default(header, "event_id", NULL));
    for (guint i = 0; i < items->len; i++) {
        const CoronerSentryEnvelopeItem *item = g_ptr_array_index(items, i);
        if (g_str_equal(item->type, "attachment")) {
            CoronerSubmissionAttachment *attachment = g_new0(CoronerSubmissionAttachment, 1);
            attachment->filename =
                g_strdup(json_object_get_string_member_with_default(item->headers, "filename", "?"));
            attachment->size = g_bytes_get_size(item->payload);
            g_ptr_array_add(contents->attachments, attachment);
        } else if (g_str_equal(item->type, "event")) {
            contents->journal_lines = count_journal_lines(item->payload);
        }
    }
    return contents;
}

void coroner_submission_contents_free(CoronerSubmissionContents *contents)
{
    if (!contents)
        return;
    g_free(contents->event_id);
    g_ptr_array_unref(contents->attachments);
    g_free(contents);
}

static void describe_json_node(GString *out, JsonNode *node)
{
    g_autofree char *pretty = json_to_string(node, TRUE);

    g_string_append(out, pretty);
    g_string_append_c(out, '\n');
}

static void describe_json(GString *out, const char *data, gsize length)
{
    g_autoptr(JsonNode) root = coroner_json_parse(data, (gssize)length, CORONER_JSON_MAX_BYTES, NULL);

    if (root) {
        describe_json_node(out, root);
    } else {
        g_string_append_len(out, data, (gssize)length);
        g_string_append_c(out, '\n');
    }
}

char *coroner_submission_describe(GBytes *envelope)
{
    g_autoptr(JsonObject) header = NULL;
    g_autoptr(GPtrArray) items = coroner_sentry_envelope_items(envelope, &header, NULL);
    GString *out = g_string_new(NULL);

    if (!items) {
        /* Not ours to judge here: the outbox refuses it; show what it is. */
        gsize size;
        const char *data = g_bytes_get_data(envelope, &size);
        g_string_append_len(out, data, (gssize)size);
        return g_string_free(out, FALSE);
    }
    /* The envelope header. */
    g_autoptr(JsonNode) header_node = json_node_init_object(json_node_alloc(), header);
    describe_json_node(out, header_node);
    for (guint i = 0; i < items->len; i++) {
        const CoronerSentryEnvelopeItem *item = g_ptr_array_index(items, i);
        gsize length;
        const char *payload = g_bytes_get_data(item->payload, &length);

        g_string_append_c(out, '\n');
        if (g_str_equal(item->type, "attachment")) {
            const char *filename = json_object_get_string_member_with_default(item->headers, "filename", "?");
            g_autofree char *size_text = g_format_size((guint64)length);
            /* Translators: an attachment in the report: file name and size */
            g_string_append_printf(out, _("Attachment: %s (%s)"), filename, size_text);
            g_string_append_c(out, '\n');
        } else {
            /* Translators: a part of the report; %s is its type, such as "event" */
            g_string_append_printf(out, _("Item: %s"), item->type);
            g_string_append_c(out, '\n');
            describe_json(out, payload ? payload : "", length);
        }
    }
    return g_string_free(out, FALSE);
}

/* ---- sending ---------------------------------------------------------- */

typedef struct {
    CoronerSubmission *self; /* outlives every task: owned by the application */
    GBytes *envelope;
    char *event_id;
    CoronerSubmissionOutcome outcome;
    char *reason;
    GHashTable *outcomes;
    gint64 next_usec;
} TaskData;

static void task_data_free(TaskData *data)
{
    g_clear_pointer(&data->envelope, g_bytes_unref);
    g_clear_pointer(&data->outcomes, g_hash_table_unref);
    g_free(data->event_id);
    g_free(data->reason);
    g_free(data);
}

static char *reason_of(const CoronerSentryOutboxEntry *entry)
{
    if (entry->last_error && entry->last_status)
        /* Translators: %u is an HTTP status, %s the server's words */
        return g_strdup_printf(_("The server answered %u: %s"), entry->last_status, entry->last_error);
    if (entry->last_error)
        return g_strdup(entry->last_error);
    if (entry->last_status)
        return g_strdup_printf(_("The server answered %u."), entry->last_status);
    return NULL;
}

static CoronerSubmissionOutcome outcome_of(const CoronerSentryOutboxEntry *entry)
{
    switch (entry->state) {
    case CORONER_SENTRY_ENTRY_SENT:
        return CORONER_SUBMISSION_SENT;
    case CORONER_SENTRY_ENTRY_REJECTED:
        return CORONER_SUBMISSION_REJECTED;
    case CORONER_SENTRY_ENTRY_PENDING:
    default:
        return CORONER_SUBMISSION_QUEUED;
    }
}

/* Every entry's outcome after a flush, and the reason for event_id's. */
static GHashTable *collect_outcomes(CoronerSubmission *self, const char *event_id, CoronerSubmissionOutcome *ret_outcome,
                                   char **ret_reason)
{
    g_autoptr(GPtrArray) entries = coroner_sentry_outbox_list(self->outbox, NULL);
    GHashTable *outcomes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (guint i = 0; entries && i < entries->len; i++) {
        CoronerSentryOutboxEntry *entry = g_ptr_array_index(entries, i);
        CoronerSubmissionOutcome outcome = outcome_of(entry);
        g_hash_table_replace(outcomes, g_strdup(entry->event_id), GINT_TO_POINTER(outcome));
        if (event_id && g_strcmp0(entry->event_id, event_id) == 0) {
            *ret_outcome = outcome;
            if (outcome != CORONER_SUBMISSION_SENT && !*ret_reason)
                *ret_reason = reason_of(entry);
        }
    }
    return outcomes;
}

static void send_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    TaskData *data = task_data;
    CoronerSubmission *self = data->self;
    GError *error = NULL;
    g_auto(CoronerSentrySubmitResult) result = {0};

    g_mutex_lock(&self->lock);
    /* A Send is the user asking now: ignore the backoff schedule (not the server's rate limits). */
    if (!coroner_sentry_submit_envelope(self->outbox, self->transport, data->envelope, FALSE, data->envelope != NULL,
                                        cancellable, &result, &error)) {
        g_mutex_unlock(&self->lock);
        g_task_return_error(task, error);
        return;
    }
    data->event_id = g_steal_pointer(&result.event_id);
    data->reason = g_steal_pointer(&result.flush_error);
    data->outcome = CORONER_SUBMISSION_QUEUED;
    data->outcomes = collect_outcomes(self, data->event_id, &data->outcome, &data->reason);
    data->next_usec = result.flush.next_attempt_usec;
    g_mutex_unlock(&self->lock);
    g_task_return_boolean(task, TRUE);
}

static void run(CoronerSubmission *self, GBytes *envelope, gpointer tag, GCancellable *cancellable,
                GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    TaskData *data = g_new0(TaskData, 1);

    data->self = self;
    data->envelope = envelope ? g_bytes_ref(envelope) : NULL;
    g_task_set_task_data(task, data, (GDestroyNotify)task_data_free);
    g_task_set_source_tag(task, tag);
    g_task_run_in_thread(task, send_thread);
}

void coroner_submission_send_async(CoronerSubmission *self, GBytes *envelope, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
    run(self, envelope, coroner_submission_send_async, cancellable, callback, user_data);
}

gboolean coroner_submission_send_finish(CoronerSubmission *self, GAsyncResult *result,
                                        CoronerSubmissionOutcome *ret_outcome, char **ret_event_id,
                                        char **ret_reason, GError **error)
{
    TaskData *data = g_task_get_task_data(G_TASK(result));

    if (!g_task_propagate_boolean(G_TASK(result), error))
        return FALSE;
    if (ret_outcome)
        *ret_outcome = data->outcome;
    if (ret_event_id)
        *ret_event_id = g_strdup(data->event_id);
    if (ret_reason)
        *ret_reason = g_strdup(data->reason);
    return TRUE;
}

void coroner_submission_flush_async(CoronerSubmission *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
    run(self, NULL, coroner_submission_flush_async, cancellable, callback, user_data);
}

GHashTable *coroner_submission_flush_finish(CoronerSubmission *self, GAsyncResult *result,
                                            gint64 *ret_next_usec, GError **error)
{
    TaskData *data = g_task_get_task_data(G_TASK(result));

    if (!g_task_propagate_boolean(G_TASK(result), error))
        return NULL;
    if (ret_next_usec)
        *ret_next_usec = data->next_usec;
    return g_hash_table_ref(data->outcomes);
}
