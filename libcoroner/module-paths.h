/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Full paths for a record's modules.  libdwfl names a module found in a core
 * by its DT_SONAME ("libc.so.6"), not by the file the process mapped; the
 * debug-symbol hint (dpkg -S) and Sentry's in_app need the file.  The
 * record's /proc maps say which file each address belongs to; a record
 * without them (a core from elsewhere, maps that could not be read) has the
 * core's NT_FILE note, which lists the same mapped files.
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

/*
 * The same, from the record's /proc maps when it has them, else from the
 * NT_FILE note of the core behind core_fd (a regular file, read through
 * elf-core.h; the fd stays the caller's).  A core that cannot be read
 * changes nothing.
 */
void coroner_crash_record_resolve_module_paths_core(CoronerCrashRecord *record, int core_fd);

G_END_DECLS
