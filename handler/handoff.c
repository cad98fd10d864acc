/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "handoff.h"

#include <errno.h>
#include <gio/gio.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fs-util.h"

#define MAGIC "CRNHOFF1"
#define ACK_TAKEN 'T'

typedef struct {
    char magic[8];
    uint32_t json_length;
    uint32_t hook_length;
} HandoffHeader;

gboolean coroner_handoff_send(const char *socket_path, const CoronerCapture *capture, int core_fd,
                              int pidfd, unsigned timeout_ms, GError **error)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof addr.sun_path) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "socket path too long: %s",
                    socket_path);
        return FALSE;
    }
    strcpy(addr.sun_path, socket_path);

    gsize json_length = 0;
    g_autofree char *json = coroner_crash_record_to_json(capture->record, &json_length);
    gsize hook_length = capture->hook_raw ? g_bytes_get_size(capture->hook_raw) : 0;
    if (json_length > CORONER_HANDOFF_JSON_MAX || hook_length > CORONER_HANDOFF_HOOK_MAX) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "the capture is too big to hand off");
        return FALSE;
    }

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return coroner_set_errno_error(error, errno, "socket");
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        int e = errno;
        close(fd);
        return coroner_set_errno_error(error, e, "%s", socket_path);
    }

    HandoffHeader header = {.json_length = (uint32_t)json_length, .hook_length = (uint32_t)hook_length};
    memcpy(header.magic, MAGIC, sizeof header.magic);
    int fds[2] = {core_fd, pidfd};
    int n_fds = pidfd >= 0 ? 2 : 1;
    union {
        char buf[CMSG_SPACE(sizeof fds)];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {.iov_base = &header, .iov_len = sizeof header};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n_fds)};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n_fds);
    memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * (size_t)n_fds);
    ssize_t sent;
    do
        sent = sendmsg(fd, &msg, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    int e = 0;
    if (sent != (ssize_t)sizeof header)
        e = sent < 0 ? errno : EIO;
    if (!e && (coroner_write_all(fd, json, json_length) < 0 ||
               (hook_length && coroner_write_all(fd, g_bytes_get_data(capture->hook_raw, NULL),
                                                 hook_length) < 0)))
        e = errno ? errno : EIO;
    char answer = 0;
    if (!e) {
        ssize_t n = coroner_read_full(fd, &answer, 1);
        if (n != 1 || answer != ACK_TAKEN)
            e = n < 0 ? (int)-n : ETIMEDOUT;
    }
    close(fd);
    if (e)
        return coroner_set_errno_error(error, e, "hand-off to coronerd");
    return TRUE;
}

static void close_fds(const int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        close(fds[i]);
}

CoronerCapture *coroner_handoff_receive(int conn_fd, int *ret_core_fd, int *ret_pidfd,
                                        GError **error)
{
    HandoffHeader header;
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } control;
    struct iovec iov = {.iov_base = &header, .iov_len = sizeof header};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    ssize_t n;
    do
        n = recvmsg(conn_fd, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
    while (n < 0 && errno == EINTR);
    int fds[4];
    size_t n_fds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k && n_fds < G_N_ELEMENTS(fds); i++)
            memcpy(&fds[n_fds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    if (n != (ssize_t)sizeof header || memcmp(header.magic, MAGIC, sizeof header.magic) != 0 ||
        n_fds < 1 || n_fds > 2 || (msg.msg_flags & MSG_CTRUNC) ||
        header.json_length > CORONER_HANDOFF_JSON_MAX ||
        header.hook_length > CORONER_HANDOFF_HOOK_MAX) {
        close_fds(fds, n_fds);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "a malformed hand-off (%zd bytes, %zu fds)",
                    n, n_fds);
        return NULL;
    }
    g_autofree char *json = g_malloc(header.json_length + 1);
    g_autofree char *hook = header.hook_length ? g_malloc(header.hook_length) : NULL;
    if (coroner_read_full(conn_fd, json, header.json_length) != (ssize_t)header.json_length ||
        (header.hook_length &&
         coroner_read_full(conn_fd, hook, header.hook_length) != (ssize_t)header.hook_length)) {
        close_fds(fds, n_fds);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "a hand-off ended early");
        return NULL;
    }
    json[header.json_length] = '\0';
    g_autoptr(CoronerCrashRecord) record =
        coroner_crash_record_from_json(json, (gssize)header.json_length, error);
    if (!record || !record->id || record->process.pid <= 0) {
        close_fds(fds, n_fds);
        if (record)
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "a hand-off without a crash");
        return NULL;
    }
    CoronerCapture *c = g_new0(CoronerCapture, 1);
    c->record = g_steal_pointer(&record);
    if (header.hook_length)
        c->hook_raw = g_bytes_new_take(g_steal_pointer(&hook), header.hook_length);
    *ret_core_fd = fds[0];
    *ret_pidfd = n_fds > 1 ? fds[1] : -1;
    return c;
}

gboolean coroner_handoff_ack(int conn_fd, GError **error)
{
    char taken = ACK_TAKEN;
    if (send(conn_fd, &taken, 1, MSG_NOSIGNAL) != 1)
        return coroner_set_errno_error(error, errno, "hand-off answer");
    return TRUE;
}
