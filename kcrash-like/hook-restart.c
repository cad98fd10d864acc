/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coroner_hook_enable_restart(): everything the signal path needs to start a
 * new instance is prepared here (see hook-signal-restart.c).
 */
#include "hook-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* The arguments this process was started with, as a NULL-terminated vector. */
static int read_argv(char ***ret_argv)
{
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t size = 0, capacity = 4096;
    char *data = malloc(capacity);
    if (!data) {
        close(fd);
        return -ENOMEM;
    }
    for (;;) {
        if (size + 1 >= capacity) {
            char *bigger = realloc(data, capacity * 2);
            if (!bigger) {
                free(data);
                close(fd);
                return -ENOMEM;
            }
            data = bigger;
            capacity *= 2;
        }
        ssize_t n = read(fd, data + size, capacity - size - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            free(data);
            close(fd);
            return -err;
        }
        if (n == 0)
            break;
        size += (size_t)n;
    }
    close(fd);
    if (size == 0) {
        free(data);
        return -ENOENT;
    }
    data[size] = '\0';

    size_t count = 0;
    for (size_t i = 0; i < size; i++)
        if (data[i] == '\0')
            count++;
    if (data[size - 1] != '\0')
        count++;
    char **argv = calloc(count + 1, sizeof(char *));
    if (!argv) {
        free(data);
        return -ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < size && k < count; i += strlen(data + i) + 1)
        argv[k++] = data + i;
    *ret_argv = argv;
    return 0;
}

static uint64_t parse_last_crash(void)
{
    const char *value = getenv(CORONER_HOOK_RESTART_ENV);
    if (!value || !*value)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(value, &end, 10);
    if (errno || *end)
        return 0;
    return v;
}

int coroner_hook_enable_restart(unsigned min_interval_s)
{
    if (!coroner_hook__region())
        return -ENODEV;
    struct coroner_hook_restart_config *r = &coroner_hook__state.restart;

    coroner_hook__lock();
    __atomic_store_n(&r->enabled, 0, __ATOMIC_RELEASE);
    if (min_interval_s == 0) {
        coroner_hook__unlock();
        return 0;
    }
    /* Prepared once; later calls only change the interval. */
    if (!r->argv) {
        size_t env_count = 0;
        for (char **e = environ; e && *e; e++)
            env_count++;
        size_t capacity = env_count * 2 + 64;
        char **envp = calloc(capacity, sizeof(char *));
        char **argv = NULL;
        int ret = envp ? read_argv(&argv) : -ENOMEM;
        if (ret < 0) {
            free(envp);
            coroner_hook__unlock();
            return ret;
        }
        r->argv = argv;
        r->envp = envp;
        r->envp_capacity = capacity;
        r->last_crash_s = parse_last_crash();
    }
    r->pid = getpid();
    r->min_interval_s = min_interval_s;
    __atomic_store_n(&r->enabled, 1, __ATOMIC_RELEASE);
    coroner_hook__unlock();
    return 0;
}
