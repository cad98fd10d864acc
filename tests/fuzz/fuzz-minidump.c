/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer: the minidump writer on a hostile core, in-process — the ELF core
 * reader (elf-core.c: program headers, notes, NT_FILE, a module's headers in
 * the core's memory through elf_memory) and everything the writer derives
 * from it (stacks, modules, the environment's blanking).
 */
#define _GNU_SOURCE 1
#include "fuzz-util.h"
#include "minidump-writer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = fuzz_memfd("coroner-fuzz-minidump", data, size);
    if (fd < 0)
        return 0;
    CoronerMinidumpOptions o;
    coroner_minidump_options_init(&o);
    o.host_info = FALSE;
    o.max_bytes = 16u << 20;
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    GError *error = NULL;
    GBytes *dump = coroner_minidump_from_core_fd(fd, NULL, &o, warnings, &error);
    if (dump)
        g_bytes_unref(dump);
    g_clear_error(&error);
    g_ptr_array_unref(warnings);
    return 0;
}
