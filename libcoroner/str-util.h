/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checks on untrusted text (what a string is made of), and hex text to bytes and back. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Non-empty and only ASCII decimal digits. */
gboolean coroner_str_is_digits(const char *s);
/* Non-empty and only ASCII hex digits (either case). */
gboolean coroner_str_is_hex(const char *s);

/* n bytes of data as lower-case hex. */
char *coroner_hex_encode(const void *data, gsize n);
/* The bytes hex stands for, two digits each (a last odd digit is ignored); NULL: none. */
GBytes *coroner_hex_decode(const char *hex);

G_END_DECLS
