/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coroner-handler --install / --uninstall: switch the running kernel over to
 * Coroner and back.  The values in force before are saved on install (once:
 * a second install keeps the first save) and put back exactly on uninstall.
 * Boot-time configuration is data/sysctl.d/50-coroner.conf's job.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CORONER_SAVED_SYSCTL "/run/coroner/saved-sysctl"

/* The core_pattern line that pipes to handler_path (with --config when config_path is set). */
char *coroner_core_pattern_for(const char *handler_path, const char *config_path);

gboolean coroner_install(const char *handler_path, const char *config_path, const char *saved_path,
                         GError **error);
gboolean coroner_uninstall(const char *saved_path, GError **error);

G_END_DECLS
