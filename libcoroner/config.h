/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coroner.conf: a GKeyFile in the style of systemd's coredump.conf.
 *
 *   [Store]
 *   Path=/var/lib/coroner
 *   Compress=yes
 *   ProcessSizeMax=32G     # largest core read from the kernel; more is cut off
 *   ExternalSizeMax=32G    # largest core kept in the store (uncompressed bytes)
 *   Recept=FILE            # store minimal cores as this recept says (docs/recept.md)
 *   ReceptDirectory=DIR    # recepts (*.json) chosen by their "match" globs on the executable
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
 *   [Upload]               # coroner-upload (docs/upload.md)
 *   Endpoint=https://s3.eu-west-1.amazonaws.com
 *   Bucket=crashes
 *   Region=us-east-1
 *   AccessKeyId=AKIA…
 *   SecretAccessKeyFile=/etc/coroner/upload.secret   # the secret itself is never in this file
 *   PathStyle=no           # bucket in the path (MinIO, Ceph) instead of the host name
 *   FilenameTemplate={uuid}-dump-{timestamp}-{hostname}-{exe}-{pid}-{signal}
 *   DeleteAfterUpload=no
 *   Interval=              # upload every so often (e.g. 10min); empty: not on a timer
 *   Schedule=              # cron, 5 fields: "0,30 * * * *"
 *   Watch=no               # upload a new crash as soon as its record appears
 *   PartSize=16M           # multipart part size (at least 5M)
 *   [Service]              # coronerd (docs/coronerd.md); the pipe handler's own fallback too
 *   MaxConcurrent=2        # dumps streamed at once
 *   QueueMax=16            # admitted dumps waiting for a slot; past it, rejected (accounted)
 *   DumpTimeoutSec=120     # a dump still streaming after this is cut and kept as truncated
 *   WorkTimeoutSec=30      # after the dump: hook parsing, backtrace, record, journal
 *
 *   [RateLimit]            # per IntervalSec: Burst dumps per (uid, executable), GlobalBurst in all
 *   Burst=5                # 0 turns the per-(uid, executable) limit off
 *   IntervalSec=60
 *   GlobalBurst=20         # 0 turns the global limit off
 *   [App:org.example.Editor]
 *   Recept=FILE            # the recept for an application that names itself (libcoroner-hook)
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

/* [Upload]: where and when coroner-upload sends bundles. */
typedef struct {
    char *endpoint;
    char *bucket;
    char *region;
    char *access_key_id;
    char *secret_access_key_file;
    gboolean path_style;
    char *filename_template;
    gboolean delete_after_upload;
    uint64_t interval_usec;  /* 0: no timer */
    char *schedule;          /* cron expression, NULL: none (checked by coroner-upload) */
    gboolean watch;
    uint64_t part_size;
} CoronerUploadConfig;

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
    CoronerUploadConfig upload;
    unsigned max_concurrent;    /* [Service] MaxConcurrent= */
    unsigned queue_max;         /* [Service] QueueMax= */
    unsigned dump_timeout_sec;  /* [Service] DumpTimeoutSec= */
    unsigned work_timeout_sec;  /* [Service] WorkTimeoutSec= */
    unsigned rate_burst;        /* [RateLimit] Burst=, 0 for no per-(uid, exe) limit */
    unsigned rate_interval_sec; /* [RateLimit] IntervalSec= */
    unsigned rate_global_burst; /* [RateLimit] GlobalBurst=, 0 for no global limit */
    char *recept;           /* [Store] Recept=: absolute path, NULL for full cores */
    char *recept_directory; /* [Store] ReceptDirectory=: absolute path or NULL */
    GHashTable *app_recepts;/* [App:<id>] Recept=: app id → absolute path */
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

/* Parses a time span: "90" (seconds), "500ms", "10min", "2h", "1d", "1h 30min" (systemd's units). */
gboolean coroner_parse_timespan(const char *text, uint64_t *ret_usec, GError **error);

/* Resolves a size against a file system of fs_bytes, capping percentages at cap. */
uint64_t coroner_size_resolve(const CoronerSize *size, uint64_t fs_bytes, uint64_t cap);

G_END_DECLS
