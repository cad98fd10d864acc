/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The journal entry for a crash, field for field what systemd-coredump writes
 * (so an unmodified coredumpctl lists, shows, dumps and debugs our crashes),
 * plus CORONER_RECORD naming our crash record.
 */
#pragma once

#include <glib.h>

#include "crash-record.h"

G_BEGIN_DECLS

#define CORONER_COREDUMP_MESSAGE_ID "fc2e22bc6ee647b6b90729ab34a250b1"

/*
 * The entry's fields as "NAME=value" byte strings (values may be binary).
 * core_path and record_path are absolute; core_path NULL when no core was kept.
 */
GPtrArray *coroner_journal_fields(const CoronerCrashRecord *record, const char *rlimit_text,
                                  const char *core_path, const char *record_path);

/* The MESSAGE text: one line, followed by the stack trace once symbolized. */
char *coroner_journal_message(const CoronerCrashRecord *record);

/*
 * Sends the fields to journald from a forked child and waits at most
 * timeout_ms for it: a dead, absent or wedged journald costs the handler at
 * most that long, never the crash.
 */
gboolean coroner_journal_send(GPtrArray *fields, unsigned timeout_ms, GError **error);

G_END_DECLS
