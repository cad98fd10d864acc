/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* coroner_hook_set_emergency_save(): the API side; the signal side is hook-signal-save.c. */
#include "hook-internal.h"

#include <errno.h>

int coroner_hook_set_emergency_save(coroner_hook_save_fn fn, void *userdata, unsigned timeout_ms)
{
    struct coroner_hook_region *r = NULL;
    int invalid = coroner_hook__region_for(timeout_ms <= CORONER_HOOK_MAX_SAVE_TIMEOUT_MS, &r);
    if (invalid < 0)
        return invalid;

    /*
     * Fill the copy the signal path is not looking at, then flip: a crash
     * on another thread reads either the old or the new configuration whole.
     */
    struct coroner_hook_state *s = &coroner_hook__state;
    coroner_hook__lock();
    int next = !__atomic_load_n(&s->save_current, __ATOMIC_RELAXED);
    s->save[next].fn = fn;
    s->save[next].userdata = userdata;
    s->save[next].timeout_ms = timeout_ms;
    __atomic_store_n(&s->save_current, next, __ATOMIC_RELEASE);
    __atomic_store_n(&r->crash.save_state, fn ? CORONER_HOOK_SAVE_PENDING : CORONER_HOOK_SAVE_NONE,
                     __ATOMIC_RELEASE);
    coroner_hook__unlock();
    return 0;
}
