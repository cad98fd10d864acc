/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer: the crash record reader (and the one JSON entry point under it), then a round trip. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "crash-record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_from_json((const char *)data, (gssize)size, NULL);
    if (!r)
        return 0;
    gsize length = 0;
    g_autofree char *json = coroner_crash_record_to_json(r, &length);
    /* What we write we must read back. */
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerCrashRecord) again = coroner_crash_record_from_json(json, (gssize)length, &error);
    if (!again) {
        /* abort(), not g_error(): libFuzzer keeps the input of a SIGABRT, not of a SIGTRAP. */
        fprintf(stderr, "a record written from a parsed record does not parse: %s\n", error->message);
        abort();
    }
    return 0;
}
