/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs one contender of bench/ingest and reports when it ended and how much
 * memory its process tree peaked at. It sits in kernel.core_pattern in front
 * of the real handler, or behind systemd-socket-activate, or at the end of a
 * shell pipe, and is the same binary in each place.
 *
 *   ingest-wrap TAG [ARGS...]
 *
 * kernel.core_pattern is at most 127 bytes, far too short for the handler's
 * path, its --config and the % specifiers, so everything fixed lives in a
 * spec file next to this binary, TAG.wrap, one key=value per line:
 *   out=PATH     append the result line here (required)
 *   arg=STRING   the command to run, one argv element per line, ARGS appended
 *   mntns=PATH   setns() into that mount namespace first (systemd-coredump's
 *                private /run/systemd and /var/lib/systemd/coredump)
 *   nice=N       run the command at this nice level (Nice= of the unit)
 *   listen_pid=1 the command is socket-activated: LISTEN_PID must name it,
 *                not us, or sd_listen_fds() ignores the passed socket
 *   pidfd=PID    give the command a pidfd of PID as fd 3, as the kernel does
 *                for %F (used when the core comes from a file, not a crash)
 *   pipe_size=N  F_SETPIPE_SZ on stdin first (for the "kernel alone" floor)
 *
 * Lines written to out=: "started TAG arg1=FIRST-ARG" at once (by then the
 * kernel has read core_pattern, so the bench can put the machine's back),
 * then the result: TAG start=NS end=NS status=N maxrss_kib=N utime_us=N
 * stime_us=N arg1=FIRST-ARG. maxrss is getrusage(RUSAGE_CHILDREN) after the
 * command was reaped: the largest RSS of any process in its tree that was
 * waited for, which is what "peak RSS of the handler" means here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void fail(const char *what)
{
    /* A kernel-spawned helper has no stderr; /dev/kmsg is where this lands then. */
    int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        dprintf(fd, "ingest-wrap: %s: %s\n", what, strerror(errno));
        close(fd);
    }
    fprintf(stderr, "ingest-wrap: %s: %s\n", what, strerror(errno));
    exit(127);
}

int main(int argc, char **argv)
{
    long long start = now_ns();
    if (argc < 2) {
        fprintf(stderr, "usage: ingest-wrap TAG [ARGS...]\n");
        return 2;
    }

    char exe[PATH_MAX], spec[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n < 0)
        fail("readlink /proc/self/exe");
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    *slash = '\0';
    snprintf(spec, sizeof spec, "%s/%s.wrap", exe, argv[1]);

    FILE *f = fopen(spec, "re");
    if (!f)
        fail(spec);
    char *cmd[256];
    int ncmd = 0, nice_level = 0, have_nice = 0, listen_pid = 0;
    long pidfd_of = 0, pipe_size = 0;
    char *out = NULL, *mntns = NULL, *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\n")] = '\0';
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *v = eq + 1;
        if (strcmp(line, "out") == 0)
            out = strdup(v);
        else if (strcmp(line, "arg") == 0 && ncmd < 200)
            cmd[ncmd++] = strdup(v);
        else if (strcmp(line, "mntns") == 0)
            mntns = strdup(v);
        else if (strcmp(line, "nice") == 0)
            nice_level = atoi(v), have_nice = 1;
        else if (strcmp(line, "listen_pid") == 0)
            listen_pid = atoi(v);
        else if (strcmp(line, "pidfd") == 0)
            pidfd_of = atol(v);
        else if (strcmp(line, "pipe_size") == 0)
            pipe_size = atol(v);
    }
    fclose(f);
    free(line);
    if (!out || ncmd == 0) {
        errno = EINVAL;
        fail("spec needs out= and arg=");
    }
    for (int i = 2; i < argc && ncmd < 255; i++)
        cmd[ncmd++] = argv[i];
    cmd[ncmd] = NULL;

    int out_fd = open(out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (out_fd < 0)
        fail(out);
    dprintf(out_fd, "started %s arg1=%s\n", argv[1], argc > 2 ? argv[2] : "-");

    if (pipe_size > 0 && fcntl(STDIN_FILENO, F_SETPIPE_SZ, (int)pipe_size) < 0)
        fail("F_SETPIPE_SZ");

    if (mntns) {
        int ns = open(mntns, O_RDONLY | O_CLOEXEC);
        if (ns < 0)
            fail(mntns);
        if (setns(ns, CLONE_NEWNS) < 0)
            fail("setns");
        close(ns);
    }

    pid_t pid = fork();
    if (pid < 0)
        fail("fork");
    if (pid == 0) {
        if (have_nice && setpriority(PRIO_PROCESS, 0, nice_level) < 0)
            fail("setpriority");
        if (listen_pid && getenv("LISTEN_PID")) {
            char buf[32];
            snprintf(buf, sizeof buf, "%ld", (long)getpid());
            setenv("LISTEN_PID", buf, 1);
        }
        if (pidfd_of > 0) {
            int pfd = (int)syscall(SYS_pidfd_open, (pid_t)pidfd_of, 0);
            if (pfd < 0)
                fail("pidfd_open");
            if (pfd == 3) {
                if (fcntl(3, F_SETFD, 0) < 0)
                    fail("fcntl");
            } else if (dup2(pfd, 3) < 0) {
                fail("dup2");
            }
        }
        execv(cmd[0], cmd);
        fail(cmd[0]);
    }

    /* Hold nothing the command owns: the kernel waits for every reader of the
     * core pipe to close it, and systemd-socket-activate's connection fd is the
     * service's alone. */
    for (int fd = 0; fd < 1024; fd++)
        if (fd != out_fd)
            close(fd);

    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            fail("waitpid");
    long long end = now_ns();
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    dprintf(out_fd,
            "%s start=%lld end=%lld status=%d maxrss_kib=%ld utime_us=%lld stime_us=%lld "
            "arg1=%s\n",
            argv[1], start, end, code, ru.ru_maxrss,
            (long long)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec,
            (long long)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec,
            argc > 2 ? argv[2] : "-");
    close(out_fd);
    return code;
}
