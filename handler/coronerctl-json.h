/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerctl's JSON output (json-glib): a summary object per crash for
 * "list --json", the summary plus the crash record for "info --json", and
 * the backtrace for "backtrace --json".  Member names are documented in
 * coronerctl.1; the record's are in docs/crash-record.md.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "crash-index.h"

G_BEGIN_DECLS

JsonNode *ctl_json_summary(const CoronerCrashIndex *index, const CoronerCrashEntry *entry);
JsonNode *ctl_json_info(const CoronerCrashIndex *index, const CoronerCrashEntry *entry);
/* Only the crashing thread unless full; the modules only when full. */
JsonNode *ctl_json_backtrace(const CoronerCrashEntry *entry, gboolean full);

G_END_DECLS
