/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "handler-install.h"

#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fs-util.h"
#include "log.h"

#define CORE_PATTERN "/proc/sys/kernel/core_pattern"
#define CORE_PIPE_LIMIT "/proc/sys/kernel/core_pipe_limit"
#define SUID_DUMPABLE "/proc/sys/fs/suid_dumpable"
/* Pipe mode hands off at once: the kernel need not count helpers (docs/coronerd.md). */
#define OUR_PIPE_LIMIT "0"
#define OUR_SUID_DUMPABLE "2"

char *coroner_core_pattern_for(const char *handler_path, const char *config_path,
                               const char *handoff_path)
{
    g_autofree char *config_arg =
        config_path ? g_strdup_printf(" --config=%s", config_path) : g_strdup("");
    g_autofree char *handoff_arg =
        handoff_path ? g_strdup_printf(" --handoff=%s", handoff_path) : g_strdup("");
    return g_strdup_printf("|%s%s%s %%P %%u %%g %%s %%t %%c %%h %%d %%F %%I %%e", handler_path,
                           config_arg, handoff_arg);
}

gboolean coroner_install_mode_parse(const char *text, CoronerInstallMode *ret)
{
    static const char *const names[] = {"auto", "socket", "pipe"};
    for (unsigned i = 0; i < G_N_ELEMENTS(names); i++) {
        if (g_strcmp0(text, names[i]) == 0) {
            *ret = (CoronerInstallMode)i;
            return TRUE;
        }
    }
    return FALSE;
}

gboolean coroner_kernel_has_coredump_socket(void)
{
    struct utsname u;
    unsigned major = 0, minor = 0;
    if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
        return FALSE;
    return major > 6 || (major == 6 && minor >= 17);
}

gboolean coroner_socket_is_listening(const char *path)
{
    g_autofree char *table = NULL;
    if (!g_file_get_contents("/proc/net/unix", &table, NULL, NULL))
        return FALSE;
    g_auto(GStrv) lines = g_strsplit(table, "\n", -1);
    for (guint i = 1; lines[i]; i++) {
        /* Num RefCount Protocol Flags Type St Inode Path; Flags 00010000 is __SO_ACCEPTCON. */
        unsigned long flags = 0, type = 0;
        char name[4096];
        if (sscanf(lines[i], "%*s %*s %*s %lx %lx %*s %*s %4095s", &flags, &type, name) != 3)
            continue;
        if ((flags & 0x10000) && type == 1 && strcmp(name, path) == 0)
            return TRUE;
    }
    return FALSE;
}

static char *read_sysctl(const char *path, GError **error)
{
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, error))
        return NULL;
    g_strchomp(text);
    return text;
}

static gboolean write_sysctl(const char *path, const char *value, GError **error)
{
    g_autofree char *line = g_strdup_printf("%s\n", value);
    FILE *f = fopen(path, "we");
    if (!f || fputs(line, f) < 0 || fclose(f) != 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "cannot write %s", path);
        return FALSE;
    }
    return TRUE;
}

gboolean coroner_install(const char *handler_path, const char *config_path, const char *saved_path,
                         CoronerInstallMode mode, const char *socket_path,
                         const char *handoff_path, CoronerInstallMode *ret_mode, GError **error)
{
    if (mode == CORONER_INSTALL_AUTO)
        mode = coroner_kernel_has_coredump_socket() && coroner_socket_is_listening(socket_path)
                   ? CORONER_INSTALL_SOCKET
                   : CORONER_INSTALL_PIPE;
    if (mode == CORONER_INSTALL_SOCKET && !coroner_kernel_has_coredump_socket()) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "this kernel has no coredump socket protocol (Linux 6.17 or later): use --mode=pipe");
        return FALSE;
    }
    if (!g_file_test(saved_path, G_FILE_TEST_EXISTS)) {
        g_autofree char *pattern = read_sysctl(CORE_PATTERN, error);
        g_autofree char *pipe_limit = pattern ? read_sysctl(CORE_PIPE_LIMIT, error) : NULL;
        g_autofree char *suid = pipe_limit ? read_sysctl(SUID_DUMPABLE, error) : NULL;
        if (!suid)
            return FALSE;
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_key_file_set_string(kf, "Saved", "CorePattern", pattern);
        g_key_file_set_string(kf, "Saved", "CorePipeLimit", pipe_limit);
        g_key_file_set_string(kf, "Saved", "SuidDumpable", suid);
        g_autofree char *dir = g_path_get_dirname(saved_path);
        if (g_mkdir_with_parents(dir, 0755) < 0) {
            int e = errno;
            coroner_set_errno_error(error, e, "cannot create %s", dir);
            return FALSE;
        }
        if (!g_key_file_save_to_file(kf, saved_path, error))
            return FALSE;
    }
    g_autofree char *pattern = mode == CORONER_INSTALL_SOCKET
                                   ? g_strdup_printf("@@%s", socket_path)
                                   : coroner_core_pattern_for(handler_path, config_path, handoff_path);
    if (strlen(pattern) > 127) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "the core pattern would be longer than the kernel's 127 bytes: %s", pattern);
        return FALSE;
    }
    if (ret_mode)
        *ret_mode = mode;
    /* What we set, so that --uninstall leaves a pattern someone else set since alone. */
    g_autoptr(GKeyFile) state = g_key_file_new();
    if (!g_key_file_load_from_file(state, saved_path, G_KEY_FILE_KEEP_COMMENTS, error))
        return FALSE;
    g_key_file_set_string(state, "Installed", "CorePattern", pattern);
    if (!g_key_file_save_to_file(state, saved_path, error))
        return FALSE;
    /* The pattern first: the kernel refuses suid_dumpable=2 with a relative core pattern. */
    return write_sysctl(CORE_PATTERN, pattern, error) &&
           write_sysctl(CORE_PIPE_LIMIT, OUR_PIPE_LIMIT, error) &&
           write_sysctl(SUID_DUMPABLE, OUR_SUID_DUMPABLE, error);
}

gboolean coroner_uninstall(const char *saved_path, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) local = NULL;
    if (!g_key_file_load_from_file(kf, saved_path, G_KEY_FILE_NONE, &local)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                    "nothing to restore: %s (was --install run since boot?)", local->message);
        return FALSE;
    }
    g_autofree char *pattern = g_key_file_get_string(kf, "Saved", "CorePattern", error);
    g_autofree char *pipe_limit = pattern ? g_key_file_get_string(kf, "Saved", "CorePipeLimit", error) : NULL;
    g_autofree char *suid = pipe_limit ? g_key_file_get_string(kf, "Saved", "SuidDumpable", error) : NULL;
    if (!suid)
        return FALSE;
    g_autofree char *installed = g_key_file_get_string(kf, "Installed", "CorePattern", NULL);
    g_autofree char *now = read_sysctl(CORE_PATTERN, error);
    if (!now)
        return FALSE;
    if (installed && strcmp(now, installed) != 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                    "core_pattern is no longer ours (“%s”, we set “%s”): left alone; remove %s "
                    "to forget the saved settings",
                    now, installed, saved_path);
        return FALSE;
    }
    /* The reverse order of install, for the same reason. */
    if (!write_sysctl(SUID_DUMPABLE, suid, error) || !write_sysctl(CORE_PATTERN, pattern, error) ||
        !write_sysctl(CORE_PIPE_LIMIT, pipe_limit, error))
        return FALSE;
    if (unlink(saved_path) < 0)
        coroner_log(LOG_WARNING, "cannot remove %s: %s", saved_path, g_strerror(errno));
    return TRUE;
}
