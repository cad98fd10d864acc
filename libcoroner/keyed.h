/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Items put in order by a signed 64-bit key (a ring buffer's ordinal, a time):
 * collect CoronerKeyed values in a GArray and g_array_sort() it with
 * coroner_keyed_compare.  g_array_sort is stable: equal keys keep the order
 * they were added in.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

typedef struct {
    int64_t key;
    gpointer item;
} CoronerKeyed;

static inline gint coroner_keyed_compare(gconstpointer a, gconstpointer b)
{
    const CoronerKeyed *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}
