/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json-parse.h"

#include <string.h>

G_DEFINE_QUARK(coroner-json-error-quark, coroner_json_error)

guint coroner_json_depth(const char *data, gsize length, guint limit)
{
    guint depth = 0, deepest = 0;
    gboolean in_string = FALSE;
    for (gsize i = 0; i < length; i++) {
        char c = data[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = FALSE;
            continue;
        }
        if (c == '"') {
            in_string = TRUE;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest) {
                deepest = depth;
                if (deepest > limit)
                    return deepest;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return deepest;
}

JsonNode *coroner_json_parse(const char *data, gssize length, gsize max_bytes, GError **error)
{
    gsize n = length < 0 ? strlen(data) : (gsize)length;
    if (n > max_bytes) {
        g_set_error(error, CORONER_JSON_ERROR, CORONER_JSON_ERROR_TOO_LARGE,
                    "the JSON text is larger than %" G_GSIZE_FORMAT " bytes (%" G_GSIZE_FORMAT ")",
                    max_bytes, n);
        return NULL;
    }
    if (coroner_json_depth(data, n, CORONER_JSON_MAX_DEPTH) > CORONER_JSON_MAX_DEPTH) {
        g_set_error(error, CORONER_JSON_ERROR, CORONER_JSON_ERROR_TOO_DEEP,
                    "the JSON text is nested deeper than %d levels", CORONER_JSON_MAX_DEPTH);
        return NULL;
    }
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) local = NULL;
    if (!json_parser_load_from_data(parser, data, (gssize)n, &local)) {
        g_set_error(error, CORONER_JSON_ERROR, CORONER_JSON_ERROR_INVALID, "%s", local->message);
        return NULL;
    }
    JsonNode *root = json_parser_steal_root(parser);
    if (!root) {
        g_set_error(error, CORONER_JSON_ERROR, CORONER_JSON_ERROR_INVALID, "empty JSON text");
        return NULL;
    }
    return root;
}

char *coroner_utf8_escape_invalid(const char *text)
{
    if (g_utf8_validate(text, -1, NULL))
        return NULL;
    GString *out = g_string_new(NULL);
    const char *p = text;
    while (*p) {
        const char *end = NULL;
        if (g_utf8_validate(p, -1, &end))
            end = p + strlen(p);
        for (const char *q = p; q < end; q++) {
            if (*q == '\\')
                g_string_append(out, "\\x5c");
            else
                g_string_append_c(out, *q);
        }
        if (!*end)
            break;
        g_string_append_printf(out, "\\x%02x", (guint8)*end);
        p = end + 1;
    }
    return g_string_free(out, FALSE);
}
