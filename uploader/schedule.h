/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * [Upload] Schedule=: a cron expression of five fields, minute hour
 * day-of-month month day-of-week, each "*", a number, a range "a-b", a step
 * "*" or "a-b" followed by "/n", or a comma-separated list of those; day of
 * week 0-7 (0 and 7 are Sunday).  As in cron, when both day fields are
 * restricted a day matching either one matches.  Times are local.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct CronSchedule CronSchedule;

CronSchedule *cron_schedule_parse(const char *text, GError **error);
void cron_schedule_free(CronSchedule *schedule);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CronSchedule, cron_schedule_free)

/* The first matching minute strictly after after_usec (µs since the epoch), or -1 within 5 years. */
gint64 cron_schedule_next(const CronSchedule *schedule, gint64 after_usec);

G_END_DECLS
