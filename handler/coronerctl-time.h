/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Times for --since and --until, in the forms systemd's tools take them:
 *   "2026-11-22 10:00[:SS]", "2026-11-22", "10:00" (today), ISO 8601 with a
 *   zone ("2026-11-22T10:00:00+01:00"), "@1795346065" (seconds since the
 *   epoch), "now", "today", "yesterday", "tomorrow", and relative spans such
 *   as "-1h", "-2d 3h", "+30min", "1w ago".
 * GDateTime does the calendar work; this only maps the words onto it.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* Parses text relative to now (local time zone); the result is µs since the epoch. */
gboolean ctl_parse_time(const char *text, GDateTime *now, int64_t *ret_usec, GError **error);

G_END_DECLS
