/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-context.h"

#include <string.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <systemd/sd-login.h>
#include <unistd.h>

void coroner_sentry_machine_free(CoronerSentryMachine *m)
{
    if (!m)
        return;
    g_free(m->os_name);
    g_free(m->os_version);
    g_free(m->os_pretty_name);
    g_free(m->os_build);
    g_free(m->kernel_version);
    g_free(m->arch);
    g_free(m);
}

GHashTable *coroner_sentry_parse_os_release(const char *text)
{
    GHashTable *table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    for (char **l = lines; *l; l++) {
        char *line = g_strstrip(*l);
        if (!*line || *line == '#')
            continue;
        char *eq = strchr(line, '=');
        if (!eq || eq == line)
            continue;
        *eq = '\0';
        /* os-release values are shell-quoted; g_shell_unquote handles both quote styles. */
        g_autofree char *value = g_shell_unquote(eq + 1, NULL);
        if (value)
            g_hash_table_replace(table, g_strdup(line), g_steal_pointer(&value));
    }
    return table;
}

static uint64_t read_memory_size(void)
{
    long pages = sysconf(_SC_PHYS_PAGES);
    long page_size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0)
        return 0;
    return (uint64_t)pages * (uint64_t)page_size;
}

static char *dup_or_null(GHashTable *t, const char *key)
{
    const char *v = g_hash_table_lookup(t, key);
    return v && *v ? g_strdup(v) : NULL;
}

CoronerSentryMachine *coroner_sentry_machine_read(const char *os_release_path)
{
    CoronerSentryMachine *m = g_new0(CoronerSentryMachine, 1);
    g_autofree char *text = NULL;
    if (os_release_path) {
        g_file_get_contents(os_release_path, &text, NULL, NULL);
    } else if (!g_file_get_contents("/etc/os-release", &text, NULL, NULL)) {
        g_file_get_contents("/usr/lib/os-release", &text, NULL, NULL);
    }
    g_autoptr(GHashTable) os = coroner_sentry_parse_os_release(text);
    m->os_name = dup_or_null(os, "NAME");
    if (!m->os_name)
        m->os_name = g_strdup("Linux");
    m->os_version = dup_or_null(os, "VERSION_ID");
    m->os_pretty_name = dup_or_null(os, "PRETTY_NAME");
    m->os_build = dup_or_null(os, "BUILD_ID");
    if (!m->os_build)
        m->os_build = dup_or_null(os, "VERSION_CODENAME");

    struct utsname u;
    if (uname(&u) == 0) {
        m->kernel_version = g_strdup(u.release);
        m->arch = g_strdup(u.machine);
    }
    m->memory_size = read_memory_size();
    return m;
}

char *coroner_sentry_session_type(const char *session_id)
{
    if (!session_id || !*session_id)
        return g_strdup("none");
    char *type = NULL;
    if (sd_session_get_type(session_id, &type) < 0 || !type || !*type) {
        free(type);
        return g_strdup("unknown");
    }
    char *out = g_strdup(type);
    free(type);
    return out;
}
