/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The crash record: the one data model Coroner passes around.
 *
 * coroner-handler writes it once, beside the stored core; coronerctl, the
 * reporter and the Sentry client read it.  Its JSON form is documented in
 * docs/crash-record.md and versioned by CORONER_RECORD_SCHEMA.  Readers accept
 * any record with the same major version and ignore members they do not know,
 * so later minor additions never break older readers.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/*
 * What a record reader takes at most (more is cut, and said so in errors):
 * above what the symbolizer writes (256 threads × 256 frames) and what
 * /proc lists for any real process, far below what a hostile record holds.
 */
#define CORONER_RECORD_MAX_THREADS 4096u
#define CORONER_RECORD_MAX_FRAMES 1024u
#define CORONER_RECORD_MAX_MODULES 8192u

#define CORONER_RECORD_SCHEMA "coroner.crash-record/1"
#define CORONER_RECORD_SCHEMA_MAJOR 1

/* What happened to the core itself. */
typedef enum {
    CORONER_CORE_NONE,      /* not requested: RLIMIT_CORE was 0, or storage disabled */
    CORONER_CORE_PRESENT,   /* stored completely */
    CORONER_CORE_TRUNCATED, /* stored, but cut at a limit (see core.limit_bytes) */
    CORONER_CORE_MISSING,   /* should have been stored but was not: see core.reason */
} CoronerCoreState;

/* A minimal core (docs/recept.md): what the recept kept of the kernel's core. */
typedef struct {
    char *recept;           /* the recept's name */
    char *recept_file;      /* the file it was read from, NULL for a built-in one */
    uint64_t original_size; /* bytes of the kernel's core */
    uint64_t memory_kept;   /* PT_LOAD bytes kept */
    uint64_t memory_dropped;/* PT_LOAD bytes left out */
    uint64_t threads;       /* threads in the core (NT_PRSTATUS notes) */
    uint64_t stacks;        /* threads whose stack was kept */
    uint64_t notes_dropped; /* notes left out (e.g. other threads' NT_X86_XSTATE) */
} CoronerMinimalInfo;

typedef struct {
    CoronerCoreState state;
    char *file;          /* basename inside the store, NULL when none was kept */
    char *compression;   /* "zstd" or "none" */
    uint64_t size;       /* uncompressed bytes kept */
    uint64_t stored_size;/* bytes on disk */
    uint64_t limit_bytes;/* the limit that cut it (truncated only) */
    char *reason;        /* human-readable why, for MISSING/TRUNCATED/NONE */
    CoronerMinimalInfo *minimal; /* NULL: the stored core is the kernel's whole core */
} CoronerCoreInfo;

typedef struct {
    int64_t tid;
    char *name;
} CoronerThreadName;

/* What /proc said about the process while it was still there. */
typedef struct {
    int64_t pid;
    int64_t tid;         /* the thread that received the signal, -1 if unknown */
    int64_t uid;
    int64_t gid;
    char *comm;
    char *exe;
    char *cmdline;       /* arguments joined with spaces, as coredumpctl shows them */
    char *cwd;
    char *root;
    char *cgroup;
    char *unit;
    char *user_unit;
    char *session;
    char *slice;
    int64_t owner_uid;   /* -1 if not in a user session */
    int dumpable;        /* the kernel's %d: 0 none, 1 user, 2 root-only */
    gboolean secure_exec;/* AT_SECURE in auxv: set[ug]id or file capabilities */
    uint64_t rlimit_core;/* RLIMIT_CORE soft limit, UINT64_MAX for unlimited */
    GPtrArray *threads;  /* CoronerThreadName* */
    /* Raw /proc texts, kept as systemd-coredump keeps them. */
    char *proc_status;
    char *proc_maps;
    char *proc_limits;
    char *proc_cgroup;
    char *proc_mountinfo;
    char *proc_auxv_hex; /* auxv is binary: stored as hex */
    char *open_fds;
    char *environ;       /* NUL-separated in /proc, newline-separated here; never sent */
} CoronerProcessInfo;

/*
 * The container or sandbox the process ran in (container.c).  Labels only:
 * the crashed process or its container's maker chose every one of them.
 */
typedef struct {
    char *runtime;       /* "podman", "docker", "containerd", "cri-o", "kubernetes", "lxc",
                            "systemd-nspawn", "flatpak", "snap", "unknown" (namespaces of its
                            own, no runtime recognised) or "none" */
    char *engine;        /* for "kubernetes": the runtime under it (containerd, cri-o, docker) */
    char *id;            /* container id (64 hex for podman/docker/containerd/cri-o), machine or
                            snap name; NULL when none */
    char *pod_uid;       /* Kubernetes pod UID */
    char *app_id;        /* Flatpak app id ([Application] name= of /.flatpak-info), or snap name */
    char *instance;      /* Flatpak instance id */
    char *cgroup;        /* the cgroup path it was recognised from */
    int64_t pid;         /* the pid inside its innermost pid namespace (NSpid), -1 unknown */
    int64_t tid;         /* the crashing thread likewise, -1 unknown */
    GPtrArray *namespaces; /* CoronerNamespace*: its namespaces, with those of the collector */
} CoronerContainerInfo;

typedef struct {
    char *type;          /* "pid", "mnt", "net", "user", "uts", "ipc", "cgroup" */
    uint64_t inode;
    gboolean own;        /* differs from the collecting process's (the host's) */
} CoronerNamespace;

typedef struct {
    int number;
    char *name;          /* "SEGV", without the SIG prefix */
    int code;            /* si_code, when the hook recorded it; else 0 */
    gboolean has_code;
    uint64_t address;    /* fault address, when the hook recorded it */
    gboolean has_address;
} CoronerSignalInfo;

typedef struct {
    char *key;
    char *value;
} CoronerAnnotation;

typedef struct {
    int64_t timestamp_usec;
    char *message;
} CoronerBreadcrumb;

typedef struct {
    char *name;
    gboolean is_text;
    GBytes *data;
    uint64_t address;    /* where it lives in the app, 0 if unknown */
    uint64_t length;     /* bytes read there (text is then cut at its NUL) */
} CoronerBuffer;

/* What libcoroner-hook told us from inside the app (NULL when it was not linked). */
typedef struct {
    char *app_id;
    char *name;
    char *version;
    char *bug_address;
    char *dsn;
    char *crashed_thread_name;
    char *exception_type;
    char *exception_what;
    GPtrArray *annotations; /* CoronerAnnotation* */
    GPtrArray *breadcrumbs; /* CoronerBreadcrumb* */
    GPtrArray *buffers;     /* CoronerBuffer* */
    /* How the hook's own crash handling went (docs/hook-metadata.md). */
    int64_t hook_tid;       /* crashing thread in the app's pid namespace, -1 unknown */
    int64_t sender_pid;     /* who sent the signal (kill, abort), -1 unknown */
    int64_t sender_uid;
    char *emergency_save;   /* "none", "done", "timed-out", "crashed", … */
    char *previous_handler; /* "none", "called", "returned", "crashed" */
    char *restart;          /* "off", "started", "crash-loop", "failed" */
    char *transport;        /* "anon-name" or "memfd" */
    char *group;            /* the group it joined (coroner_hook_join_group()), NULL none */
} CoronerAppInfo;

typedef struct {
    uint64_t pc;
    char *function;      /* demangled */
    char *module;        /* path */
    uint64_t module_offset;
    char *file;
    int line;            /* 0 if unknown */
    gboolean inlined;
} CoronerFrame;

typedef struct {
    int64_t tid;
    char *name;
    gboolean crashed;
    GPtrArray *frames;   /* CoronerFrame*, innermost first */
} CoronerThread;

typedef struct {
    char *path;
    char *build_id;      /* lowercase hex */
    uint64_t start;
    uint64_t end;
    gboolean has_debug_info;
} CoronerModule;

typedef struct {
    int schema_major;
    char *id;            /* the store entry name: core file name without ".zst" */
    int64_t timestamp_usec;
    char *boot_id;
    char *hostname;
    CoronerProcessInfo process;
    CoronerSignalInfo signal;
    CoronerCoreInfo core;
    CoronerAppInfo *app;       /* NULL without the hook */
    CoronerContainerInfo *container; /* NULL when unknown (no /proc, or an older record) */
    GPtrArray *threads;        /* CoronerThread*: the backtrace, crashing thread first; may be empty */
    GPtrArray *modules;        /* CoronerModule* */
    char *signature;           /* crash signature, NULL until symbolized */
    double backtrace_quality;  /* 0..1, < 0 when unknown */
    char *backtrace_error;     /* why there is no backtrace, NULL otherwise */
    /*
     * A storm summary (written by coronerd when a (uid, executable) went over
     * its rate limit): how many more crashes of that process identity came in
     * the window and were not dumped.  0 for an ordinary record.
     */
    uint64_t suppressed;
    int64_t suppressed_start_usec; /* the window the count covers (realtime µs) */
    int64_t suppressed_end_usec;
    /* A dump of a running process (a crashed group member's peer), not a crash: it ran on. */
    gboolean live_dump;
    char *peer_of;             /* live dumps of a group peer: the id of the crash's record */
    GPtrArray *peers;          /* char*: the ids of the live dumps of this crash's group peers */
    GPtrArray *errors;         /* char*: what could not be collected, and why */
} CoronerCrashRecord;

CoronerCrashRecord *coroner_crash_record_new(void);
void coroner_crash_record_free(CoronerCrashRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CoronerCrashRecord, coroner_crash_record_free)

/* Notes something that could not be collected; the record is still useful without it. */
void coroner_crash_record_add_error(CoronerCrashRecord *record, const char *format, ...)
    G_GNUC_PRINTF(2, 3);

CoronerMinimalInfo *coroner_minimal_info_new(void);
void coroner_minimal_info_free(CoronerMinimalInfo *minimal);
CoronerAppInfo *coroner_app_info_new(void);
void coroner_app_info_free(CoronerAppInfo *app);
CoronerContainerInfo *coroner_container_info_new(void);
void coroner_container_info_free(CoronerContainerInfo *container);
void coroner_container_info_add_namespace(CoronerContainerInfo *container, const char *type,
                                          uint64_t inode, gboolean own);
CoronerThread *coroner_thread_new(int64_t tid, const char *name);
CoronerFrame *coroner_frame_new(void);
CoronerModule *coroner_module_new(void);

/* The thread marked crashed in the backtrace, or NULL when there is none (not symbolized). */
const CoronerThread *coroner_crash_record_crashed_thread(const CoronerCrashRecord *record);

/* The name /proc gave thread tid (process.threads), or NULL. */
const char *coroner_crash_record_thread_name(const CoronerCrashRecord *record, int64_t tid);
/* The crashed thread's tid: the backtrace's crashed thread, else the signalled tid from /proc. */
int64_t coroner_crash_record_crashed_tid(const CoronerCrashRecord *record);

const char *coroner_core_state_to_string(CoronerCoreState state);
/* The state a record's "state" names; FALSE for a name that is none of them. */
gboolean coroner_core_state_from_string(const char *name, CoronerCoreState *ret);

/* Serialises to the documented JSON form (pretty-printed, UTF-8). */
char *coroner_crash_record_to_json(const CoronerCrashRecord *record, gsize *ret_length);

/* Parses a record; fails on invalid JSON, another major version, or wrong member types. */
CoronerCrashRecord *coroner_crash_record_from_json(const char *data, gssize length, GError **error);

/* Reads a record file relative to dir_fd (AT_FDCWD for a path), never following a symlink. */
CoronerCrashRecord *coroner_crash_record_load_at(int dir_fd, const char *name, GError **error);
/* The same from an open regular file (named name in errors). */
CoronerCrashRecord *coroner_crash_record_load_fd(int fd, const char *name, GError **error);

/* The signal's short name ("SEGV"), or "SIG<n>" for unknown numbers. Caller frees. */
char *coroner_signal_name(int number);

G_END_DECLS
