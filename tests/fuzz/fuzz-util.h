/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the libFuzzer targets share: the entry point's prototype and one memfd per target. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fs-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The target's memfd (made on first use, named name), holding exactly size
 * bytes of data with its offset at 0; -1 when it cannot be made or written.
 */
static inline int fuzz_memfd(const char *name, const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0)
        fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0 ||
        (size > 0 && coroner_write_all(fd, data, size) < 0) || lseek(fd, 0, SEEK_SET) < 0)
        return -1;
    return fd;
}
