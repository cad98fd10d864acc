/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Registered buffers: only descriptors (address, length, name) live in the
 * region.  The bytes stay where the application keeps them and are copied by
 * coroner-handler at crash time, so registering costs nothing per update.
 */
#include "hook-internal.h"

#include <errno.h>
#include <string.h>

static struct coroner_hook_buffer_entry *find(struct coroner_hook_region *r, const void *data)
{
    for (size_t i = 0; i < CORONER_HOOK_MAX_BUFFERS; i++) {
        struct coroner_hook_buffer_entry *e = &r->buffers[i];
        if ((e->flags & CORONER_HOOK_SLOT_USED) && e->address == (uint64_t)(uintptr_t)data)
            return e;
    }
    return NULL;
}

int coroner_hook_register_buffer(const char *name, const void *data, size_t length, unsigned flags)
{
    struct coroner_hook_region *r = NULL;
    int invalid =
        coroner_hook__region_for(name && data && !(flags & ~CORONER_HOOK_BUFFER_TEXT), &r);
    if (invalid < 0)
        return invalid;
    if (length > CORONER_HOOK_MAX_BUFFER_BYTES)
        return -E2BIG;

    struct coroner_hook_state *s = &coroner_hook__state;
    coroner_hook__lock();
    int ret = 0;
    struct coroner_hook_buffer_entry *e = NULL;
    if (find(r, data)) {
        ret = -EEXIST;
    } else if (s->buffer_bytes + length > CORONER_HOOK_MAX_BUFFER_BYTES) {
        ret = -E2BIG;
    } else {
        for (size_t i = 0; i < CORONER_HOOK_MAX_BUFFERS && !e; i++)
            if (!(r->buffers[i].flags & CORONER_HOOK_SLOT_USED))
                e = &r->buffers[i];
        if (!e)
            ret = -ENOSPC;
    }
    if (e) {
        coroner_hook__seq_begin(&e->seq);
        e->address = (uint64_t)(uintptr_t)data;
        e->length = length;
        if (coroner_hook__copy_text(e->name, sizeof(e->name), name))
            ret = CORONER_HOOK_TRUNCATED;
        e->flags = CORONER_HOOK_SLOT_USED |
                   ((flags & CORONER_HOOK_BUFFER_TEXT) ? CORONER_HOOK_SLOT_TEXT : 0);
        coroner_hook__seq_end(&e->seq);
        s->buffer_bytes += length;
    }
    coroner_hook__unlock();
    return ret;
}

int coroner_hook_unregister_buffer(const void *data)
{
    struct coroner_hook_region *r = NULL;
    int invalid = coroner_hook__region_for(data != NULL, &r);
    if (invalid < 0)
        return invalid;

    coroner_hook__lock();
    struct coroner_hook_buffer_entry *e = find(r, data);
    if (!e) {
        coroner_hook__unlock();
        return -ENOENT;
    }
    coroner_hook__seq_begin(&e->seq);
    coroner_hook__state.buffer_bytes -= e->length;
    e->flags = 0;
    e->address = 0;
    e->length = 0;
    memset(e->name, 0, sizeof(e->name));
    coroner_hook__seq_end(&e->seq);
    coroner_hook__unlock();
    return 0;
}
