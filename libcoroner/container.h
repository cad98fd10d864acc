/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which container or sandbox a crashed process ran in: the runtime and
 * container id recognised from its cgroup path, the Flatpak app id from
 * /.flatpak-info in its root, its pid inside its own pid namespace and its
 * namespaces.  Everything here is a label for people and fleet tools, never
 * a fact to grant anything on: the crashed process (or whoever made its
 * container) chose all of it.
 */
#pragma once

#include <glib.h>

#include "crash-record.h"

G_BEGIN_DECLS

/*
 * Fills record->container from an opened /proc/PID (its cgroup, status,
 * ns/ and root/).  mountinfo is /proc/self/mountinfo's text (NULL: read it),
 * which says whether a cgroup v2 hierarchy is mounted at all and so whether
 * the "0::" line of /proc/PID/cgroup means anything.
 */
void coroner_container_collect(int proc_fd, const char *mountinfo, CoronerCrashRecord *record);

/*
 * Recognises a runtime in one cgroup path ("/machine.slice/libpod-<id>.scope",
 * "/kubepods/burstable/pod<uid>/<id>", …), looking from the leaf up so that
 * the prefix of an enclosing container (this machine's own) does not matter.
 * Returns FALSE for a path that names no runtime.
 */
gboolean coroner_container_from_cgroup(const char *path, CoronerContainerInfo *ret);

/* The [Application] name= of a .flatpak-info text, if it is a valid app id. Caller frees. */
char *coroner_flatpak_info_app_id(const char *text, gsize length, char **ret_instance);

/* Where the cgroup v2 hierarchy is mounted, from a mountinfo text; NULL when it is not. */
char *coroner_cgroup2_mount(const char *mountinfo);

G_END_DECLS
