/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer: the streaming core parser (program headers, PN_XNUM, the notes:
 * NT_PRSTATUS, NT_FILE, NT_SIGINFO) that builds the stack core while a core
 * streams past.  The input is fed in uneven chunks, as a pipe delivers it.
 */
#define _GNU_SOURCE 1
#include "fuzz-util.h"
#include "stack-core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The stack core is written to an empty memfd. */
    int fd = fuzz_memfd("coroner-fuzz-stack", NULL, 0);
    if (fd < 0)
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
