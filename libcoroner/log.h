/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging for processes that may run without a terminal or a journal: the
 * kernel starts coroner-handler with only stdin open.  Messages go to stderr
 * when it is a real file, pipe or tty, and to /dev/kmsg otherwise, where
 * journald (or dmesg) picks them up without us ever blocking on a socket.
 */
#pragma once

#include <glib.h>
#include <syslog.h>

G_BEGIN_DECLS

/* Makes sure fds 0-2 are open (so no store file ever becomes "stderr") and picks the target. */
void coroner_log_setup(const char *identifier);

void coroner_log(int priority, const char *format, ...) G_GNUC_PRINTF(2, 3);

G_END_DECLS
