/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer: coroner.conf, read from a memfd through its /proc/self/fd path, as the handler reads a file. */
#define _GNU_SOURCE 1
#include <stdio.h>

#include "config.h"
#include "fuzz-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = fuzz_memfd("coroner-fuzz-config", data, size);
    if (fd < 0)
        return 0;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    CoronerConfig *config = coroner_config_load(path, problems);
    coroner_config_free(config);
    return 0;
}
