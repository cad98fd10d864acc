/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Growing a plain C array by doubling, for the streaming core writers
 * (minimal-core.c, stack-core.c), which use malloc rather than GLib so that
 * running out of memory is an answer, not an abort.
 */
#pragma once

#include <stddef.h>

/*
 * Room for one more item after the n used ones of items (*cap allocated,
 * item_size bytes each): items itself while n < *cap, else items moved to a
 * doubled allocation (64 items the first time) and *cap updated.  NULL when
 * out of memory; items is then left as it was.
 */
void *coroner_array_grow(void *items, size_t n, size_t *cap, size_t item_size);

/*
 * Appends value to the array items (n used, cap allocated; all three are
 * lvalues), growing it with coroner_array_grow().  true, or false when out
 * of memory (the array is then left as it was).
 */
#define CORONER_ARRAY_APPEND(items, n, cap, value)                                                 \
    ({                                                                                             \
        __typeof__(items) grown_ = coroner_array_grow((items), (n), &(cap), sizeof *(items));     \
        if (grown_) {                                                                              \
            (items) = grown_;                                                                      \
            (items)[(n)++] = (value);                                                              \
        }                                                                                          \
        grown_ != NULL;                                                                            \
    })
