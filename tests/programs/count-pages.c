/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * count-pages: how many 4 KiB blocks of a file hold a non-zero byte.
 *
 *   count-pages FILE...
 *
 * Prints "FILE pages=N size=BYTES" per file.  The measure of a core's real
 * content whatever its layout: holes and zero pages (unpopulated memory)
 * cost nothing, and a full and a minimal core are counted the same way.
 * Exits 2 on I/O errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 4096
#define CHUNK (1 << 20)

static int count(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "count-pages: %s: %s\n", path, strerror(errno));
        return 2;
    }
    static unsigned char buf[CHUNK];
    uint64_t pages = 0, size = 0;
    size_t have = 0;
    for (;;) {
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "count-pages: %s: %s\n", path, strerror(errno));
            close(fd);
            return 2;
        }
        have += (size_t)n;
        if (n > 0 && have < sizeof buf)
            continue;
        /* A whole chunk (or the end): judge every block, the last one may be short. */
        for (size_t at = 0; at < have; at += BLOCK) {
            size_t len = have - at < BLOCK ? have - at : BLOCK;
            const unsigned char *p = buf + at;
            if (p[0] != 0 || memcmp(p, p + 1, len - 1) != 0)
                pages++;
        }
        size += have;
        have = 0;
        if (n == 0)
            break;
    }
    close(fd);
    printf("%s pages=%" PRIu64 " size=%" PRIu64 "\n", path, pages, size);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: count-pages FILE...\n");
        return 2;
    }
    int rc = 0;
    for (int i = 1; i < argc; i++)
        if (count(argv[i]))
            rc = 2;
    return rc;
}
