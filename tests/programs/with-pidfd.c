/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * with-pidfd: runs a command with a pidfd for PID on descriptor FD, the way
 * the kernel hands %F to a core_pattern pipe helper.  The e2e tests use it to
 * invoke coroner-handler by hand exactly as the kernel would.
 *
 *   with-pidfd PID FD COMMAND [ARG...]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: with-pidfd PID FD COMMAND [ARG...]\n");
        return 2;
    }
    long pid = strtol(argv[1], NULL, 10);
    int target = atoi(argv[2]);
    int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    if (fd < 0) {
        fprintf(stderr, "with-pidfd: pidfd_open(%ld): %s\n", pid, strerror(errno));
        return 2;
    }
    /* pidfd_open() always sets O_CLOEXEC; the copy made by dup2() does not have it. */
    if (fd == target) {
        if (fcntl(fd, F_SETFD, 0) < 0) {
            fprintf(stderr, "with-pidfd: fcntl: %s\n", strerror(errno));
            return 2;
        }
    } else {
        if (dup2(fd, target) < 0) {
            fprintf(stderr, "with-pidfd: dup2: %s\n", strerror(errno));
            return 2;
        }
        close(fd);
    }
    execvp(argv[3], argv + 3);
    fprintf(stderr, "with-pidfd: %s: %s\n", argv[3], strerror(errno));
    return 127;
}
