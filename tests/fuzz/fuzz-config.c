/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer: coroner.conf, read from a memfd through its /proc/self/fd path, as the handler reads a file. */
#define _GNU_SOURCE 1
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fs-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0)
        fd = memfd_create("coroner-fuzz-config", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    CoronerConfig *config = coroner_config_load(path, problems);
    coroner_config_free(config);
    return 0;
}
