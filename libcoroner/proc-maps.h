/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /proc/PID/maps, parsed once for everyone who needs a process's mappings:
 * the minimal core writer (which ranges to keep), the live core, the module
 * path fix-up of a crash record.  Plain C, no GLib.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A mapping as /proc/PID/maps shows it. */
typedef struct {
    uint64_t start, end;
    uint64_t file_offset;
    bool writable;
    const char *name; /* path, "[heap]", "[stack]", "[vdso]", "[anon:…]", or "" */
} CoronerMapping;

/*
 * Parses /proc/PID/maps text into mappings (names point into a copy owned by
 * the returned array: free both with coroner_mappings_free).  NULL if none.
 */
CoronerMapping *coroner_mappings_parse(const char *maps_text, size_t *ret_n);
void coroner_mappings_free(CoronerMapping *maps, size_t n);

#ifdef __cplusplus
}
#endif
