/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Keeping the store within MaxUse and KeepFree, as systemd-coredump does:
 * whole entries (core + record) go, oldest first, always from the user who
 * uses the most space, so one crash-looping user cannot evict everybody
 * else's crashes.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

G_BEGIN_DECLS

typedef struct {
    uint64_t fs_size;   /* bytes of the store's file system */
    uint64_t fs_free;   /* bytes available to root */
    uint64_t usage;     /* bytes the store's entries occupy */
    uint64_t max_use;   /* resolved limits */
    uint64_t keep_free;
} CoronerStoreSpace;

/* Measures the store and resolves the configured limits against its file system. */
gboolean coroner_store_space(CoronerStore *store, const CoronerConfig *config,
                             CoronerStoreSpace *ret_space, GError **error);

/* Bytes that may still be written before a limit is hit (0 when already over). */
uint64_t coroner_store_budget(const CoronerStoreSpace *space);

/*
 * The policy alone, for testing: which entries (CoronerStoreEntry*, borrowed
 * from entries) to delete, in order, to free bytes_to_free. keep_id is never chosen.
 */
GPtrArray *coroner_vacuum_plan(GPtrArray *entries, uint64_t bytes_to_free, const char *keep_id);

/* Applies the policy to the store. ret_removed may be NULL. */
gboolean coroner_vacuum(CoronerStore *store, const CoronerConfig *config, const char *keep_id,
                        guint *ret_removed, GError **error);

G_END_DECLS
