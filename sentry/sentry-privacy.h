/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Privacy scrubbing: what identifies the user or the machine is replaced
 * before anything is shown for review or sent.  Home directories become `~`,
 * user names `[user]`, host names `[hostname]`.  Environment variables are
 * never scrubbed because they are never read: the event builder does not touch
 * record->process.environ at all.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "crash-record.h"

G_BEGIN_DECLS

#define CORONER_SENTRY_USER_MARK "[user]"
#define CORONER_SENTRY_HOST_MARK "[hostname]"

typedef struct CoronerSentryScrubber CoronerSentryScrubber;

CoronerSentryScrubber *coroner_sentry_scrubber_new(void);
void coroner_sentry_scrubber_free(CoronerSentryScrubber *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerSentryScrubber, coroner_sentry_scrubber_free)

/* Registers what to hide. Empty values and "/" (as a home) are ignored. */
void coroner_sentry_scrubber_add_home(CoronerSentryScrubber *s, const char *home);
void coroner_sentry_scrubber_add_user(CoronerSentryScrubber *s, const char *user);
void coroner_sentry_scrubber_add_host(CoronerSentryScrubber *s, const char *host);

/*
 * A scrubber for a record: the crashed user's name and home (from the passwd
 * database), the record's host name, and the submitting user's own name, home
 * and host name.
 */
CoronerSentryScrubber *coroner_sentry_scrubber_new_for_record(const CoronerCrashRecord *record);

/* Returns text with every registered item replaced. Caller frees. */
char *coroner_sentry_scrub_string(const CoronerSentryScrubber *s, const char *text);

/* Scrubs every string value (not member names) of a JSON tree in place. */
void coroner_sentry_scrub_json(const CoronerSentryScrubber *s, JsonNode *node);

G_END_DECLS
