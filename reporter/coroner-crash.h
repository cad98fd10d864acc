/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One crash as the reporter shows it: the record (read lazily from the store,
 * or made from a journal entry of systemd-coredump), which application it
 * was, and what the user did with it.  Properties drive the list rows;
 * the signal record-changed says the backtrace was made again.
 */
#pragma once

#include <gio/gio.h>

#include "coroner-app-match.h"
#include "coroner-state.h"
#include "crash-record.h"

G_BEGIN_DECLS

typedef enum {
    CORONER_CRASH_ORIGIN_STORE,   /* our store: record beside the core */
    CORONER_CRASH_ORIGIN_JOURNAL, /* a journal entry only (systemd-coredump, or a store we cannot read) */
} CoronerCrashOrigin;

#define CORONER_TYPE_CRASH (coroner_crash_get_type())
G_DECLARE_FINAL_TYPE(CoronerCrash, coroner_crash, CORONER, CRASH, GObject)

/* A crash in the store; the record is read on first use. */
CoronerCrash *coroner_crash_new_from_store(const char *store_path, const char *id, gint64 usec,
                                           gint64 pid);
/* A crash known from a record already in memory (the journal, tests). Takes the record. */
CoronerCrash *coroner_crash_new_from_record(CoronerCrashRecord *record, CoronerCrashOrigin source);

const char *coroner_crash_get_id(CoronerCrash *self);
gint64 coroner_crash_get_time(CoronerCrash *self);
gint64 coroner_crash_get_pid(CoronerCrash *self);
CoronerCrashOrigin coroner_crash_get_origin(CoronerCrash *self);
/* The program name from the entry id (no record needed). */
const char *coroner_crash_get_comm(CoronerCrash *self);
/* Absolute path of the record file, NULL for journal-only crashes. */
const char *coroner_crash_get_record_path(CoronerCrash *self);

/*
 * Reads the record if it was not yet; NULL and error when it cannot be read.
 * A better backtrace the user made earlier (coroner-backtrace-cache.h)
 * replaces the record's own.
 */
const CoronerCrashRecord *coroner_crash_load(CoronerCrash *self, GError **error);
/* The record if already in memory, else NULL; only coroner_crash_load() looks for a kept backtrace. */
const CoronerCrashRecord *coroner_crash_peek_record(CoronerCrash *self);
/* Replaces the record (after re-symbolizing) and emits record-changed. Takes it. */
void coroner_crash_set_record(CoronerCrash *self, CoronerCrashRecord *record);

/*
 * Whether its backtrace is being made again (property "symbolizing"), and
 * what the user should hear about the last attempt (NULL: nothing).
 */
gboolean coroner_crash_get_symbolizing(CoronerCrash *self);
const char *coroner_crash_get_symbolize_message(CoronerCrash *self);
void coroner_crash_set_symbolizing(CoronerCrash *self, gboolean symbolizing, const char *message);

/* The application, matched on first use (loads the record). Never NULL. */
const CoronerAppMatch *coroner_crash_get_app(CoronerCrash *self);
/*
 * Sets the application without reading the record: at login, crashes of one
 * program (same comm) share the match made from one of their records.
 */
void coroner_crash_set_app(CoronerCrash *self, const CoronerAppMatch *app);
/*
 * The application's id, for the DSN lookup ([App:<id>], X-Coroner-DSN): the
 * hook's, else the Flatpak app id (the record's container labels), else the .desktop file the
 * executable matched (Exec=/TryExec=) without ".desktop"; NULL when none.
 */
const char *coroner_crash_get_app_id(CoronerCrash *self);

CoronerReportState coroner_crash_get_state(CoronerCrash *self);
void coroner_crash_set_state(CoronerCrash *self, CoronerReportState state);

/* "Crasher crashed" */
char *coroner_crash_dup_title(CoronerCrash *self);
/* "Today at 10:42 it tried to use memory …" */
char *coroner_crash_dup_summary(CoronerCrash *self);

G_END_DECLS
