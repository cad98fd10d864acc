/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who receives reports: `reporting.conf` (GKeyFile) in /etc/coroner (the
 * administrator's) and $XDG_CONFIG_HOME/coroner (the user's):
 *
 *   [Sentry]
 *   DSN=https://<key>@sentry.example.org/42 default for every application
 *   Disabled=true                           system file only: submission off, whatever else says
 *   AllowCore=true                          the core may be attached (the user must still consent)
 *   Minidump=no|attach|only                 a minidump with the report: none, besides our stack
 *                                           trace, or instead of it (docs/minidump.md)
 *   [App:org.example.App]
 *   DSN=…                                   for one application
 *   Minidump=…                              for one application
 *
 * An application's DSN is the first of: the user's [App:<id>], the system's
 * [App:<id>], `X-Coroner-DSN` in the app's .desktop file, the user's [Sentry]
 * DSN, the system's [Sentry] DSN.  Without any, submission is off.  The app id
 * is the one the hook registered; a DSN is never taken from a crash record or
 * a journal entry (the hook's `dsn` is kept in the record, but not believed:
 * whoever can write a record could send the report elsewhere).
 */
#pragma once

#include <glib.h>

#include "crash-record.h"
#include "sentry-minidump.h"

G_BEGIN_DECLS

typedef struct CoronerSentryConfig CoronerSentryConfig;

/*
 * Loads both files; NULL paths mean the defaults.  A missing file is empty; an
 * unreadable or malformed one is an error (an administrator's Disabled=true
 * must not be silently ignored).
 */
CoronerSentryConfig *coroner_sentry_config_load(const char *system_path, const char *user_path,
                                                GError **error);
void coroner_sentry_config_free(CoronerSentryConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerSentryConfig, coroner_sentry_config_free)

/* The administrator turned submission off. */
gboolean coroner_sentry_config_is_disabled(const CoronerSentryConfig *config);

/* Cores may be attached (still only with the user's consent for each report). */
gboolean coroner_sentry_config_allows_core(const CoronerSentryConfig *config);

/*
 * Whether a crash's report carries a minidump: Minidump= of the user's
 * [App:<id>], the system's [App:<id>], the user's [Sentry], the system's
 * [Sentry], else off; the administrator's [Sentry] Minidump=no wins over
 * everything.  A malformed value is off.
 */
CoronerSentryMinidumpMode coroner_sentry_config_minidump_mode(const CoronerSentryConfig *config,
                                                              const CoronerCrashRecord *record,
                                                              const char *app_id);

/*
 * The DSN for a crash (record may be NULL; app_id NULL means the record's).
 * ret_source (may be NULL) names where it came from, for people.  Fails with
 * CORONER_SENTRY_ERROR_DISABLED when submission is off, or
 * CORONER_SENTRY_ERROR_INVALID_DSN when the chosen DSN is malformed.
 */
char *coroner_sentry_config_resolve_dsn(const CoronerSentryConfig *config,
                                        const CoronerCrashRecord *record, const char *app_id,
                                        char **ret_source, GError **error);

/* The defaults: the system file, and $XDG_CONFIG_HOME/coroner/reporting.conf. Caller frees. */
char *coroner_sentry_config_default_system_path(void);
char *coroner_sentry_config_default_user_path(void);

G_END_DECLS
