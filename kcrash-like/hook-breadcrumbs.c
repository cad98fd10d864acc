/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Breadcrumbs: a ring of timestamped messages; the ordinal tells the reader their order. */
#include "hook-internal.h"

#include <errno.h>
#include <time.h>

int coroner_hook_add_breadcrumb(const char *message)
{
    struct coroner_hook_region *r = NULL;
    int invalid = coroner_hook__region_for(message != NULL, &r);
    if (invalid < 0)
        return invalid;
    int64_t now = coroner_hook__clock_usec(CLOCK_REALTIME);

    coroner_hook__lock();
    uint64_t ordinal = ++coroner_hook__state.breadcrumb_ordinal;
    struct coroner_hook_breadcrumb_entry *e =
        &r->breadcrumbs[(ordinal - 1) % CORONER_HOOK_MAX_BREADCRUMBS];
    coroner_hook__seq_begin(&e->seq);
    e->flags = CORONER_HOOK_SLOT_USED;
    e->ordinal = ordinal;
    e->timestamp_usec = now;
    bool truncated = coroner_hook__copy_text(e->message, sizeof(e->message), message);
    coroner_hook__seq_end(&e->seq);
    coroner_hook__unlock();
    return truncated ? CORONER_HOOK_TRUNCATED : 0;
}
