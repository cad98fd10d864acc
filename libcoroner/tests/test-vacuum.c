/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vacuum.h"
#include "coroner-test.h"

static CoronerStoreEntry *entry(const char *id, int64_t uid, uint64_t usec, uint64_t bytes)
{
    CoronerStoreEntry *e = g_new0(CoronerStoreEntry, 1);
    e->id = g_strdup(id);
    e->uid = uid;
    e->usec = usec;
    e->core_bytes = bytes;
    return e;
}

static GPtrArray *sample(void)
{
    GPtrArray *entries = g_ptr_array_new_with_free_func((GDestroyNotify)coroner_store_entry_free);
    /* oldest first, as coroner_store_list returns them */
    g_ptr_array_add(entries, entry("u1-old", 1000, 1, 100));
    g_ptr_array_add(entries, entry("u2-old", 1001, 2, 400));
    g_ptr_array_add(entries, entry("u2-mid", 1001, 3, 400));
    g_ptr_array_add(entries, entry("u1-new", 1000, 4, 100));
    g_ptr_array_add(entries, entry("u2-new", 1001, 5, 400));
    return entries;
}

/* The ids of the entries the plan for sample() under budget removes, in its order. */
static char *plan_ids(uint64_t budget)
{
    g_autoptr(GPtrArray) entries = sample();
    g_autoptr(GPtrArray) plan = coroner_vacuum_plan(entries, budget, NULL);
    GString *ids = g_string_new(NULL);
    for (guint i = 0; i < plan->len; i++)
        g_string_append_printf(ids, "%s%s", i ? " " : "", ((CoronerStoreEntry *)plan->pdata[i])->id);
    return g_string_free(ids, FALSE);
}

static void test_heaviest_user_oldest_first(void)
{
    /* u2 uses 1200 bytes against u1's 200: u2's oldest go first, u1 is untouched. */
    g_autofree char *ids = plan_ids(500);
    g_assert_cmpstr(ids, ==, "u2-old u2-mid");
}

static void test_fair_once_balanced(void)
{
    /* Everything must go; the order alternates by who is heaviest at each step. */
    g_autofree char *ids = plan_ids(1350);
    g_assert_cmpstr(ids, ==, "u2-old u2-mid u2-new u1-old u1-new");
}

static void test_keep_and_nothing_to_do(void)
{
    g_autoptr(GPtrArray) entries = sample();
    g_autoptr(GPtrArray) none = coroner_vacuum_plan(entries, 0, NULL);
    g_assert_cmpuint(none->len, ==, 0);
    g_autoptr(GPtrArray) plan = coroner_vacuum_plan(entries, 100000, "u2-new");
    g_assert_cmpuint(plan->len, ==, 4);
    for (guint i = 0; i < plan->len; i++)
        g_assert_cmpstr(((CoronerStoreEntry *)plan->pdata[i])->id, !=, "u2-new");
}

static void test_budget(void)
{
    CoronerStoreSpace s = {.fs_size = 1000, .fs_free = 500, .usage = 100, .max_use = 300,
                           .keep_free = 100};
    g_assert_cmpuint(coroner_store_budget(&s), ==, 200);
    s.keep_free = 450;
    g_assert_cmpuint(coroner_store_budget(&s), ==, 50);
    s.usage = 400;
    g_assert_cmpuint(coroner_store_budget(&s), ==, 0);
}

static const CoronerTestCase tests[] = {
    {"/vacuum/heaviest-user-oldest-first", test_heaviest_user_oldest_first},
    {"/vacuum/fair-once-balanced", test_fair_once_balanced},
    {"/vacuum/keep-and-nothing-to-do", test_keep_and_nothing_to_do},
    {"/vacuum/budget", test_budget},
};

CORONER_TEST_MAIN(tests)
