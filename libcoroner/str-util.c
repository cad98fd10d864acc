/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "str-util.h"

#include <string.h>

/* Non-empty, and every byte of one of GLib's ASCII classes (GAsciiType). */
static gboolean all_of(const char *s, GAsciiType class)
{
    if (!s || !*s)
        return FALSE;
    for (; *s; s++)
        if (!(g_ascii_table[(guchar)*s] & class))
            return FALSE;
    return TRUE;
}

gboolean coroner_str_is_digits(const char *s)
{
    return all_of(s, G_ASCII_DIGIT);
}

gboolean coroner_str_is_hex(const char *s)
{
    return all_of(s, G_ASCII_XDIGIT);
}

char *coroner_hex_encode(const void *data, gsize n)
{
    static const char digits[] = "0123456789abcdef";
    const guint8 *bytes = data;
    char *hex = g_malloc(n * 2 + 1);
    for (gsize i = 0; i < n; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 0xf];
    }
    hex[n * 2] = '\0';
    return hex;
}

GBytes *coroner_hex_decode(const char *hex)
{
    gsize n = hex ? strlen(hex) / 2 : 0;
    guint8 *raw = g_malloc(n ? n : 1);
    for (gsize i = 0; i < n; i++)
        raw[i] = (guint8)(g_ascii_xdigit_value(hex[2 * i]) << 4 | g_ascii_xdigit_value(hex[2 * i + 1]));
    return g_bytes_new_take(raw, n);
}
