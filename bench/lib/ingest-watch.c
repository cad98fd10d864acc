/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Notes the moment a stored core appears in a store directory, for
 * bench/ingest's "stored" time.
 *
 *   ingest-watch DIR GLOB OUT [TIMEOUT_S]
 *
 * Writes "ready" to OUT once the inotify watch is in place, then waits for a
 * name matching GLOB to be created or renamed into DIR (names starting with
 * '.' are temporary files and never match) and appends "stored=NS NAME".
 * Both systemd-coredump and coroner-handler fsync the file before linking or
 * renaming it into place, so this is the moment the core is durable.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: ingest-watch DIR GLOB OUT [TIMEOUT_S]\n");
        return 2;
    }
    int timeout_ms = (argc > 4 ? atoi(argv[4]) : 300) * 1000;
    int in = inotify_init1(IN_CLOEXEC);
    if (in < 0 || inotify_add_watch(in, argv[1], IN_CREATE | IN_MOVED_TO) < 0) {
        perror("inotify");
        return 1;
    }
    FILE *out = fopen(argv[3], "ae");
    if (!out) {
        perror(argv[3]);
        return 1;
    }
    fputs("ready\n", out);
    fflush(out);

    char buf[16 * (sizeof(struct inotify_event) + NAME_MAX + 1)]
        __attribute__((aligned(__alignof__(struct inotify_event))));
    struct pollfd pfd = {.fd = in, .events = POLLIN};
    for (;;) {
        int r = poll(&pfd, 1, timeout_ms);
        if (r <= 0) {
            fputs("timeout\n", out);
            return 1;
        }
        ssize_t len = read(in, buf, sizeof buf);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        for (char *p = buf; p < buf + len;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            if (ev->len == 0 || fnmatch(argv[2], ev->name, FNM_PERIOD) != 0)
                continue;
            fprintf(out, "stored=%lld %s\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec,
                    ev->name);
            return 0;
        }
    }
}
