/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Backtraces the reporter made better (re-symbolized with downloaded
 * symbols), kept per user: the crash record sits in a root-owned store the
 * user cannot write, and downloading the symbols again at every start would
 * cost minutes and network.  One file per crash,
 * $XDG_CACHE_HOME/coroner/backtraces/<record id>.json, holding only the
 * backtrace part of a record (threads, modules, signature, quality); what
 * crashed and where stays the store's.  It is a cache: losing it costs a
 * download, never a crash.
 */
#pragma once

#include <gio/gio.h>

#include "crash-record.h"

G_BEGIN_DECLS

/* Larger files are neither written nor read: a backtrace is a few hundred KiB at most. */
#define CORONER_BACKTRACE_CACHE_MAX_BYTES (16u * 1024u * 1024u)

/* $XDG_CACHE_HOME/coroner/backtraces.  Caller frees. */
char *coroner_backtrace_cache_default_dir(void);

/*
 * Keeps record's backtrace for record->id in dir (NULL: the default),
 * atomically.  Fails for ids that are not store entry names (they would not
 * make safe file names) and for backtraces over the size bound.
 */
gboolean coroner_backtrace_cache_save(const char *dir, const CoronerCrashRecord *record, GError **error);

/*
 * Replaces record's backtrace with the one kept for record->id, if any.
 * TRUE when it did; FALSE with error unset when none is kept, with error
 * set when one is kept but unusable (damaged, too large, a symlink).
 */
gboolean coroner_backtrace_cache_apply(const char *dir, CoronerCrashRecord *record, GError **error);

/* Forgets the backtrace kept for id (nothing to do if there is none). */
void coroner_backtrace_cache_forget(const char *dir, const char *id);

/* Forgets backtraces of crashes that happened before cutoff_usec; returns how many. */
guint coroner_backtrace_cache_prune(const char *dir, gint64 cutoff_usec);

G_END_DECLS
