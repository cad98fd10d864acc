/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sparse-file.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

bool coroner_is_hole(const void *p, size_t n)
{
    const uint8_t *b = p;
    /* The first byte decides quickly for most data; memcmp with itself shifted checks the rest. */
    return n == 0 || (b[0] == 0 && memcmp(b, b + 1, n - 1) == 0);
}

int coroner_pwrite_all(int fd, const void *p, size_t n, uint64_t offset)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = pwrite(fd, b, n, (off_t)offset);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        b += w;
        n -= (size_t)w;
        offset += (uint64_t)w;
    }
    return 0;
}
