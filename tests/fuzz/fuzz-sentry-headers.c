/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer: what a Sentry server (or anyone on the path) answers and what a
 * configuration names: X-Sentry-Rate-Limits, Retry-After, and the DSN.  The
 * input is three NUL-separated parts.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sentry-dsn.h"
#include "sentry-ratelimit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *parts[3] = {NULL, NULL, NULL};
    const char *p = (const char *)data, *end = p + size;
    for (int i = 0; i < 3 && p <= end; i++) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        parts[i] = g_strndup(p, (gsize)((nul ? nul : end) - p));
        p = nul ? nul + 1 : end + 1;
    }
    const gint64 now = 1767225600000000;
    g_autoptr(CoronerSentryRateLimits) limits = coroner_sentry_rate_limits_new();
    if (parts[0])
        (void)coroner_sentry_rate_limits_add_header(limits, parts[0], now, NULL);
    if (parts[1]) {
        gint64 until = 0;
        (void)coroner_sentry_parse_retry_after(parts[1], now, &until);
        coroner_sentry_rate_limits_update(limits, 429, parts[1], parts[0], now);
    }
    (void)coroner_sentry_rate_limits_until(limits, "error");
    g_autoptr(GKeyFile) kf = g_key_file_new();
    coroner_sentry_rate_limits_to_key_file(limits, kf, now);
    g_autoptr(CoronerSentryRateLimits) reread = coroner_sentry_rate_limits_new();
    coroner_sentry_rate_limits_from_key_file(reread, kf);
    if (parts[2]) {
        CoronerSentryDsn *dsn = coroner_sentry_dsn_parse(parts[2], NULL);
        if (dsn) {
            g_free(coroner_sentry_dsn_envelope_url(dsn));
            g_free(coroner_sentry_dsn_auth_header(dsn, "fuzz"));
        }
        coroner_sentry_dsn_free(dsn);
    }
    for (int i = 0; i < 3; i++)
        g_free(parts[i]);
    return 0;
}
