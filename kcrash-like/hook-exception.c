/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The exception that is about to terminate the process, recorded by the C++
 * terminate handler (coroner-hook.h) before abort(): outside the signal path,
 * so the demangled name could be built with malloc.
 */
#include "hook-internal.h"

#include <errno.h>

int coroner_hook_set_exception(const char *type, const char *what)
{
    struct coroner_hook_region *r = coroner_hook__region();
    if (!r)
        return -ENODEV;
    struct coroner_hook_crash_block *c = &r->crash;

    coroner_hook__lock();
    coroner_hook__seq_begin(&c->exception_seq);
    bool truncated =
        coroner_hook__copy_text(c->exception_type, sizeof(c->exception_type), type ? type : "");
    truncated |=
        coroner_hook__copy_text(c->exception_what, sizeof(c->exception_what), what ? what : "");
    c->exception_flags = CORONER_HOOK_SLOT_USED;
    coroner_hook__seq_end(&c->exception_seq);
    coroner_hook__unlock();
    return truncated ? CORONER_HOOK_TRUNCATED : 0;
}
