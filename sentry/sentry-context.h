/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the event says about the machine, read at submit time: the OS (from
 * os-release and uname), the device (architecture, memory) and the type of
 * the login session the crashed process ran in.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct {
    char *os_name;        /* os-release NAME, else "Linux" */
    char *os_version;     /* os-release VERSION_ID, may be NULL */
    char *os_pretty_name; /* os-release PRETTY_NAME, may be NULL */
    char *os_build;       /* os-release BUILD_ID or VERSION_CODENAME, may be NULL */
    char *kernel_version; /* uname release */
    char *arch;           /* uname machine */
    uint64_t memory_size; /* bytes of RAM, 0 if unknown */
} CoronerSentryMachine;

/* Reads os_release_path (NULL: /etc/os-release, then /usr/lib/os-release) and uname. Never fails. */
CoronerSentryMachine *coroner_sentry_machine_read(const char *os_release_path);
void coroner_sentry_machine_free(CoronerSentryMachine *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerSentryMachine, coroner_sentry_machine_free)

/* Parses one os-release text into a fresh table of KEY → unquoted value. */
GHashTable *coroner_sentry_parse_os_release(const char *text);

/*
 * The type of a logind session ("x11", "wayland", "tty", …) via libsystemd,
 * "none" when the process was not in a session, "unknown" when the session is
 * gone. Caller frees.
 */
char *coroner_sentry_session_type(const char *session_id);

G_END_DECLS
