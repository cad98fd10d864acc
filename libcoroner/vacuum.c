/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vacuum.h"

#include <errno.h>
#include <gio/gio.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"

/* Like coredump.conf: percentages of the file system, but never more than this. */
#define DEFAULT_LIMIT_CAP (UINT64_C(4) << 30)

static uint64_t entry_bytes(const CoronerStoreEntry *e)
{
    return e->core_bytes + e->record_bytes + e->stack_bytes;
}

gboolean coroner_store_space(CoronerStore *store, const CoronerConfig *config,
                             CoronerStoreSpace *ret, GError **error)
{
    struct statvfs sv;
    if (fstatvfs(store->dir_fd, &sv) < 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "cannot stat file system of %s", store->path);
        return FALSE;
    }
    g_autoptr(GPtrArray) entries = coroner_store_list(store, error);
    if (!entries)
        return FALSE;
    CoronerStoreSpace s = {
        .fs_size = (uint64_t)sv.f_blocks * sv.f_frsize,
        .fs_free = (uint64_t)sv.f_bfree * sv.f_frsize,
    };
    for (guint i = 0; i < entries->len; i++)
        s.usage += entry_bytes(entries->pdata[i]);
    s.max_use = coroner_size_resolve(&config->max_use, s.fs_size, DEFAULT_LIMIT_CAP);
    s.keep_free = coroner_size_resolve(&config->keep_free, s.fs_size, DEFAULT_LIMIT_CAP);
    *ret = s;
    return TRUE;
}

uint64_t coroner_store_budget(const CoronerStoreSpace *s)
{
    uint64_t by_use = s->usage < s->max_use ? s->max_use - s->usage : 0;
    uint64_t by_free = s->fs_free > s->keep_free ? s->fs_free - s->keep_free : 0;
    return MIN(by_use, by_free);
}

GPtrArray *coroner_vacuum_plan(GPtrArray *entries, uint64_t bytes_to_free, const char *keep_id)
{
    GPtrArray *plan = g_ptr_array_new();
    g_autoptr(GHashTable) usage = g_hash_table_new(g_int64_hash, g_int64_equal);
    g_autoptr(GHashTable) taken = g_hash_table_new(g_direct_hash, g_direct_equal);

    /* usage per uid; the int64 keys point into the entries themselves */
    for (guint i = 0; i < entries->len; i++) {
        CoronerStoreEntry *e = entries->pdata[i];
        uint64_t u = GPOINTER_TO_SIZE(g_hash_table_lookup(usage, &e->uid));
        g_hash_table_insert(usage, &e->uid, GSIZE_TO_POINTER(u + entry_bytes(e)));
    }

    uint64_t freed = 0;
    while (freed < bytes_to_free) {
        /* The heaviest user first; entries are sorted oldest first, so the first match is theirs. */
        int64_t heaviest = -1;
        uint64_t heaviest_bytes = 0;
        for (guint i = 0; i < entries->len; i++) {
            CoronerStoreEntry *e = entries->pdata[i];
            if (g_hash_table_contains(taken, e) || g_strcmp0(e->id, keep_id) == 0)
                continue;
            uint64_t u = GPOINTER_TO_SIZE(g_hash_table_lookup(usage, &e->uid));
            if (heaviest < 0 || u > heaviest_bytes) {
                heaviest = e->uid;
                heaviest_bytes = u;
            }
        }
        if (heaviest < 0)
            break;
        for (guint i = 0; i < entries->len; i++) {
            CoronerStoreEntry *e = entries->pdata[i];
            if (e->uid != heaviest || g_hash_table_contains(taken, e) ||
                g_strcmp0(e->id, keep_id) == 0)
                continue;
            g_ptr_array_add(plan, e);
            g_hash_table_add(taken, e);
            freed += entry_bytes(e);
            g_hash_table_insert(usage, &e->uid, GSIZE_TO_POINTER(heaviest_bytes - entry_bytes(e)));
            break;
        }
    }
    return plan;
}

gboolean coroner_vacuum(CoronerStore *store, const CoronerConfig *config, const char *keep_id,
                        guint *ret_removed, GError **error)
{
    CoronerStoreSpace space;
    if (!coroner_store_space(store, config, &space, error))
        return FALSE;
    uint64_t over_use = space.usage > space.max_use ? space.usage - space.max_use : 0;
    uint64_t under_free = space.fs_free < space.keep_free ? space.keep_free - space.fs_free : 0;
    uint64_t to_free = MAX(over_use, under_free);
    guint removed = 0;
    if (to_free > 0) {
        g_autoptr(GPtrArray) entries = coroner_store_list(store, error);
        if (!entries)
            return FALSE;
        g_autoptr(GPtrArray) plan = coroner_vacuum_plan(entries, to_free, keep_id);
        for (guint i = 0; i < plan->len; i++) {
            CoronerStoreEntry *e = plan->pdata[i];
            /* The cores first: if we are interrupted, a record without its core is still valid. */
            if (e->stack_name && unlinkat(store->dir_fd, e->stack_name, 0) < 0 && errno != ENOENT)
                coroner_log(LOG_WARNING, "vacuum: cannot remove %s: %s", e->stack_name,
                            g_strerror(errno));
            if (e->core_name && unlinkat(store->dir_fd, e->core_name, 0) < 0 && errno != ENOENT)
                coroner_log(LOG_WARNING, "vacuum: cannot remove %s: %s", e->core_name,
                            g_strerror(errno));
            if (e->record_name && unlinkat(store->dir_fd, e->record_name, 0) < 0 &&
                errno != ENOENT)
                coroner_log(LOG_WARNING, "vacuum: cannot remove %s: %s", e->record_name,
                            g_strerror(errno));
            removed++;
        }
    }
    if (ret_removed)
        *ret_removed = removed;
    return TRUE;
}
