/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* coronerctl's text forms of times, sizes, users and signals. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* "Sun 2026-11-22 10:00:05 CET" in the local time zone. */
char *ctl_format_time(int64_t usec);
/* "3min ago", "2h 5min ago", "1 day ago"… relative to now_usec. */
char *ctl_format_relative(int64_t usec, int64_t now_usec);
/* ISO 8601 with the local zone offset, for JSON. */
char *ctl_format_iso8601(int64_t usec);
/* "512B", "1.2K", "3.4M", "5.0G" (powers of 1024, as systemd prints them). */
char *ctl_format_bytes(uint64_t bytes);
/* "1000 (alice)" or "1000" when the id has no name; "-" when unknown (< 0). */
char *ctl_format_uid(int64_t uid);
char *ctl_format_gid(int64_t gid);

G_END_DECLS
