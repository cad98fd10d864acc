/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "str-util.h"

gboolean coroner_str_is_digits(const char *s)
{
    if (!s || !*s)
        return FALSE;
    for (; *s; s++)
        if (!g_ascii_isdigit(*s))
            return FALSE;
    return TRUE;
}

gboolean coroner_str_is_hex(const char *s)
{
    if (!s || !*s)
        return FALSE;
    for (; *s; s++)
        if (!g_ascii_isxdigit(*s))
            return FALSE;
    return TRUE;
}

gboolean coroner_str_is_alnum(const char *s)
{
    if (!s || !*s)
        return FALSE;
    for (; *s; s++)
        if (!g_ascii_isalnum(*s))
            return FALSE;
    return TRUE;
}
