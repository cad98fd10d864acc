/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "privileges.h"

#include <errno.h>
#include <gio/gio.h>
#include <grp.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "build-config.h"
#include "log.h"

/* Below this, an account belongs to the system (Debian's SYS_UID_MAX is 999). */
#define FIRST_REGULAR_UID 1000

gboolean coroner_pick_parser_identity(uid_t crash_uid, gid_t crash_gid, gboolean protected_process,
                                      const char *service_user, uid_t *ret_uid, gid_t *ret_gid,
                                      GError **error)
{
    if (!protected_process && crash_uid >= FIRST_REGULAR_UID && crash_uid != (uid_t)-1 &&
        crash_uid != 65534) {
        *ret_uid = crash_uid;
        *ret_gid = crash_gid;
        return TRUE;
    }
    const char *candidates[] = {service_user, "nobody"};
    for (unsigned i = 0; i < G_N_ELEMENTS(candidates); i++) {
        if (!candidates[i])
            continue;
        struct passwd *pw = getpwnam(candidates[i]);
        if (pw && pw->pw_uid != 0) {
            *ret_uid = pw->pw_uid;
            *ret_gid = pw->pw_gid;
            return TRUE;
        }
    }
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                "neither the service user “%s” nor “nobody” exists to parse the core as",
                service_user ? service_user : "(none)");
    return FALSE;
}

int coroner_drop_privileges(uid_t uid, gid_t gid)
{
    if (setgroups(0, NULL) < 0)
        return -errno;
    if (setresgid(gid, gid, gid) < 0)
        return -errno;
    if (setresuid(uid, uid, uid) < 0)
        return -errno;
    /* Changing uid resets the dumpable flag from fs.suid_dumpable: set it again. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return -errno;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -errno;
    if (setuid(0) == 0)
        return -EPERM; /* paranoia: the drop must not be reversible */
    return 0;
}

void coroner_caller_parser_identity(uid_t *ret_uid, gid_t *ret_gid)
{
    *ret_uid = getuid();
    *ret_gid = getgid();
    if (geteuid() == 0 &&
        !coroner_pick_parser_identity(0, 0, TRUE, "coroner", ret_uid, ret_gid, NULL)) {
        *ret_uid = 65534;
        *ret_gid = 65534;
    }
}

void coroner_crash_service_start(const char *identifier, mode_t mask)
{
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    coroner_log_setup(identifier);
    setlocale(LC_ALL, "C.UTF-8");
    umask(mask);
    signal(SIGPIPE, SIG_IGN);
}

gboolean coroner_crash_service_parse(GOptionContext *context, int *argc, char ***argv,
                                     const gboolean *version, const char *identifier,
                                     int *ret_status)
{
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(context, argc, argv, &error)) {
        coroner_log(LOG_ERR, "%s", error->message);
        *ret_status = EX_USAGE;
        return FALSE;
    }
    if (*version) {
        printf("%s %s\n", identifier, CORONER_VERSION);
        *ret_status = 0;
        return FALSE;
    }
    return TRUE;
}
