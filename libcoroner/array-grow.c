/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "array-grow.h"

#include <stdint.h>
#include <stdlib.h>

void *coroner_array_grow(void *items, size_t n, size_t *cap, size_t item_size)
{
    if (items && n < *cap)
        return items;
    size_t want = *cap ? *cap * 2 : 64;
    if (want > SIZE_MAX / item_size)
        return NULL;
    void *grown = realloc(items, want * item_size);
    if (grown)
        *cap = want;
    return grown;
}
