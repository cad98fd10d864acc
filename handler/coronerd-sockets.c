/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerd's sockets: the kernel's coredump socket (core_pattern "@@PATH")
 * and the hand-off socket of coroner-handler in pipe mode; each connection
 * becomes a Dump for admission.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "coredump-socket.h"
#include "coronerd.h"
#include "fs-util.h"
#include "handoff.h"
#include "log.h"
#include "proc-info.h"

/* The kernel and the handler talk first; a silent peer is not waited for longer. */
#define PEER_TIMEOUT_SEC 2

static void identify(Dump *d)
{
    gboolean verified = FALSE;
    int proc_fd = coroner_proc_open(d->pid, d->pidfd, &verified, NULL);
    if (proc_fd < 0)
        return;
    char *comm = NULL;
    if (coroner_read_proc_file_at(proc_fd, "comm", 256, &comm, NULL, NULL))
        d->comm = g_strchomp(comm);
    char target[4096];
    ssize_t n = readlinkat(proc_fd, "exe", target, sizeof target - 1);
    if (n > 0) {
        target[n] = '\0';
        d->exe = g_strdup(target);
    }
    close(proc_fd);
}

/* A new connection, blocking, with a time limit on what the peer must say first. */
static int accept_peer(int listen_fd)
{
    int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (conn < 0)
        return -1;
    struct timeval tv = {.tv_sec = PEER_TIMEOUT_SEC};
    (void)setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)setsockopt(conn, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return conn;
}

/* A crash from the kernel's coredump socket: its peer and its request, then admission. */
static void take_coredump(Daemon *dm, int conn)
{
    int64_t now = g_get_real_time();
    g_autoptr(GError) error = NULL;
    CoronerCoredumpPeer peer;
    int pidfd = coroner_coredump_peer(conn, &peer, &error);
    uint64_t mask = 0;
    if (pidfd < 0 || !coroner_coredump_read_request(conn, &mask, &error)) {
        coroner_log(LOG_ERR, "a coredump connection was dropped: %s", error->message);
        if (pidfd >= 0)
            close(pidfd);
        close(conn);
        return;
    }
    Dump *d = g_new0(Dump, 1);
    d->source = SOURCE_SOCKET;
    d->core_fd = conn;
    d->pidfd = pidfd;
    d->timestamp_usec = now;
    d->pid = peer.pid;
    d->uid = peer.uid;
    d->gid = peer.gid;
    d->dumpable = peer.dumpable;
    identify(d);
    d->id = coroner_entry_id(d->comm ? d->comm : "unknown", d->uid, dm->boot_id, d->pid,
                             (uint64_t)(d->timestamp_usec / G_USEC_PER_SEC * G_USEC_PER_SEC));
    coronerd_admit(dm, d);
}

/* A crash the handler hands off in pipe mode: what it read, the core pipe, then admission. */
static void take_handoff(Daemon *dm, int conn)
{
    g_autoptr(GError) error = NULL;
    int core_fd = -1, pidfd = -1;
    CoronerCapture *capture = coroner_handoff_receive(conn, &core_fd, &pidfd, &error);
    if (!capture) {
        coroner_log(LOG_ERR, "a hand-off was dropped: %s", error->message);
        close(conn);
        return;
    }
    /* From here on the crash is ours: the handler may exit. */
    if (!coroner_handoff_ack(conn, &error)) {
        /* The handler gave up waiting and stores the crash itself. */
        coroner_log(LOG_WARNING, "PID %" G_GINT64_FORMAT ": the handler did not wait for us: %s",
                    capture->record->process.pid, error->message);
        coroner_capture_free(capture);
        close(core_fd);
        if (pidfd >= 0)
            close(pidfd);
        close(conn);
        return;
    }
    close(conn);
    CoronerProcessInfo *p = &capture->record->process;
    Dump *d = g_new0(Dump, 1);
    d->source = SOURCE_HANDOFF;
    d->core_fd = core_fd;
    d->pidfd = pidfd;
    d->pid = (pid_t)p->pid;
    d->uid = (uid_t)p->uid;
    d->gid = (gid_t)p->gid;
    d->dumpable = p->dumpable;
    d->comm = g_strdup(p->comm);
    d->exe = g_strdup(p->exe);
    d->id = g_strdup(capture->record->id);
    d->timestamp_usec = capture->record->timestamp_usec;
    d->capture = capture;
    coronerd_admit(dm, d);
}

static gboolean on_connection(int listen_fd, Daemon *dm, void (*take)(Daemon *dm, int conn))
{
    int conn = accept_peer(listen_fd);
    if (conn >= 0)
        take(dm, conn);
    return G_SOURCE_CONTINUE;
}

gboolean coronerd_on_coredump_connection(gint fd, GIOCondition condition, gpointer data)
{
    return on_connection(fd, data, take_coredump);
}

gboolean coronerd_on_handoff_connection(gint fd, GIOCondition condition, gpointer data)
{
    return on_connection(fd, data, take_handoff);
}

int coronerd_listen_on(const char *path, GError **error)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    /* The kernel's limit for the coredump socket's path, and sun_path's. */
    if (!g_path_is_absolute(path) || strlen(path) >= sizeof addr.sun_path) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "%s: a socket path must be absolute and shorter than %zu bytes", path,
                    sizeof addr.sun_path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    g_autofree char *dir = g_path_get_dirname(path);
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "cannot create %s", dir);
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "socket");
        return -1;
    }
    /* A socket file left by a coronerd that was killed: nobody listens on it any more. */
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        (void)unlink(path);
    mode_t old = umask(0177);
    int r = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    umask(old);
    /* A storm arrives all at once: the backlog must hold it, or the kernel drops cores. */
    if (r < 0 || listen(fd, SOMAXCONN) < 0) {
        int e = errno;
        close(fd);
        coroner_set_errno_error(error, e, "cannot listen on %s", path);
        return -1;
    }
    return fd;
}

/* Sockets passed by systemd (coroner.socket), matched by path. */
void coronerd_take_activated_sockets(Daemon *dm)
{
    int n = sd_listen_fds(TRUE);
    for (int i = 0; i < n; i++) {
        int fd = SD_LISTEN_FDS_START + i;
        if (sd_is_socket_unix(fd, SOCK_STREAM, 1, dm->coredump_path, 0) > 0)
            dm->coredump_fd = fd;
        else if (sd_is_socket_unix(fd, SOCK_STREAM, 1, dm->handoff_path, 0) > 0)
            dm->handoff_fd = fd;
        else
            close(fd);
    }
    for (int i = 0; i < 2; i++) {
        int fd = i ? dm->handoff_fd : dm->coredump_fd;
        if (fd >= 0)
            (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
}
