/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* coroner_hook_init(): the region, the app's identity, the alternate stack, the handlers. */
#include "hook-internal.h"

#include <errno.h>
#include <string.h>

struct coroner_hook_state coroner_hook__state = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
};

/*
 * fork() while another thread is inside an API call would leave the child
 * with a locked mutex and maybe a half-written slot: hold the lock across
 * fork, then give the child its own region (see hook-region.c).
 */
static void before_fork(void)
{
    coroner_hook__lock();
}

static void after_fork_parent(void)
{
    coroner_hook__unlock();
}

static void after_fork_child(void)
{
    coroner_hook__region_after_fork_child();
    coroner_hook__unlock();
}

/* Writes one string slot under its seqlock; NULL or "" leaves it unused.  Returns whether cut. */
static bool set_string(struct coroner_hook_region *r, int index, const char *value)
{
    struct coroner_hook_string_entry *e = &r->strings[index];
    bool truncated = false;
    coroner_hook__seq_begin(&e->seq);
    if (value && *value) {
        truncated = coroner_hook__copy_text(e->text, sizeof(e->text), value);
        e->flags = CORONER_HOOK_SLOT_USED;
    } else {
        e->flags = 0;
        memset(e->text, 0, sizeof(e->text));
    }
    coroner_hook__seq_end(&e->seq);
    return truncated;
}

int coroner_hook_join_group(const char *group)
{
    struct coroner_hook_region *r;
    int ret = coroner_hook__region_for(true, &r);
    if (ret < 0)
        return ret;
    coroner_hook__lock();
    bool truncated = set_string(r, CORONER_HOOK_STRING_GROUP, group);
    coroner_hook__unlock();
    return truncated ? CORONER_HOOK_TRUNCATED : 0;
}

int coroner_hook_init(const coroner_hook_options *options)
{
    if (!options || !options->app_id || !options->app_id[0])
        return -EINVAL;
    for (size_t i = 0; i < sizeof(options->reserved) / sizeof(options->reserved[0]); i++)
        if (options->reserved[i])
            return -EINVAL;

    struct coroner_hook_state *s = &coroner_hook__state;
    coroner_hook__lock();
    if (s->region) {
        coroner_hook__unlock();
        return -EALREADY;
    }

    struct coroner_hook_region *r;
    size_t size;
    int ret = coroner_hook__region_create(&r, &size);
    if (ret < 0) {
        coroner_hook__unlock();
        return ret;
    }

    bool truncated = false;
    truncated |= set_string(r, CORONER_HOOK_STRING_APP_ID, options->app_id);
    truncated |= set_string(r, CORONER_HOOK_STRING_NAME, options->name);
    truncated |= set_string(r, CORONER_HOOK_STRING_VERSION, options->version);
    truncated |= set_string(r, CORONER_HOOK_STRING_BUG_ADDRESS, options->bug_address);
    truncated |= set_string(r, CORONER_HOOK_STRING_DSN, options->dsn);

    /* Without an alternate stack a stack overflow goes unreported, but everything else works. */
    (void)coroner_hook__altstack_setup();

    s->region_size = size;
    __atomic_store_n(&s->region, r, __ATOMIC_RELEASE);
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    ret = coroner_hook__signal_install();
    coroner_hook__unlock();
    if (ret < 0)
        return ret;
    return truncated ? CORONER_HOOK_TRUNCATED : 0;
}
