/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding and dumping a crashed application's group peers (group-peers.h).
 *
 * Each peer goes through the crash's own path: coroner_capture_new() reads
 * its /proc entry (proven by a pidfd) and its hook region, and
 * coroner_ingest() stores it, reading its core from a pipe that a child
 * fills with coroner_live_core_write() (the writer of coronerctl dump-live:
 * every thread ptrace-seized and interrupted, then let go).  The child dies
 * at the peer's deadline (SIGALRM); a dying tracer detaches its tracees, so a
 * peer is never left stopped.
 */
#include "group-peers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "coredump-socket.h"
#include "handler-args.h"
#include "hook-metadata.h"
#include "live-core.h"
#include "log.h"
#include "proc-info.h"
#include "sandbox.h"
#include "store.h"
#include "trust.h"

/* Hook regions parsed while looking for peers: bounds the sandboxes a user's processes cost. */
#define CANDIDATES_MAX 64u
#define STATUS_MAX (64u * 1024u)

typedef struct {
    pid_t pid;
    int pidfd;
} Peer;

/*
 * A process the crasher's user could dump alone: the entries of /proc/PID
 * (not the directory itself) belong to root while a process is not dumpable,
 * else to its effective uid; and its real, effective, saved and filesystem
 * uids (and gids) are all the same.
 */
static gboolean dumpable_by(int proc_fd, uid_t uid)
{
    struct stat st;
    if (fstatat(proc_fd, "status", &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_uid != uid)
        return FALSE;
    CoronerProcessInfo p = {0};
    if (!coroner_read_proc_file_at(proc_fd, "status", STATUS_MAX, &p.proc_status, NULL, NULL))
        return FALSE;
    gboolean ok = coroner_crash_owner_may_read(1, &p);
    g_free(p.proc_status);
    return ok;
}

/*
 * Whether pid's hook region, read and parsed as the crasher's was, names
 * group.  *parsed counts the regions parsed (the processes without one cost
 * only a read of their maps).
 */
static gboolean in_group(int proc_fd, pid_t pid, const char *group, uid_t parse_uid,
                         gid_t parse_gid, unsigned timeout_ms, guint *parsed)
{
    uint64_t start, size;
    if (!coroner_hook_metadata_find(proc_fd, &start, &size, NULL))
        return FALSE;
    (*parsed)++;
    g_autoptr(GBytes) raw = coroner_hook_metadata_read_raw(proc_fd, start, size, NULL);
    if (!raw)
        return FALSE;
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    r->process.pid = pid;
    coroner_parse_hook_metadata(raw, parse_uid, parse_gid, timeout_ms, r);
    return r->app && g_strcmp0(r->app->group, group) == 0;
}

/* The group's members other than the crash: at most CORONER_PEERS_MAX, each with a pidfd. */
static GArray *find_peers(const CoronerCrashRecord *crash, uid_t parse_uid, gid_t parse_gid,
                          unsigned timeout_ms, int64_t deadline)
{
    GArray *peers = g_array_new(FALSE, FALSE, sizeof(Peer));
    DIR *proc = opendir("/proc");
    if (!proc)
        return peers;
    guint parsed = 0;
    struct dirent *de;
    while ((de = readdir(proc)) && peers->len < CORONER_PEERS_MAX && parsed < CANDIDATES_MAX &&
           g_get_monotonic_time() < deadline) {
        guint64 number;
        if (!g_ascii_string_to_unsigned(de->d_name, 10, 1, G_MAXINT32, &number, NULL))
            continue;
        pid_t pid = (pid_t)number;
        if (pid == crash->process.pid || pid == getpid())
            continue;
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0)
            continue;
        gboolean verified = FALSE;
        int proc_fd = coroner_proc_open(pid, pidfd, &verified, NULL);
        gboolean member = FALSE;
        if (proc_fd >= 0 && verified && dumpable_by(proc_fd, (uid_t)crash->process.uid))
            member = in_group(proc_fd, pid, crash->app->group, parse_uid, parse_gid, timeout_ms,
                              &parsed);
        if (proc_fd >= 0)
            close(proc_fd);
        if (member) {
            Peer p = {.pid = pid, .pidfd = pidfd};
            g_array_append_val(peers, p);
        } else {
            close(pidfd);
        }
    }
    closedir(proc);
    return peers;
}

/*
 * A child writing pid's live core into a pipe; returns the read end, or -1.
 * It stays root (ptrace of another user's process), and has only the deadline.
 */
static int start_live_dump(pid_t pid, uid_t owner, pid_t *ret_child, GError **error)
{
    pid_t parent = getpid();
    int fd = -1;
    pid_t child = coroner_sandbox_fork(&fd, error);
    if (child < 0)
        return -1;
    if (child == 0) {
        if (coroner_sandbox_enter(FALSE, 0, 0, parent) < 0)
            _exit(1);
        /* The deadline: dying detaches every thread it seized, and they run on. */
        signal(SIGALRM, SIG_DFL);
        sigset_t alarm_only;
        sigemptyset(&alarm_only);
        sigaddset(&alarm_only, SIGALRM);
        sigprocmask(SIG_UNBLOCK, &alarm_only, NULL);
        alarm(CORONER_PEER_DUMP_TIMEOUT_SEC);
        CoronerMinimalOptions full = {.keep_all = true};
        g_autoptr(GError) local = NULL;
        if (!coroner_live_core_write(pid, owner, &full, fd, NULL, &local)) {
            coroner_log(LOG_WARNING, "PID %d: no live core: %s", (int)pid, local->message);
            _exit(1);
        }
        _exit(0);
    }
    *ret_child = child;
    return fd;
}

static gboolean still_dumpable_by(const Peer *peer, uid_t uid)
{
    gboolean verified = FALSE;
    int proc_fd = coroner_proc_open(peer->pid, peer->pidfd, &verified, NULL);
    gboolean ok = proc_fd >= 0 && verified && dumpable_by(proc_fd, uid);
    if (proc_fd >= 0)
        close(proc_fd);
    return ok;
}

/* The capture of a peer, as if the kernel had reported it stopped by SIGSTOP now. */
static CoronerCapture *capture_peer(const CoronerCrashRecord *crash, const Peer *peer)
{
    int64_t now = g_get_real_time();
    CoronerKernelArgs args = {
        .pid = peer->pid,
        .uid = (uid_t)crash->process.uid,
        .gid = (gid_t)crash->process.gid,
        .signal = SIGSTOP,
        .timestamp_sec = (uint64_t)(now / G_USEC_PER_SEC),
        .hostname = crash->hostname,
        .dumpable = 1,
        .pidfd = peer->pidfd,
        .tid = peer->pid,
    };
    CoronerCapture *c = coroner_capture_new(&args, NULL);
    CoronerCrashRecord *r = c->record;
    r->timestamp_usec = now;
    g_free(r->id);
    r->id = coroner_entry_id(r->process.comm, r->process.uid, r->boot_id, r->process.pid,
                             (uint64_t)now);
    r->process.rlimit_core = coroner_rlimit_core_from_limits(r->process.proc_limits);
    r->live_dump = TRUE;
    r->peer_of = g_strdup(crash->id);
    return c;
}

/* Dumps one peer into the store; its record id, or NULL when nothing was stored. */
static char *dump_peer(const CoronerCrashRecord *crash, const Peer *peer,
                       const CoronerIngestOptions *options)
{
    int64_t started = g_get_monotonic_time();
    g_autoptr(CoronerCapture) capture = capture_peer(crash, peer);
    CoronerCrashRecord *r = capture->record;
    /*
     * Read again with the peer pinned: it may have changed identity since it
     * was found.  The live dumper checks once more with every thread stopped.
     */
    if (r->process.uid != crash->process.uid || !coroner_crash_owner_may_read(1, &r->process) ||
        !still_dumpable_by(peer, (uid_t)crash->process.uid)) {
        coroner_log(LOG_INFO, "PID %d: group peer %d is no longer dumpable by its user: skipped",
                    (int)crash->process.pid, (int)peer->pid);
        return NULL;
    }
    /* A peer that asked for no core (RLIMIT_CORE 0) gets its record only, as a crash would. */
    pid_t child = -1;
    g_autoptr(GError) error = NULL;
    int core_fd = r->process.rlimit_core == 0
                      ? -1
                      : start_live_dump(peer->pid, (uid_t)crash->process.uid, &child, &error);
    if (error) {
        coroner_log(LOG_WARNING, "PID %d: cannot dump group peer %d: %s",
                    (int)crash->process.pid, (int)peer->pid, error->message);
        return NULL;
    }
    CoronerIngestOptions o = *options;
    o.dump_deadline = g_get_monotonic_time() + CORONER_PEER_DUMP_TIMEOUT_SEC * G_USEC_PER_SEC;
    int rc = coroner_ingest(capture, core_fd, &o);
    int status = 0;
    while (child > 0 && waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    coroner_log(LOG_INFO, "PID %d: group \"%s\" peer %d dumped live as %s in %" G_GINT64_FORMAT " ms",
                (int)crash->process.pid, crash->app->group, (int)peer->pid, r->id,
                (g_get_monotonic_time() - started) / 1000);
    return rc == 0 ? g_strdup(r->id) : NULL;
}

void coroner_group_peers_dump(CoronerCrashRecord *crash, const CoronerIngestOptions *options,
                              uid_t parse_uid, gid_t parse_gid)
{
    if (!crash->app || !crash->app->group || crash->live_dump || crash->process.uid <= 0 ||
        !coroner_crash_owner_may_read(crash->process.dumpable, &crash->process))
        return;
    int64_t deadline = g_get_monotonic_time() + CORONER_PEERS_TIMEOUT_SEC * G_USEC_PER_SEC;
    GArray *peers = find_peers(crash, parse_uid, parse_gid, options->child_timeout_ms, deadline);
    for (guint i = 0; i < peers->len; i++) {
        Peer *p = &g_array_index(peers, Peer, i);
        if (g_get_monotonic_time() < deadline) {
            char *id = dump_peer(crash, p, options);
            if (id)
                g_ptr_array_add(crash->peers, id);
        }
        close(p->pidfd);
    }
    g_array_free(peers, TRUE);
}
