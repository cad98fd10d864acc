/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coroner.conf: a GKeyFile in the style of systemd's coredump.conf.
 *
 *   [Store]
 *   Path=/var/lib/coroner
 *   Compress=yes
 *   ProcessSizeMax=32G     # largest core read from the kernel; more is cut off
 *   ExternalSizeMax=32G    # largest core kept in the store (uncompressed bytes)
 *   MaxUse=                # store size cap; default 10% of the file system, at most 4G
 *   KeepFree=              # free space to leave; default 15% of the file system, at most 4G
 *
 *   [Journal]
 *   Enabled=yes
 *   Timeout=2              # seconds to wait for journald before giving up
 *
 *   [Handler]
 *   ServiceUser=coroner    # parses cores of system users and protected processes
 *
 *   [Backtrace]
 *   Debuginfod=no          # ask DEBUGINFOD_URLS servers for missing debug info (network!)
 *
 * Sizes take B, K, M, G, T suffixes (powers of 1024) or "infinity"; a percentage
 * like "10%" is of the store's file system.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define CORONER_SIZE_UNSET UINT64_MAX

typedef struct {
    uint64_t bytes;       /* absolute value when percent is 0; UINT64_MAX is "infinity" */
    double percent;       /* of the store's file system when > 0 */
} CoronerSize;

typedef struct {
    char *store_path;
    gboolean compress;
    uint64_t process_size_max;
    uint64_t external_size_max;
    CoronerSize max_use;
    CoronerSize keep_free;
    gboolean journal_enabled;
    unsigned journal_timeout_ms;
    char *service_user;
    gboolean debuginfod;  /* [Backtrace] Debuginfod=: fetch missing debug info at ingest */
} CoronerConfig;

/* The built-in defaults. */
CoronerConfig *coroner_config_new_default(void);
void coroner_config_free(CoronerConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerConfig, coroner_config_free)

/*
 * Loads path over the defaults.  Never fails: a missing file means the
 * defaults; a malformed file or value keeps the default for what could not be
 * read, and each problem (naming the file and key) is appended to
 * ret_problems (may be NULL) for the caller to report.  A crash handler must
 * still store the crash when an admin mistyped a setting.
 */
CoronerConfig *coroner_config_load(const char *path, GPtrArray *ret_problems);

/* Parses yes/no, true/false, on/off, 1/0 (any case). */
gboolean coroner_parse_bool(const char *text, gboolean *ret);

/* Parses "512M", "2G", "1234", "infinity" (→ UINT64_MAX) or "10%". */
gboolean coroner_parse_size(const char *text, CoronerSize *ret_size, GError **error);

/* Resolves a size against a file system of fs_bytes, capping percentages at cap. */
uint64_t coroner_size_resolve(const CoronerSize *size, uint64_t fs_bytes, uint64_t cap);

G_END_DECLS
