/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer: the hook metadata parser (what the sandboxed child parses out of
 * a crashed process's memory).  The expected pid is taken from the blob's own
 * pid field so the fuzzer gets past the identity check.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hook-metadata.h"

/* Where coroner_hook_metadata_read_raw() puts the pid (kcrash-like/tests/test-hook-metadata.c). */
#define BLOB_PID 56

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t pid = 1;
    if (size >= BLOB_PID + sizeof pid)
        memcpy(&pid, data + BLOB_PID, sizeof pid);
    g_autoptr(GBytes) raw = g_bytes_new(data, size);
    CoronerHookCrash crash;
    CoronerAppInfo *app = coroner_hook_metadata_parse_full(raw, pid, &crash, NULL);
    if (app) {
        CoronerSignalInfo signal = {0};
        (void)coroner_hook_crash_apply_signal(&crash, &signal);
        g_free(signal.name);
    }
    coroner_app_info_free(app);
    return 0;
}
