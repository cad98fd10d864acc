/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Turning crash facts into plain, translated words. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "today at 10:42", "yesterday at 10:42", "on Monday at 10:42", "on 3 November 2025 at 10:42". */
char *coroner_format_when(gint64 usec, gint64 now_usec);

/*
 * The translated label of value: labels holds N_() strings indexed by value
 * (NULL where it has none); fallback's translation for the others.
 */
const char *coroner_format_label(const char *const *labels, gsize n_labels, gint value,
                                 const char *fallback);

/* What the signal means for a user: "it tried to use memory it may not use". */
const char *coroner_format_signal_reason(int signal_number);

/* The signal's technical name with its meaning: "SIGSEGV (segmentation fault)". */
char *coroner_format_signal(int signal_number);

/* "1.4 MB" style sizes. */
char *coroner_format_size(guint64 bytes);


G_END_DECLS
