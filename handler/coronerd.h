/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerd's parts: the daemon's state, and what its files call of each
 * other.  coronerd.c admits crashes and runs the service;
 * coronerd-sockets.c takes crashes from the kernel's coredump socket and
 * from the handler's hand-off; coronerd-worker.c runs each admitted dump in
 * a worker; coronerd-accounting.c writes the records of crashes that were
 * not dumped, the storm summaries and the in-progress markers.
 */
#pragma once

#include <gio/gio.h>
#include <sys/types.h>

#include "admission.h"
#include "config.h"
#include "crash-ingest.h"
#include "store.h"

#define IN_PROGRESS_DIR ".in-progress"

typedef enum {
    SOURCE_SOCKET,  /* the kernel's coredump socket */
    SOURCE_HANDOFF, /* coroner-handler in pipe mode */
} DumpSource;

typedef struct {
    DumpSource source;
    int core_fd;              /* the kernel's connection, or the core pipe */
    int pidfd;                /* -1 when unknown */
    int dumpable;
    pid_t pid;
    uid_t uid;
    gid_t gid;
    char *comm;
    char *exe;
    char *id;                 /* the store entry id */
    int64_t timestamp_usec;   /* realtime */
    int64_t queued_at;        /* monotonic */
    int64_t started_at;       /* monotonic, when a worker took it */
    CoronerCapture *capture;  /* hand-off: what the handler read from /proc */
    pid_t worker;
    guint kill_timer;
    gboolean killed;
} Dump;

typedef struct {
    CoronerConfig *config;
    Admission *admission;
    GQueue queue;           /* Dump*, admitted, waiting for a worker */
    GHashTable *running;    /* worker pid → Dump* */
    int coredump_fd, handoff_fd;
    char *coredump_path, *handoff_path;
    gboolean unlink_sockets; /* we made them (not socket-activated) */
    CoronerStore *store;
    int in_progress_fd;
    char *boot_id;
    char *hostname;
    GMainLoop *loop;
    guint summary_timer;
    guint queue_timer;
    gboolean stopping;
} Daemon;

/* Closes what the dump holds and frees it; NULL is fine. */
void coronerd_dump_free(Dump *d);

/* Admission (coronerd.c): a new crash is dumped now, queued, or refused and accounted. */
void coronerd_admit(Daemon *dm, Dump *d);
/* Starts workers for queued crashes while MaxConcurrent allows. */
void coronerd_start_queued(Daemon *dm);
/* Ends the main loop once stopping and nothing runs or waits. */
void coronerd_maybe_quit(Daemon *dm);

/* Sockets (coronerd-sockets.c). */
gboolean coronerd_on_coredump_connection(gint fd, GIOCondition condition, gpointer data);
gboolean coronerd_on_handoff_connection(gint fd, GIOCondition condition, gpointer data);
/* A listening socket at path (absolute, shorter than sun_path), replacing a stale one. */
int coronerd_listen_on(const char *path, GError **error);
/* Takes the sockets systemd passed (coroner.socket), matched by path. */
void coronerd_take_activated_sockets(Daemon *dm);

/* Workers (coronerd-worker.c): acks the kernel, writes the marker, forks the worker. */
void coronerd_start_worker(Daemon *dm, Dump *d);

/* Accounting (coronerd-accounting.c). */
/* A record without a core, for a crash we did not (or could not) dump. */
void coronerd_account_without_core(Daemon *dm, const Dump *d, CoronerCoreState state,
                                   const char *reason);
/* Writes the storm summaries that are due (all of them when all), re-arms their timer. */
void coronerd_flush_summaries(Daemon *dm, gboolean all);
void coronerd_marker_write(Daemon *dm, const Dump *d);
void coronerd_marker_remove(Daemon *dm, const char *id);
gboolean coronerd_store_has_record(Daemon *dm, const char *id);
/* Marks left by a coronerd that died: those dumps are lost; says so in their records. */
void coronerd_recover_markers(Daemon *dm);
