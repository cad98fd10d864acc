/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where an application takes bug reports, for "Report Bug…" when its crash
 * has nowhere to be sent: its AppStream metainfo (<url type="bugtracker">),
 * its .desktop file (X-Coroner-BugTracker=), or the bug address the hook
 * recorded.  Only http(s) addresses and mailto: are used: whatever the
 * crashed program wrote is opened in the user's browser or mail program,
 * never run.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The .desktop key naming an application's bug tracker. */
#define CORONER_BUG_TRACKER_DESKTOP_KEY "X-Coroner-BugTracker"

/*
 * The bug tracker's address, or NULL.  desktop_id ("org.example.App.desktop"
 * or without the suffix) and hook_address may be NULL; metainfo files are
 * looked for in $XDG_DATA_DIRS/metainfo and …/appdata.  Caller frees.
 */
char *coroner_bug_tracker_lookup(const char *desktop_id, const char *hook_address);

/* address if it is an http(s) URL or a mailto: (a bare e-mail address becomes one), else NULL. */
char *coroner_bug_tracker_check(const char *address);

G_END_DECLS
