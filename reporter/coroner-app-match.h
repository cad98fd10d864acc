/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which installed application crashed: the hook's app id, or the executable,
 * matched to a .desktop file (GDesktopAppInfo), so notifications and the
 * window can name it as the desktop does and show its icon.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct {
    char *key;        /* stable per-application key: desktop id, else exe path, else comm */
    char *name;       /* what to call it: the desktop Name, the hook's name, else the program */
    char *icon_name;  /* themed icon name (or absolute path), never NULL */
    char *desktop_id; /* "org.gnome.TextEditor.desktop", NULL when none matched */
} CoronerAppMatch;

void coroner_app_match_free(CoronerAppMatch *match);
CoronerAppMatch *coroner_app_match_copy(const CoronerAppMatch *match);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerAppMatch, coroner_app_match_free)

/*
 * Matches an application.  Any argument may be NULL.  The list of installed
 * applications is read once and kept until GIO says it changed.
 */
CoronerAppMatch *coroner_app_match(const char *app_id, const char *app_name, const char *exe,
                                   const char *comm);

/* Forgets the cached list of installed applications (for tests, and after installs). */
void coroner_app_match_reset(void);

G_END_DECLS
