/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Annotations: a fixed table of key/value slots in the region, each written
 * under its seqlock.  A private array of key hashes (0: slot free) makes the
 * lookup a scan of 512 bytes instead of 128 slots of 328; the lock guards it.
 */
#include "hook-internal.h"

#include <errno.h>
#include <string.h>

static uint32_t key_hashes[CORONER_HOOK_MAX_ANNOTATIONS];

/* FNV-1a, never 0. */
static uint32_t hash_key(const char *key)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h | 1u;
}

static int find(struct coroner_hook_region *r, const char *key, uint32_t hash)
{
    for (int i = 0; i < CORONER_HOOK_MAX_ANNOTATIONS; i++)
        if (key_hashes[i] == hash && strcmp(r->annotations[i].key, key) == 0)
            return i;
    return -1;
}

static int find_free(void)
{
    for (int i = 0; i < CORONER_HOOK_MAX_ANNOTATIONS; i++)
        if (key_hashes[i] == 0)
            return i;
    return -1;
}

int coroner_hook_set_annotation(const char *key, const char *value)
{
    struct coroner_hook_region *r = NULL;
    int invalid = coroner_hook__region_for(key && key[0] && value, &r);
    if (invalid < 0)
        return invalid;

    char k[CORONER_HOOK_MAX_KEY + 1];
    bool truncated = coroner_hook__copy_text(k, sizeof(k), key);

    uint32_t hash = hash_key(k);
    coroner_hook__lock();
    int slot = find(r, k, hash);
    bool fresh = slot < 0;
    if (fresh)
        slot = find_free();
    if (slot < 0) {
        coroner_hook__unlock();
        return -ENOSPC;
    }
    struct coroner_hook_annotation_entry *e = &r->annotations[slot];
    key_hashes[slot] = hash;
    coroner_hook__seq_begin(&e->seq);
    if (fresh)
        memcpy(e->key, k, sizeof(e->key));
    truncated |= coroner_hook__copy_text(e->value, sizeof(e->value), value);
    e->flags = CORONER_HOOK_SLOT_USED;
    coroner_hook__seq_end(&e->seq);
    coroner_hook__unlock();
    return truncated ? CORONER_HOOK_TRUNCATED : 0;
}

int coroner_hook_remove_annotation(const char *key)
{
    struct coroner_hook_region *r = NULL;
    int invalid = coroner_hook__region_for(key != NULL, &r);
    if (invalid < 0)
        return invalid;

    char k[CORONER_HOOK_MAX_KEY + 1];
    coroner_hook__copy_text(k, sizeof(k), key);

    coroner_hook__lock();
    int slot = find(r, k, hash_key(k));
    if (slot < 0) {
        coroner_hook__unlock();
        return -ENOENT;
    }
    struct coroner_hook_annotation_entry *e = &r->annotations[slot];
    key_hashes[slot] = 0;
    coroner_hook__seq_begin(&e->seq);
    e->flags = 0;
    memset(e->key, 0, sizeof(e->key));
    memset(e->value, 0, sizeof(e->value));
    coroner_hook__seq_end(&e->seq);
    coroner_hook__unlock();
    return 0;
}
