/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer: a journal entry's fields as coronerctl and the reporter read
 * them: "NAME=value" lines (journalctl's export format without binary
 * fields) → the trust rule, the crash record rebuilt from COREDUMP_*, and
 * the stack trace in MESSAGE ("\n" inside MESSAGE written as "\\n").
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "journal-reader.h"
#include "trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GHashTable) fields =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        const char *eq = memchr(p, '=', (size_t)(line_end - p));
        if (eq && eq > p) {
            char *name = g_strndup(p, (gsize)(eq - p));
            GString *value = g_string_new_len(eq + 1, line_end - eq - 1);
            if (g_str_equal(name, "MESSAGE")) {
                /* g_strcompress() reads up to a NUL and warns about a lone trailing backslash. */
                g_string_truncate(value, strlen(value->str));
                gsize backslashes = 0;
                while (backslashes < value->len && value->str[value->len - 1 - backslashes] == '\\')
                    backslashes++;
                if (backslashes % 2)
                    g_string_truncate(value, value->len - 1);
                g_autofree char *unescaped = g_strcompress(value->str);
                g_string_assign(value, unescaped);
            }
            if (g_hash_table_contains(fields, name))
                g_free(name);
            else
                g_hash_table_insert(fields, name, g_bytes_new(value->str, value->len));
            g_string_free(value, TRUE);
        }
        p = line_end + 1;
    }
    (void)coroner_journal_fields_trusted(fields);
    g_autoptr(CoronerCrashRecord) r =
        coroner_record_from_journal_fields(fields, "0123456789abcdef0123456789abcdef", 1);
    gsize length = 0;
    g_free(coroner_crash_record_to_json(r, &length));
    return 0;
}
