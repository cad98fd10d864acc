/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bounded, UTF-8-aware string copies into the region's fixed-size fields. */
#include "hook-internal.h"

#include <string.h>

bool coroner_hook__copy_text(char *dst, size_t capacity, const char *src)
{
    if (capacity == 0)
        return src && *src;
    size_t n = src ? strnlen(src, capacity) : 0;
    bool truncated = false;
    if (n == capacity) {
        /* Too long: keep capacity - 1 bytes, minus a character cut in half. */
        truncated = true;
        n = capacity - 1;
        size_t end = n;
        for (int i = 0; i < 3 && end > 0 && ((unsigned char)src[end] & 0xC0) == 0x80; i++)
            end--;
        /* More than three continuation bytes is not UTF-8 anyway: the reader repairs it. */
        if (((unsigned char)src[end] & 0xC0) != 0x80)
            n = end;
    }
    if (n > 0)
        memcpy(dst, src, n);
    memset(dst + n, 0, capacity - n);
    return truncated;
}
