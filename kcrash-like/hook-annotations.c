/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Annotations: a fixed table of key/value slots, each written under its seqlock. */
#include "hook-internal.h"

#include <errno.h>
#include <string.h>

static struct coroner_hook_annotation_entry *find(struct coroner_hook_region *r, const char *key)
{
    for (size_t i = 0; i < CORONER_HOOK_MAX_ANNOTATIONS; i++) {
        struct coroner_hook_annotation_entry *e = &r->annotations[i];
        if ((e->flags & CORONER_HOOK_SLOT_USED) && strcmp(e->key, key) == 0)
            return e;
    }
    return NULL;
}

static struct coroner_hook_annotation_entry *find_free(struct coroner_hook_region *r)
{
    for (size_t i = 0; i < CORONER_HOOK_MAX_ANNOTATIONS; i++)
        if (!(r->annotations[i].flags & CORONER_HOOK_SLOT_USED))
            return &r->annotations[i];
    return NULL;
}

int coroner_hook_set_annotation(const char *key, const char *value)
{
    if (!key || !key[0] || !value)
        return -EINVAL;
    struct coroner_hook_region *r = coroner_hook__region();
    if (!r)
        return -ENODEV;

    char k[CORONER_HOOK_MAX_KEY + 1];
    bool truncated = coroner_hook__copy_text(k, sizeof(k), key);

    coroner_hook__lock();
    struct coroner_hook_annotation_entry *e = find(r, k);
    bool fresh = !e;
    if (fresh)
        e = find_free(r);
    if (!e) {
        coroner_hook__unlock();
        return -ENOSPC;
    }
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
    if (!key)
        return -EINVAL;
    struct coroner_hook_region *r = coroner_hook__region();
    if (!r)
        return -ENODEV;

    char k[CORONER_HOOK_MAX_KEY + 1];
    coroner_hook__copy_text(k, sizeof(k), key);

    coroner_hook__lock();
    struct coroner_hook_annotation_entry *e = find(r, k);
    if (!e) {
        coroner_hook__unlock();
        return -ENOENT;
    }
    coroner_hook__seq_begin(&e->seq);
    e->flags = 0;
    memset(e->key, 0, sizeof(e->key));
    memset(e->value, 0, sizeof(e->value));
    coroner_hook__seq_end(&e->seq);
    coroner_hook__unlock();
    return 0;
}
