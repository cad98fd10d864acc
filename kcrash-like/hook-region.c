/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The metadata region: a named mapping coroner-handler finds in
 * /proc/PID/maps and copies out of /proc/PID/mem while the crashing process
 * is pinned, so it works inside a Flatpak sandbox and cannot be mixed up with
 * another process after PID reuse (it carries the owner's pid and start time).
 *
 * Preferred: an anonymous private mapping named with PR_SET_VMA_ANON_NAME,
 * shown as "[anon:coroner-hook]".  Kernels without CONFIG_ANON_VMA_NAME
 * refuse that prctl, so the fallback is a memfd mapped MAP_SHARED, shown as
 * "/memfd:coroner-hook (deleted)".  Both are dumped into cores by the default
 * coredump_filter, so the region can also be recovered from a core.
 */
#include "hook-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

static size_t region_size(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (sizeof(struct coroner_hook_region) + page - 1) / page * page;
}

static bool memfd_forced(void)
{
    const char *t = getenv(CORONER_HOOK_TRANSPORT_ENV);
    return t && strcmp(t, "memfd") == 0;
}

/* A sealed memfd of size bytes, mapped shared.  Only syscalls: the fork child calls it too. */
static void *map_memfd(size_t size)
{
    int fd = memfd_create(CORONER_HOOK_REGION_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return MAP_FAILED;
    void *p = MAP_FAILED;
    if (ftruncate(fd, (off_t)size) == 0) {
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        /* Nobody may shrink it under us (a shrunk shared mapping raises SIGBUS). */
        (void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return p;
}

static uint32_t transport_of_new_mapping(void **ret_mapping, size_t size)
{
    if (!memfd_forced()) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return 0;
        if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p, size,
                  (unsigned long)CORONER_HOOK_REGION_NAME) == 0) {
            *ret_mapping = p;
            return CORONER_HOOK_TRANSPORT_ANON_NAME;
        }
        munmap(p, size);
    }
    void *p = map_memfd(size);
    if (p == MAP_FAILED)
        return 0;
    *ret_mapping = p;
    return CORONER_HOOK_TRANSPORT_MEMFD;
}

static void fill_table(struct coroner_hook_table *t, size_t offset, size_t count, size_t entry_size,
                       size_t cap1, size_t cap2)
{
    t->offset = (uint32_t)offset;
    t->count = (uint32_t)count;
    t->entry_size = (uint32_t)entry_size;
    t->cap1 = (uint32_t)cap1;
    t->cap2 = (uint32_t)cap2;
    t->reserved = 0;
}

int coroner_hook__region_create(struct coroner_hook_region **ret_region, size_t *ret_size)
{
    size_t size = region_size();
    void *mapping = NULL;
    uint32_t transport = transport_of_new_mapping(&mapping, size);
    if (transport == 0)
        return errno > 0 ? -errno : -ENOMEM;

    /* Fresh mappings are zeroed: every slot starts unused with an even seq. */
    struct coroner_hook_region *r = mapping;
    struct coroner_hook_header *h = &r->header;
    memcpy(h->magic, CORONER_HOOK_MAGIC, CORONER_HOOK_MAGIC_SIZE);
    h->layout_version = CORONER_HOOK_LAYOUT_VERSION;
    h->header_size = sizeof(*h);
    h->total_size = size;
    h->byte_order = CORONER_HOOK_BYTE_ORDER_MARK;
    h->pointer_size = sizeof(void *);
    h->pid = getpid();
    h->start_ticks = coroner_hook__read_start_ticks();
    h->init_time_usec = coroner_hook__clock_usec(CLOCK_REALTIME);
    h->transport = transport;

#define ENTRY(table, field) sizeof(r->table[0]), sizeof(r->table[0].field)
    fill_table(&h->strings, offsetof(struct coroner_hook_region, strings),
               CORONER_HOOK_STRING_COUNT, ENTRY(strings, text), 0);
    fill_table(&h->annotations, offsetof(struct coroner_hook_region, annotations),
               CORONER_HOOK_MAX_ANNOTATIONS, ENTRY(annotations, key),
               sizeof(r->annotations[0].value));
    fill_table(&h->breadcrumbs, offsetof(struct coroner_hook_region, breadcrumbs),
               CORONER_HOOK_MAX_BREADCRUMBS, ENTRY(breadcrumbs, message), 0);
    fill_table(&h->buffers, offsetof(struct coroner_hook_region, buffers), CORONER_HOOK_MAX_BUFFERS,
               ENTRY(buffers, name), 0);
#undef ENTRY
    fill_table(&h->crash, offsetof(struct coroner_hook_region, crash), 1, sizeof(r->crash),
               sizeof(r->crash.exception_type), sizeof(r->crash.exception_what));

    *ret_region = r;
    *ret_size = size;
    return 0;
}

/*
 * Runs in the child of fork() (a pthread_atfork handler), where only
 * async-signal-safe calls are allowed.  The child inherits the metadata, but
 * the region must name the child as its owner; and a MAP_SHARED memfd would
 * still be the parent's memory, so the child gets its own copy at the same
 * address.  If that copy cannot be made, the header keeps the parent's pid,
 * so the reader refuses the region rather than misattributing it, and the
 * signal path does not write into the parent's memory (it checks the pid).
 */
void coroner_hook__region_after_fork_child(void)
{
    struct coroner_hook_state *s = &coroner_hook__state;
    struct coroner_hook_region *r = coroner_hook__region();
    if (!r)
        return;
    if (r->header.transport == CORONER_HOOK_TRANSPORT_MEMFD) {
        void *copy = map_memfd(s->region_size);
        if (copy == MAP_FAILED)
            return;
        memcpy(copy, r, s->region_size);
        if (mremap(copy, s->region_size, s->region_size, MREMAP_MAYMOVE | MREMAP_FIXED, r) ==
            MAP_FAILED) {
            munmap(copy, s->region_size);
            return;
        }
    }
    r->header.start_ticks = coroner_hook__read_start_ticks();
    __atomic_store_n(&r->header.pid, (int64_t)getpid(), __ATOMIC_RELEASE);
}
