/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A crash's backtrace made again from its core, with symbols downloaded from
 * debuginfod servers (DEBUGINFOD_URLS), in a worker thread through the
 * sandboxed symbolizer.  A better backtrace is kept for this user
 * (coroner-backtrace-cache.h).
 */
#pragma once

#include <gio/gio.h>

#include "crash-record.h"

G_BEGIN_DECLS

/* record is copied; store_path is the directory holding its core (NULL: the record's own). */
void coroner_resymbolize_async(const CoronerCrashRecord *record, const char *store_path,
                               GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data);
/*
 * The record with the new backtrace, or NULL with error.  ret_keep_error (may
 * be NULL) says why a better backtrace could not be kept, if it could not.
 */
CoronerCrashRecord *coroner_resymbolize_finish(GAsyncResult *result, char **ret_keep_error, GError **error);

G_END_DECLS
