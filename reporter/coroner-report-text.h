/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A crash report as plain text, for people to paste into a bug tracker or
 * keep in a file when the crash has nowhere to be sent: what crashed, its
 * version, the signal in words, the exception, and the backtrace.
 */
#pragma once

#include "coroner-crash.h"

G_BEGIN_DECLS

/* The report (translated headings, the backtrace as is).  Caller frees. */
char *coroner_report_text(CoronerCrash *crash);

/* A file name for the saved report: "crasher-crash-2026-12-04-1042.txt".  Caller frees. */
char *coroner_report_text_file_name(CoronerCrash *crash);

G_END_DECLS
