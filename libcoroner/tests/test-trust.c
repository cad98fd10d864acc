/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The trust rule for journal entries (trust.c); its file rules are tested end to end. */
#include <string.h>

#include "coroner-test.h"
#include "trust.h"

static void put(GHashTable *fields, const char *name, const char *value)
{
    g_hash_table_insert(fields, g_strdup(name), g_bytes_new(value, strlen(value)));
}

/* Only journald's _UID (root) with one of the crash writers' identifiers makes an entry a crash. */
static void test_journal_fields(void)
{
    static const struct {
        const char *uid, *identifier;
        gboolean trusted;
    } cases[] = {
        {"0", "coronerd", TRUE},
        {"0", "systemd-coredump", TRUE},
        {"0", "logger", FALSE},
        {"1000", "coronerd", FALSE},
        {"", "coronerd", FALSE}, /* an empty field has no data at all */
        {"0x0", "coronerd", FALSE},
        {NULL, "coronerd", FALSE},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GHashTable) f =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
        if (cases[i].uid)
            put(f, "_UID", cases[i].uid);
        put(f, "SYSLOG_IDENTIFIER", cases[i].identifier);
        g_assert_cmpint(coroner_journal_fields_trusted(f), ==, cases[i].trusted);
    }
}

static const CoronerTestCase tests[] = {
    {"/trust/journal-fields", test_journal_fields},
};

CORONER_TEST_MAIN(tests)
