/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one way Coroner parses JSON that came from a file, a pipe or the
 * network (crash records, the sandbox's answers, envelopes in the outbox,
 * Sentry's responses, coronerctl's --json input).  json-glib recurses once
 * per nesting level, so "[[[[…" 100,000 deep overflows the stack: the text
 * is first scanned for its depth, and refused beyond CORONER_JSON_MAX_DEPTH
 * or max_bytes, before json-glib sees it.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A cap for JSON that has no smaller one of its own (an envelope item: Sentry takes 200 MiB). */
#define CORONER_JSON_MAX_BYTES ((gsize)256 << 20)

/* Deeper than any document Coroner writes (a record is 5 levels deep). */
#define CORONER_JSON_MAX_DEPTH 64

#define CORONER_JSON_ERROR (coroner_json_error_quark())
GQuark coroner_json_error_quark(void);

typedef enum {
    CORONER_JSON_ERROR_TOO_LARGE,
    CORONER_JSON_ERROR_TOO_DEEP,
    CORONER_JSON_ERROR_INVALID,
} CoronerJsonError;

/*
 * Parses length bytes (-1: NUL-terminated) of JSON, at most max_bytes and
 * CORONER_JSON_MAX_DEPTH levels deep.  Returns the root (caller frees with
 * json_node_unref), or NULL with error set.
 */
JsonNode *coroner_json_parse(const char *data, gssize length, gsize max_bytes, GError **error);

/*
 * text as valid UTF-8 for a JSON string: returned as is (NULL) when it is
 * valid; otherwise a copy (caller frees) where every byte that is not part of
 * valid UTF-8, and every backslash, is written "\xNN" like systemd's
 * xescape, so the original bytes can be recovered.  Strings from /proc, the
 * core and the hook's metadata pass here before they enter a record.
 */
char *coroner_utf8_escape_invalid(const char *text);

/* The nesting depth of a JSON text (brackets outside strings), stopping early past limit. */
guint coroner_json_depth(const char *data, gsize length, guint limit);

G_END_DECLS
