/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "handler-args.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <string.h>

#define N_REQUIRED 9
#define N_MAX 11

static gboolean parse_number(const char *what, const char *text, guint64 min, guint64 max,
                             guint64 *out, GError **error)
{
    g_autoptr(GError) local = NULL;
    if (!g_ascii_string_to_unsigned(text, 10, min, max, out, &local)) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s: “%s” is not valid: %s",
                    what, text, local->message);
        return FALSE;
    }
    return TRUE;
}

gboolean coroner_kernel_args_parse(int argc, char **argv, CoronerKernelArgs *ret, GError **error)
{
    if (argc < N_REQUIRED || argc > N_MAX) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                    "expected %d to %d arguments (%%P %%u %%g %%s %%t %%c %%h %%d %%F [%%I [%%e]]), "
                    "got %d",
                    N_REQUIRED, N_MAX, argc);
        return FALSE;
    }
    CoronerKernelArgs a = {.pidfd = -1, .tid = -1};
    guint64 v;
    if (!parse_number("PID", argv[0], 1, G_MAXINT32, &v, error))
        return FALSE;
    a.pid = (pid_t)v;
    if (!parse_number("UID", argv[1], 0, G_MAXUINT32 - 1, &v, error))
        return FALSE;
    a.uid = (uid_t)v;
    if (!parse_number("GID", argv[2], 0, G_MAXUINT32 - 1, &v, error))
        return FALSE;
    a.gid = (gid_t)v;
    if (!parse_number("signal", argv[3], 1, SIGRTMAX, &v, error))
        return FALSE;
    a.signal = (int)v;
    if (!parse_number("timestamp", argv[4], 0, G_MAXUINT64 / 1000000, &a.timestamp_sec, error))
        return FALSE;
    if (!parse_number("RLIMIT_CORE", argv[5], 0, G_MAXUINT64, &a.rlimit, error))
        return FALSE;
    if (argv[6][0] == '\0') {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "hostname is empty");
        return FALSE;
    }
    if (!parse_number("dump mode", argv[7], 0, 2, &v, error))
        return FALSE;
    a.dumpable = (int)v;
    if (strcmp(argv[8], "-") != 0) {
        if (!parse_number("pidfd", argv[8], 0, G_MAXINT32, &v, error))
            return FALSE;
        /* A manual invocation may name a number that is no open fd: treat it as absent. */
        a.pidfd = fcntl((int)v, F_GETFD) >= 0 ? (int)v : -1;
    }
    if (argc > 9 && strcmp(argv[9], "-") != 0) {
        if (!parse_number("TID", argv[9], 1, G_MAXINT32, &v, error))
            return FALSE;
        a.tid = (pid_t)v;
    }
    a.rlimit_text = g_strdup(argv[5]);
    a.hostname = g_strdup(argv[6]);
    if (argc > 10)
        a.comm = g_strdup(argv[10]);
    *ret = a;
    return TRUE;
}

void coroner_kernel_args_clear(CoronerKernelArgs *a)
{
    g_clear_pointer(&a->rlimit_text, g_free);
    g_clear_pointer(&a->hostname, g_free);
    g_clear_pointer(&a->comm, g_free);
}
