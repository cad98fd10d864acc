/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Full paths for a record's modules.  libdwfl names a module found in a core
 * by its DT_SONAME ("libc.so.6"), not by the file the process mapped; the
 * debug-symbol hint (dpkg -S) and Sentry's in_app need the file.  The
 * record's /proc maps (the same mappings the core's NT_FILE note lists) say
 * which file each address belongs to.
 */
#pragma once

#include "crash-record.h"

G_BEGIN_DECLS

/*
 * Replaces bare module names in record's frames (found by their pc) and
 * modules (by their start address, else their file name) with the mapped
 * file's full path.  Names that are already paths, and names no mapping
 * explains, are left as they are.
 */
void coroner_crash_record_resolve_module_paths(CoronerCrashRecord *record);

G_END_DECLS
