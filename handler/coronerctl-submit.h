/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerctl submit and coronerctl outbox: a crash sent to Sentry, and the
 * outbox of reports waiting to be sent, through libcoroner-sentry
 * (sentry/) — the same configuration, bytes, outbox and transport as
 * the GTK reporter.
 */
#pragma once

#include <glib.h>

#include "coronerctl.h"

G_BEGIN_DECLS

/* The exit codes of submit and outbox, after coronerctl's own (coronerctl.h). */
enum {
    CTL_EXIT_QUEUED = 5, /* the report is safe in the outbox but not sent yet */
    CTL_EXIT_OFF =
        6, /* submission is off (no DSN, or the administrator), or cores are not allowed */
    CTL_EXIT_REJECTED = 7, /* the server refused the report for good */
};

/* The options only submit and outbox take (--dsn, --comment, …), for main()'s GOptionContext. */
const GOptionEntry *ctl_submit_option_entries(void);
/* Frees what those options hold. */
void ctl_submit_options_clear(void);

int ctl_submit(CtlContext *ctx, char **args, GError **error);
int ctl_outbox(CtlContext *ctx, char **args, GError **error);

G_END_DECLS
