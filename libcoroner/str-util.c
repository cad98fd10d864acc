/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "str-util.h"

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

gboolean coroner_str_is_alnum(const char *s)
{
    return all_of(s, G_ASCII_ALNUM);
}
