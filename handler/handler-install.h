/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coroner-handler --install / --uninstall: switch the running kernel over to
 * Coroner and back.  The values in force before are saved on install (once:
 * a second install keeps the first save) and put back exactly on uninstall.
 * Boot-time configuration is data/sysctl.d/50-coroner.conf's (pipe mode) or
 * coroner.socket's (socket mode) job.
 *
 * Modes: socket ("@@SOCKET", coronerd on the kernel's coredump socket, Linux
 * ≥ 6.17), pipe ("|coroner-handler --handoff=HANDOFF ...", core_pipe_limit 0:
 * the handler hands each crash to coronerd, or stores it itself), and auto:
 * socket mode when the kernel supports it and coronerd listens on SOCKET,
 * else pipe mode.  The kernel takes "@" patterns only from the initial mount
 * namespace.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CORONER_SAVED_SYSCTL "/run/coroner/saved-sysctl"

typedef enum {
    CORONER_INSTALL_AUTO,
    CORONER_INSTALL_SOCKET,
    CORONER_INSTALL_PIPE,
} CoronerInstallMode;

/*
 * The core_pattern line that pipes to handler_path (with --config when
 * config_path is set, --handoff when handoff_path is).
 */
char *coroner_core_pattern_for(const char *handler_path, const char *config_path,
                               const char *handoff_path);

/* "auto", "socket", "pipe". */
gboolean coroner_install_mode_parse(const char *text, CoronerInstallMode *ret);

/* TRUE when the running kernel has the coredump socket with the request protocol (6.17). */
gboolean coroner_kernel_has_coredump_socket(void);

/* TRUE when something listens on the AF_UNIX stream socket bound at path (/proc/net/unix). */
gboolean coroner_socket_is_listening(const char *path);

/*
 * Installs mode (auto resolved as above) with coronerd's socket_path and
 * handoff_path; *ret_mode (may be NULL) says which was installed.
 */
gboolean coroner_install(const char *handler_path, const char *config_path, const char *saved_path,
                         CoronerInstallMode mode, const char *socket_path,
                         const char *handoff_path, CoronerInstallMode *ret_mode, GError **error);
gboolean coroner_uninstall(const char *saved_path, GError **error);

G_END_DECLS
