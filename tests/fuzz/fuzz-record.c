/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer: the crash record reader (and the one JSON entry point under it), then a round trip. */
#include <stddef.h>
#include <stdint.h>

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
    if (!again)
        g_error("a record written from a parsed record does not parse: %s", error->message);
    return 0;
}
