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

gboolean coroner_sentry_submit(const CoronerCrashRecord *record,
                               const CoronerSentrySubmitOptions *o, char **ret_event_id,
                               CoronerSentryFlushResult *ret_result, GError **error)
{
    g_autoptr(CoronerSentryConfig) config =
        coroner_sentry_config_load(o->system_config, o->user_config, error);
    if (!config)
        return FALSE;
    /* An explicit DSN is the caller's choice; the administrator's "off" still wins. */
    if (coroner_sentry_config_is_disabled(config)) {
        g_autofree char *unused = coroner_sentry_config_resolve_dsn(config, record, NULL, NULL, error);
        return FALSE;
    }
    g_autofree char *dsn = o->dsn ? g_strdup(o->dsn)
                                  : coroner_sentry_config_resolve_dsn(config, record, NULL, NULL, error);
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
    g_autofree char *event_id = NULL;
    g_autoptr(GBytes) bytes = coroner_sentry_report_build(record, &ro, &event_id, error);
    if (!bytes)
        return FALSE;
    g_autoptr(CoronerSentryOutbox) outbox = coroner_sentry_outbox_open(o->outbox_dir, o->policy, error);
    if (!outbox || !coroner_sentry_outbox_add(outbox, bytes, NULL, error))
        return FALSE;
    if (ret_event_id)
        *ret_event_id = g_strdup(event_id);

    CoronerSentryFlushResult result = {0};
    if (!o->no_send) {
        /* The report is safe in the outbox: a failing flush is only a result, not an error. */
        g_autoptr(GError) local = NULL;
        g_autoptr(CoronerSentryTransport) t = coroner_sentry_transport_new(o->transport, &local);
        if (t)
            coroner_sentry_outbox_flush(outbox, t, FALSE, &result, NULL, &local);
        if (local)
            g_warning("The report is queued but the outbox could not be flushed: %s", local->message);
    }
    if (ret_result)
        *ret_result = result;
    return TRUE;
}
