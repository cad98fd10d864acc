/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The reporter's per-user memory: for each crash (keyed by record id) whether
 * it was announced and what the user did with it, and per application how
 * often it crashed today.  Kept in $XDG_STATE_HOME/coroner/reporter-state.ini
 * (a GKeyFile), written atomically, never in the root-owned crash record.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
    CORONER_REPORT_NEW,
    CORONER_REPORT_DISMISSED,
    CORONER_REPORT_QUEUED,
    CORONER_REPORT_SENT,
    CORONER_REPORT_REJECTED,
} CoronerReportState;

const char *coroner_report_state_to_string(CoronerReportState state);
CoronerReportState coroner_report_state_from_string(const char *text);
/* The state in plain words, translated ("New", "Sent", …). */
const char *coroner_report_state_describe(CoronerReportState state);

#define CORONER_TYPE_STATE (coroner_state_get_type())
G_DECLARE_FINAL_TYPE(CoronerState, coroner_state, CORONER, STATE, GObject)

/* path NULL: $XDG_STATE_HOME/coroner/reporter-state.ini.  A missing file is an empty state. */
CoronerState *coroner_state_new(const char *path, GError **error);
const char *coroner_state_get_path(CoronerState *self);

CoronerReportState coroner_state_get_report(CoronerState *self, const char *id);
void coroner_state_set_report(CoronerState *self, const char *id, CoronerReportState state);
gboolean coroner_state_get_seen(CoronerState *self, const char *id);
void coroner_state_set_seen(CoronerState *self, const char *id, gint64 crash_usec);
/* Free-form notes on a crash: "reason" (why it was rejected), "event-id". */
char *coroner_state_get_note(CoronerState *self, const char *id, const char *key);
void coroner_state_set_note(CoronerState *self, const char *id, const char *key, const char *value);

/*
 * Counts one crash of app_key on the local day of crash_usec and returns how
 * many crashes of that application that day has seen.  The caller counts each
 * crash once: when it is first seen.
 */
guint coroner_state_count_crash(CoronerState *self, const char *app_key, gint64 crash_usec);
/* That app_key was announced on the local day of usec (kept across restarts). */
void coroner_state_set_announced(CoronerState *self, const char *app_key, gint64 usec);
gboolean coroner_state_was_announced(CoronerState *self, const char *app_key, gint64 usec);
guint coroner_state_get_count(CoronerState *self, const char *app_key, gint64 crash_usec);

/* The crash whose note key has value (e.g. the event id of a report), or NULL. Caller frees. */
char *coroner_state_find_by_note(CoronerState *self, const char *key, const char *value);

/* Forgets crashes that happened before cutoff_usec. */
void coroner_state_prune(CoronerState *self, gint64 cutoff_usec);

/* Writes now (atomically).  Changes are otherwise written from an idle callback. */
gboolean coroner_state_save(CoronerState *self, GError **error);

G_END_DECLS
