/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-submit.h"

#include "sentry-config.h"
#include "sentry-report.h"

gboolean coroner_sentry_flush_outbox(const char *outbox_dir,
                                     const CoronerSentryOutboxPolicy *policy,
                                     const CoronerSentryTransportOptions *transport,
                                     gboolean force, CoronerSentryFlushResult *ret_result,
                                     GError **error)
{
    g_autoptr(CoronerSentryOutbox) outbox = coroner_sentry_outbox_open(outbox_dir, policy, error);
    if (!outbox)
        return FALSE;
    g_autoptr(CoronerSentryTransport) t = coroner_sentry_transport_new(transport, error);
    if (!t)
        return FALSE;
    return coroner_sentry_outbox_flush(outbox, t, force, ret_result, NULL, error);
}

char *coroner_sentry_submit_dsn(const CoronerSentryConfig *config,
                                const CoronerCrashRecord *record, const char *explicit_dsn,
                                GError **error)
{
    if (explicit_dsn && !coroner_sentry_config_is_disabled(config))
        return g_strdup(explicit_dsn);
    return coroner_sentry_config_resolve_dsn(config, record, NULL, NULL, error);
}

void coroner_sentry_submit_result_clear(CoronerSentrySubmitResult *r)
{
    g_clear_pointer(&r->event_id, g_free);
    g_clear_pointer(&r->entry, coroner_sentry_outbox_entry_free);
    g_clear_pointer(&r->flush_error, g_free);
}

gboolean coroner_sentry_submit_envelope(CoronerSentryOutbox *outbox,
                                        CoronerSentryTransport *transport, GBytes *envelope,
                                        gboolean no_send, gboolean force,
                                        GCancellable *cancellable,
                                        CoronerSentrySubmitResult *ret_result, GError **error)
{
    CoronerSentrySubmitResult result = {0};
    /* Durable before any network I/O: from here on the report cannot be lost. */
    if (envelope && !coroner_sentry_outbox_add(outbox, envelope, &result.event_id, error))
        return FALSE;
    if (!no_send) {
        /* The report is safe in the outbox: a failing flush is only a result, not an error. */
        g_autoptr(GError) local = NULL;
        g_autoptr(CoronerSentryTransport) own = NULL;
        if (!transport)
            transport = own = coroner_sentry_transport_new(NULL, &local);
        if (transport)
            coroner_sentry_outbox_flush(outbox, transport, force, &result.flush, cancellable,
                                        &local);
        if (local)
            result.flush_error = g_strdup(local->message);
    }
    g_autoptr(GPtrArray) list =
        result.event_id ? coroner_sentry_outbox_list(outbox, NULL) : NULL;
    for (guint i = 0; list && i < list->len && !result.entry; i++) {
        CoronerSentryOutboxEntry *e = list->pdata[i];
        if (g_str_equal(e->event_id, result.event_id))
            result.entry = g_ptr_array_steal_index(list, i);
    }
    *ret_result = result;
    return TRUE;
}

gboolean coroner_sentry_submit(const CoronerCrashRecord *record,
                               const CoronerSentrySubmitOptions *o, char **ret_event_id,
                               CoronerSentryFlushResult *ret_result, GError **error)
{
    g_autoptr(CoronerSentryConfig) config =
        coroner_sentry_config_load(o->system_config, o->user_config, error);
    if (!config)
        return FALSE;
    g_autofree char *dsn = coroner_sentry_submit_dsn(config, record, o->dsn, error);
    if (!dsn)
        return FALSE;

    CoronerSentryReportOptions ro = {
        .dsn = dsn,
        .event_id = o->event_id,
        .comment = o->comment,
        .user_email = o->user_email,
        .user_name = o->user_name,
        .core_path = o->core_path,
        .allow_core = coroner_sentry_config_allows_core(config),
        .core_consent = o->core_consent,
        .skip_journal = o->skip_journal,
        .minidump = o->has_core_fd ? coroner_sentry_config_minidump_mode(config, record, NULL)
                                   : CORONER_SENTRY_MINIDUMP_OFF,
        .minidump_core_fd = o->core_fd,
        .minidump_environ_consent = o->environ_consent,
    };
    g_autoptr(GBytes) bytes = coroner_sentry_report_build(record, &ro, NULL, error);
    if (!bytes)
        return FALSE;
    g_autoptr(CoronerSentryOutbox) outbox = coroner_sentry_outbox_open(o->outbox_dir, o->policy, error);
    if (!outbox)
        return FALSE;
    g_autoptr(CoronerSentryTransport) transport = NULL;
    if (!o->no_send) {
        g_autoptr(GError) local = NULL;
        transport = coroner_sentry_transport_new(o->transport, &local);
        if (!transport)
            g_warning("The report will be queued but cannot be sent: %s", local->message);
    }
    g_auto(CoronerSentrySubmitResult) result = {0};
    if (!coroner_sentry_submit_envelope(outbox, transport, bytes, o->no_send || !transport, FALSE,
                                        NULL, &result, error))
        return FALSE;
    if (result.flush_error)
        g_warning("The report is queued but the outbox could not be flushed: %s",
                  result.flush_error);
    if (ret_event_id)
        *ret_event_id = g_steal_pointer(&result.event_id);
    if (ret_result)
        *ret_result = result.flush;
    return TRUE;
}
