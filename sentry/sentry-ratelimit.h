/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a Sentry server says about waiting: `Retry-After` (seconds or an HTTP
 * date) and `X-Sentry-Rate-Limits`
 * (`retry_after:categories:scope[:reason_code[:namespaces]]`, comma-separated,
 * categories separated by `;`, none meaning all).  As in Sentry's SDKs,
 * X-Sentry-Rate-Limits wins over Retry-After, and a 429 with neither means a
 * minute for everything.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CORONER_SENTRY_DEFAULT_RETRY_AFTER_SEC 60

/* The instant (usec since the epoch) Retry-After points to, or FALSE when it is malformed. */
gboolean coroner_sentry_parse_retry_after(const char *value, gint64 now_usec,
                                          gint64 *ret_until_usec);

typedef struct CoronerSentryRateLimits CoronerSentryRateLimits;

CoronerSentryRateLimits *coroner_sentry_rate_limits_new(void);
void coroner_sentry_rate_limits_free(CoronerSentryRateLimits *limits);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerSentryRateLimits, coroner_sentry_rate_limits_free)

/*
 * Adds what one X-Sentry-Rate-Limits header says.  FALSE if any part was
 * malformed or named a category that is not kept (the rest applies);
 * ret_applied (may be NULL) is how many limits were applied.
 */
gboolean coroner_sentry_rate_limits_add_header(CoronerSentryRateLimits *limits, const char *header,
                                               gint64 now_usec, guint *ret_applied);

/*
 * Applies a whole response: X-Sentry-Rate-Limits if present (any status) and
 * it applies a limit, else for a 429 Retry-After, else for a 429 the default
 * minute.
 */
void coroner_sentry_rate_limits_update(CoronerSentryRateLimits *limits, guint status,
                                       const char *retry_after, const char *rate_limits,
                                       gint64 now_usec);

/* Until when (usec) a category is limited; 0 when it is not. "" or NULL means "all categories". */
gint64 coroner_sentry_rate_limits_until(const CoronerSentryRateLimits *limits, const char *category);

/* The latest limit over categories (a NULL-terminated list). */
gint64 coroner_sentry_rate_limits_until_any(const CoronerSentryRateLimits *limits,
                                            const char *const *categories);

/* Persistence for the outbox: group [RateLimits], one key per category ("all" for all). */
void coroner_sentry_rate_limits_to_key_file(const CoronerSentryRateLimits *limits, GKeyFile *kf,
                                            gint64 now_usec);
void coroner_sentry_rate_limits_from_key_file(CoronerSentryRateLimits *limits, GKeyFile *kf);

G_END_DECLS
