/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The symbolizer's debuginfod switch (see symbolize-internal.h).
 *
 * DEBUGINFOD_URLS is what libdwfl's built-in debuginfod client reads on every
 * query, so it is our switch: off during phase 1, on (when wanted) in phase 2,
 * and put back as it was at the end.  Plain setenv(): this is documented as
 * not for threaded callers (they use the sandbox), and GLib's wrappers would
 * only add a warning about it.
 */
#include <dlfcn.h>
#include <elfutils/debuginfod.h>
#include <stdlib.h>

#include "symbolize-internal.h"

void symbolize_debuginfod_env_save(DebuginfodEnv *e)
{
    e->urls = g_strdup(g_getenv("DEBUGINFOD_URLS"));
    e->timeout = g_strdup(g_getenv("DEBUGINFOD_TIMEOUT"));
    unsetenv("DEBUGINFOD_URLS");
}

void symbolize_debuginfod_env_restore(DebuginfodEnv *e)
{
    if (e->urls)
        setenv("DEBUGINFOD_URLS", e->urls, 1);
    else
        unsetenv("DEBUGINFOD_URLS");
    if (e->timeout)
        setenv("DEBUGINFOD_TIMEOUT", e->timeout, 1);
    else
        unsetenv("DEBUGINFOD_TIMEOUT");
    g_clear_pointer(&e->urls, g_free);
    g_clear_pointer(&e->timeout, g_free);
}

/* The distribution's servers (the .urls files in /etc/debuginfod) when DEBUGINFOD_URLS is not set.
 */
static char *distribution_urls(void)
{
    g_autoptr(GDir) dir = g_dir_open("/etc/debuginfod", 0, NULL);
    if (!dir)
        return NULL;
    GString *urls = g_string_new(NULL);
    const char *name;
    while ((name = g_dir_read_name(dir))) {
        if (!g_str_has_suffix(name, ".urls"))
            continue;
        g_autofree char *path = g_build_filename("/etc/debuginfod", name, NULL);
        g_autofree char *text = NULL;
        if (!g_file_get_contents(path, &text, NULL, NULL))
            continue;
        g_strdelimit(text, "\n\t", ' ');
        g_strstrip(text);
        if (*text)
            g_string_append_printf(urls, "%s%s", urls->len ? " " : "", text);
    }
    return g_string_free(urls, urls->len == 0);
}

/* The debuginfod budget of the symbolization running on this thread. */
static __thread gint64 debuginfod_deadline;

static int debuginfod_progress(debuginfod_client *client, long a, long b)
{
    /* Non-zero cancels the transfer: the time budget is spent. */
    return symbolize_past(debuginfod_deadline) ? 1 : 0;
}

/*
 * libdwfl loads libdebuginfod itself (dlopen) when it first needs it; we do
 * not link it, because it brings libcurl and some twenty libraries whose
 * loading alone costs more than a whole backtrace.  Its progress hook is
 * looked up in the copy libdwfl loaded.
 */
static void install_progress_hook(debuginfod_client *client)
{
    void *so = dlopen("libdebuginfod.so.1", RTLD_LAZY | RTLD_NOLOAD);
    if (!so)
        return;
    void (*set_progressfn)(debuginfod_client *, debuginfod_progressfn_t) =
        (void (*)(debuginfod_client *, debuginfod_progressfn_t))dlsym(so,
                                                                      "debuginfod_set_progressfn");
    if (set_progressfn)
        set_progressfn(client, debuginfod_progress);
    dlclose(so);
}

void symbolize_debuginfod_switch_on(Job *job, const DebuginfodEnv *env)
{
    const CoronerSymbolizeOptions *o = job->o;
    g_autofree char *urls = env->urls && *env->urls ? g_strdup(env->urls) : distribution_urls();
    if (!urls)
        return;
    unsigned budget = o->debuginfod_timeout_ms ? o->debuginfod_timeout_ms : 1;
    job->debuginfod_deadline = g_get_monotonic_time() + (gint64)budget * 1000;
    if (job->deadline && job->debuginfod_deadline > job->deadline)
        job->debuginfod_deadline = job->deadline;
    /*
     * libdebuginfod's own timeout (whole seconds, for connecting and
     * for a stalled transfer) must not exceed the budget; the progress
     * callback enforces the rest, once a second at worst.
     */
    g_autofree char *seconds = g_strdup_printf("%u", MAX(budget / 1000, 1u));
    setenv("DEBUGINFOD_URLS", urls, 1);
    setenv("DEBUGINFOD_TIMEOUT", seconds, 1);
    debuginfod_deadline = job->debuginfod_deadline;
    debuginfod_client *client = dwfl_get_debuginfod_client(job->dwfl);
    if (client)
        install_progress_hook(client);
}
