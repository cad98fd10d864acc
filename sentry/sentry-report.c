/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-report.h"

#include <string.h>
#include <unistd.h>

#include "sentry-breadcrumbs.h"
#include "sentry-dsn.h"
#include "sentry-envelope.h"
#include "sentry-event.h"
#include "sentry-privacy.h"
#include "trust.h"

static JsonNode *build_scrubbed_event(const CoronerCrashRecord *record,
                                      const CoronerSentryReportOptions *o,
                                      const CoronerSentryScrubber *scrubber, GError **error)
{
    g_autoptr(GPtrArray) journal = NULL;
    if (!o->skip_journal) {
        g_autoptr(GError) local = NULL;
        gint64 before = record->timestamp_usec > 0 ? record->timestamp_usec : 0;
        journal = coroner_sentry_breadcrumbs_from_journal(
            record->process.pid, record->process.uid, record->boot_id, before,
            o->journal_max_lines ? o->journal_max_lines : CORONER_SENTRY_DEFAULT_JOURNAL_LINES,
            o->journal_dir, &local);
        /* Without a journal the report is still worth sending. */
        if (!journal)
            g_debug("No journal lines: %s", local->message);
    }
    CoronerSentryEventOptions eo = {
        .event_id = o->event_id,
        .journal_lines = journal,
        .machine = o->machine,
        .session_type = o->session_type,
    };
    JsonNode *event = coroner_sentry_event_build(record, &eo, error);
    if (event)
        coroner_sentry_scrub_json(scrubber, event);
    return event;
}

char *coroner_sentry_report_event_json(const CoronerCrashRecord *record,
                                       const CoronerSentryReportOptions *options, gboolean pretty,
                                       GError **error)
{
    g_autoptr(CoronerSentryScrubber) scrubber = coroner_sentry_scrubber_new_for_record(record);
    g_autoptr(JsonNode) event = build_scrubbed_event(record, options, scrubber, error);
    if (!event)
        return NULL;
    return json_to_string(event, pretty);
}

/* With the minidump instead of our stack traces, Sentry's own walk of it is the only one. */
static void drop_stacktraces(JsonNode *event)
{
    JsonObject *root = json_node_get_object(event);
    const char *lists[] = {"exception", "threads"};
    for (guint i = 0; i < G_N_ELEMENTS(lists); i++) {
        JsonObject *o = json_object_get_object_member(root, lists[i]);
        JsonArray *values = o && json_object_has_member(o, "values")
                                ? json_object_get_array_member(o, "values")
                                : NULL;
        for (guint k = 0; values && k < json_array_get_length(values); k++) {
            JsonObject *v = json_array_get_object_element(values, k);
            if (v)
                json_object_remove_member(v, "stacktrace");
        }
    }
}

/*
 * The core is opened by the trust rule (trust.h): a root-owned regular file
 * in a store directory, no symlink, named for this very crash, starting with
 * the ELF or zstd magic.  Anything else is not attached.
 */
static gboolean add_core(CoronerSentryEnvelope *env, const char *path,
                         const CoronerCrashRecord *record, GError **error)
{
    int fd = coroner_open_store_file(path, NULL, record->id ? record->id : "", error);
    if (fd >= 0 && !coroner_core_check_magic(fd, error)) {
        close(fd);
        fd = -1;
    }
    g_autoptr(GMappedFile) map = fd >= 0 ? g_mapped_file_new_from_fd(fd, FALSE, error) : NULL;
    if (fd >= 0)
        close(fd);
    if (!map) {
        g_prefix_error(error, "Cannot attach the core: ");
        return FALSE;
    }
    if (g_mapped_file_get_length(map) > CORONER_SENTRY_MAX_ATTACHMENT_BYTES) {
        g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DATA,
                    "The core %s (%" G_GSIZE_FORMAT " bytes) is larger than Sentry accepts "
                    "for an attachment (%u bytes)",
                    path, g_mapped_file_get_length(map), CORONER_SENTRY_MAX_ATTACHMENT_BYTES);
        return FALSE;
    }
    g_autofree char *base = g_path_get_basename(path);
    gboolean zst = g_str_has_suffix(base, ".zst");
    coroner_sentry_envelope_add_attachment(env, zst ? "core.zst" : "core",
                                           zst ? "application/zstd" : "application/x-coredump",
                                           g_mapped_file_get_bytes(map));
    return TRUE;
}

/* The user's comment as a feedback item on event_id, scrubbed like the report. */
static JsonNode *scrubbed_feedback(CoronerSentryScrubber *scrubber, const CoronerSentryReportOptions *o,
                                   const char *event_id, const char *release, GError **error)
{
    g_autofree char *comment = coroner_sentry_scrub_string(scrubber, o->comment);
    CoronerSentryFeedback f = {
        .associated_event_id = event_id,
        .message = comment,
        .contact_email = o->user_email,
        .name = o->user_name,
        .release = release,
    };
    return coroner_sentry_feedback_build(&f, error);
}

GBytes *coroner_sentry_report_build_feedback(const CoronerCrashRecord *record,
                                             const CoronerSentryReportOptions *o,
                                             const char *event_id, GError **error)
{
    g_autoptr(CoronerSentryDsn) dsn = coroner_sentry_dsn_parse(o->dsn, error);
    if (!dsn)
        return NULL;
    if (!o->comment || !*o->comment || !coroner_sentry_event_id_is_valid(event_id)) {
        g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DATA,
                    "A comment needs its text and the event id of its report");
        return NULL;
    }
    g_autoptr(CoronerSentryScrubber) scrubber = coroner_sentry_scrubber_new_for_record(record);
    g_autoptr(JsonNode) feedback = scrubbed_feedback(scrubber, o, event_id, NULL, error);
    if (!feedback)
        return NULL;
    const char *feedback_id = json_object_get_string_member(json_node_get_object(feedback), "event_id");
    g_autoptr(CoronerSentryEnvelope) env = coroner_sentry_envelope_new(feedback_id, dsn->original);
    coroner_sentry_envelope_add_feedback(env, feedback);
    return coroner_sentry_envelope_serialize(env, o->sent_at);
}

GBytes *coroner_sentry_report_build(const CoronerCrashRecord *record,
                                    const CoronerSentryReportOptions *o, char **ret_event_id,
                                    GError **error)
{
    g_autoptr(CoronerSentryDsn) dsn = coroner_sentry_dsn_parse(o->dsn, error);
    if (!dsn)
        return NULL;
    g_autoptr(CoronerSentryScrubber) scrubber = coroner_sentry_scrubber_new_for_record(record);
    g_autoptr(JsonNode) event = build_scrubbed_event(record, o, scrubber, error);
    if (!event)
        return NULL;
    g_autoptr(GBytes) minidump = NULL;
    if (o->minidump != CORONER_SENTRY_MINIDUMP_OFF) {
        /* The report is worth sending without it: then with our own stack trace. */
        g_autoptr(GError) local = NULL;
        minidump = coroner_sentry_minidump_build(record, o->minidump_core_fd, scrubber,
                                                 o->minidump_environ_consent, &local);
        if (!minidump)
            g_warning("The report goes without a minidump: %s", local->message);
        else if (o->minidump == CORONER_SENTRY_MINIDUMP_ONLY)
            drop_stacktraces(event);
    }
    const char *event_id = json_object_get_string_member(json_node_get_object(event), "event_id");
    g_autoptr(CoronerSentryEnvelope) env = coroner_sentry_envelope_new(event_id, dsn->original);
    coroner_sentry_envelope_add_event(env, event);

    if (o->comment && *o->comment) {
        /*
         * A feedback item, not the deprecated user_report, and not both: current
         * Sentry turns each into a feedback of its own, so both would show the
         * comment twice.  It has its own event_id; the outbox sends it in an
         * envelope of its own (coroner_sentry_envelope_split_feedback).
         */
        g_autoptr(JsonNode) feedback = scrubbed_feedback(
            scrubber, o, event_id,
            json_object_get_string_member_with_default(json_node_get_object(event), "release", NULL), error);
        if (!feedback)
            return NULL;
        coroner_sentry_envelope_add_feedback(env, feedback);
    }
    if (record->app && !o->skip_buffers) {
        for (guint i = 0; i < record->app->buffers->len; i++) {
            const CoronerBuffer *b = record->app->buffers->pdata[i];
            /* An empty item is legal, but @sentry/core's parser misreads a zero length. */
            if (!b->data || g_bytes_get_size(b->data) == 0 || !b->name || !*b->name)
                continue;
            g_autofree char *filename = coroner_sentry_scrub_string(scrubber, b->name);
            if (o->skip_attachments && g_strv_contains(o->skip_attachments, filename))
                continue;
            if (b->is_text) {
                /* Text is scrubbed like the event; binary buffers are the app's own data. */
                gsize n = 0;
                const char *data = g_bytes_get_data(b->data, &n);
                g_autofree char *text = g_strndup(data ? data : "", n);
                char *scrubbed = coroner_sentry_scrub_string(scrubber, text);
                coroner_sentry_envelope_add_attachment(env, filename, "text/plain",
                                                       g_bytes_new_take(scrubbed, strlen(scrubbed)));
            } else {
                coroner_sentry_envelope_add_attachment(env, filename, "application/octet-stream",
                                                       g_bytes_ref(b->data));
            }
        }
    }
    if (minidump)
        coroner_sentry_envelope_add_minidump(env, g_steal_pointer(&minidump));
    if (o->core_path && o->allow_core && o->core_consent && !add_core(env, o->core_path, record, error))
        return NULL;

    if (ret_event_id)
        *ret_event_id = g_strdup(event_id);
    return coroner_sentry_envelope_serialize(env, o->sent_at);
}
