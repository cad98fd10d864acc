/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coredump-socket.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fs-util.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

/* include/uapi/linux/pidfd.h, Linux 6.16: the first two published sizes of struct pidfd_info. */
#define PIDFD_INFO_PID (1u << 0)
#define PIDFD_INFO_CREDS (1u << 1)
#define PIDFD_INFO_COREDUMP (1u << 4)
#define PIDFD_COREDUMP_USER (1u << 2)
#define PIDFD_COREDUMP_ROOT (1u << 3)

typedef struct {
    uint64_t mask;
    uint64_t cgroupid;
    uint32_t pid, tgid, ppid;
    uint32_t ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
    int32_t exit_code;
    uint32_t coredump_mask;
    uint32_t coredump_signal; /* 6.19; a spare before */
} PidfdInfo;

#define PIDFD_GET_INFO _IOWR(0xFF, 11, PidfdInfo)

typedef struct {
    uint32_t size;
    uint32_t size_ack;
    uint64_t mask;
} CoredumpReq;

typedef struct {
    uint32_t size;
    uint32_t spare;
    uint64_t mask;
} CoredumpAck;

#define REQ_SIZE_VER0 16u
/* More than any request the kernel sends; what we do not know is discarded. */
#define REQ_SIZE_MAX 4096u

G_STATIC_ASSERT(sizeof(PidfdInfo) == 72);
G_STATIC_ASSERT(sizeof(CoredumpReq) == REQ_SIZE_VER0);

static gboolean errno_error(GError **error, int e, const char *what)
{
    coroner_set_errno_error(error, e, "%s", what);
    return FALSE;
}

int coroner_coredump_peer(int conn_fd, CoronerCoredumpPeer *ret, GError **error)
{
    int pidfd = -1;
    socklen_t len = sizeof pidfd;
    if (getsockopt(conn_fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0 || pidfd < 0) {
        errno_error(error, errno, "SO_PEERPIDFD");
        return -1;
    }
    PidfdInfo info = {.mask = PIDFD_INFO_PID | PIDFD_INFO_CREDS | PIDFD_INFO_COREDUMP};
    if (ioctl(pidfd, PIDFD_GET_INFO, &info) < 0) {
        int e = errno;
        close(pidfd);
        errno_error(error, e, "PIDFD_GET_INFO");
        return -1;
    }
    if (!(info.mask & PIDFD_INFO_CREDS) || info.tgid == 0) {
        close(pidfd);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "PIDFD_GET_INFO told no process (mask 0x%" G_GINT64_MODIFIER "x)", info.mask);
        return -1;
    }
    CoronerCoredumpPeer peer = {.pid = (pid_t)info.tgid, .uid = info.ruid, .gid = info.rgid};
    if (info.mask & PIDFD_INFO_COREDUMP)
        peer.dumpable = (info.coredump_mask & PIDFD_COREDUMP_ROOT)   ? 2
                        : (info.coredump_mask & PIDFD_COREDUMP_USER) ? 1
                                                                      : 0;
    *ret = peer;
    return pidfd;
}

gboolean coroner_coredump_read_request(int conn_fd, uint64_t *ret_mask, GError **error)
{
    /* Peek the size first; a later kernel's longer request is read whole and its tail ignored. */
    CoredumpReq req;
    ssize_t n;
    do
        n = recv(conn_fd, &req, sizeof req, MSG_PEEK | MSG_WAITALL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno_error(error, errno, "reading the coredump request");
    if (n != (ssize_t)sizeof req || req.size < REQ_SIZE_VER0 || req.size > REQ_SIZE_MAX) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "a malformed coredump request (%zd bytes, size %u)", n, n >= 4 ? req.size : 0);
        return FALSE;
    }
    g_autofree char *whole = g_malloc(req.size);
    if (coroner_read_full(conn_fd, whole, req.size) != (ssize_t)req.size) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the coredump request ended early");
        return FALSE;
    }
    if (req.size_ack < sizeof(CoredumpAck)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "the kernel takes a %u-byte ack, less than the %zu-byte one we send",
                    req.size_ack, sizeof(CoredumpAck));
        return FALSE;
    }
    uint64_t needed = CORONER_COREDUMP_KERNEL | CORONER_COREDUMP_REJECT | CORONER_COREDUMP_WAIT;
    if ((req.mask & needed) != needed) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "the kernel offers coredump features 0x%" G_GINT64_MODIFIER "x, we need 0x%" G_GINT64_MODIFIER "x",
                    req.mask, needed);
        return FALSE;
    }
    *ret_mask = req.mask;
    return TRUE;
}

gboolean coroner_coredump_send_ack(int conn_fd, uint64_t mask, GError **error)
{
    CoredumpAck ack = {.size = sizeof ack, .mask = mask};
    ssize_t n;
    do
        n = send(conn_fd, &ack, sizeof ack, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof ack)
        return errno_error(error, n < 0 ? errno : EIO, "sending the coredump ack");
    return TRUE;
}

gboolean coroner_coredump_read_mark(int conn_fd, GError **error)
{
    uint32_t mark = UINT32_MAX;
    ssize_t n = coroner_read_full(conn_fd, &mark, sizeof mark);
    if (n != (ssize_t)sizeof mark) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no mark after the coredump ack");
        return FALSE;
    }
    if (mark != CORONER_COREDUMP_MARK_REQACK) {
        static const char *const why[] = {"accepted", "ack too small", "ack too big",
                                          "unsupported flags", "conflicting flags"};
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the kernel refused our ack: mark %u (%s)",
                    mark, mark < G_N_ELEMENTS(why) ? why[mark] : "unknown");
        return FALSE;
    }
    return TRUE;
}

uint64_t coroner_rlimit_core_from_limits(const char *text)
{
    if (!text)
        return UINT64_MAX;
    const char *line = strstr(text, "Max core file size");
    if (!line)
        return UINT64_MAX;
    const char *p = line + strlen("Max core file size");
    while (*p == ' ')
        p++;
    if (g_str_has_prefix(p, "unlimited"))
        return UINT64_MAX;
    char *end = NULL;
    guint64 v = g_ascii_strtoull(p, &end, 10);
    return end == p ? UINT64_MAX : v;
}
