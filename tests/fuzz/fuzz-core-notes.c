/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer: the streaming core parser (program headers, PN_XNUM, the notes:
 * NT_PRSTATUS, NT_FILE, NT_SIGINFO) that builds the stack core while a core
 * streams past.  The input is fed in uneven chunks, as a pipe delivers it.
 */
#define _GNU_SOURCE 1
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stack-core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0)
        fd = memfd_create("coroner-fuzz-stack", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, 0) < 0)
        return 0;
    CoronerStackCore *s = coroner_stack_core_new(fd, 1u << 20);
    if (!s)
        return 0;
    size_t at = 0, step = 1;
    while (at < size) {
        size_t n = size - at < step ? size - at : step;
        if (coroner_stack_core_feed(s, data + at, n) < 0)
            break;
        at += n;
        step = step * 3 + 1;
    }
    (void)coroner_stack_core_finish(s, 0);
    (void)coroner_stack_core_warning(s);
    coroner_stack_core_free(s);
    return 0;
}
