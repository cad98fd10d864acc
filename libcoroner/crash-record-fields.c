/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The crash record's plain members, one table per object (crash-record-fields.h). */
#include "crash-record-fields.h"

#include "crash-record.h"

#include <string.h>

#define FIELD(type, json, kind, member) {json, CORONER_FIELD_##kind, offsetof(type, member)}
#define TABLE(name, ...)                                                                           \
    static const CoronerField name##_list[] = {__VA_ARGS__};                                       \
    const CoronerFieldTable coroner_fields_##name = {name##_list, G_N_ELEMENTS(name##_list)}

TABLE(record,
      FIELD(CoronerCrashRecord, "id", STRING, id),
      FIELD(CoronerCrashRecord, "timestamp_usec", INT, timestamp_usec),
      FIELD(CoronerCrashRecord, "boot_id", STRING, boot_id),
      FIELD(CoronerCrashRecord, "hostname", STRING, hostname));

TABLE(process,
      FIELD(CoronerProcessInfo, "pid", ID, pid),
      FIELD(CoronerProcessInfo, "tid", ID, tid),
      FIELD(CoronerProcessInfo, "uid", ID, uid),
      FIELD(CoronerProcessInfo, "gid", ID, gid),
      FIELD(CoronerProcessInfo, "comm", STRING, comm),
      FIELD(CoronerProcessInfo, "exe", STRING, exe),
      FIELD(CoronerProcessInfo, "cmdline", STRING, cmdline),
      FIELD(CoronerProcessInfo, "cwd", STRING, cwd),
      FIELD(CoronerProcessInfo, "root", STRING, root),
      FIELD(CoronerProcessInfo, "cgroup", STRING, cgroup),
      FIELD(CoronerProcessInfo, "unit", STRING, unit),
      FIELD(CoronerProcessInfo, "user_unit", STRING, user_unit),
      FIELD(CoronerProcessInfo, "session", STRING, session),
      FIELD(CoronerProcessInfo, "slice", STRING, slice),
      FIELD(CoronerProcessInfo, "owner_uid", ID, owner_uid));

TABLE(process_tail,
      FIELD(CoronerProcessInfo, "secure_exec", BOOL, secure_exec),
      FIELD(CoronerProcessInfo, "rlimit_core", U64, rlimit_core));

TABLE(proc,
      FIELD(CoronerProcessInfo, "status", STRING, proc_status),
      FIELD(CoronerProcessInfo, "maps", STRING, proc_maps),
      FIELD(CoronerProcessInfo, "limits", STRING, proc_limits),
      FIELD(CoronerProcessInfo, "cgroup", STRING, proc_cgroup),
      FIELD(CoronerProcessInfo, "mountinfo", STRING, proc_mountinfo),
      FIELD(CoronerProcessInfo, "auxv_hex", STRING, proc_auxv_hex),
      FIELD(CoronerProcessInfo, "open_fds", STRING, open_fds),
      FIELD(CoronerProcessInfo, "environ", STRING, environ));

TABLE(thread_name,
      FIELD(CoronerThreadName, "tid", INT, tid),
      FIELD(CoronerThreadName, "name", STRING, name));

/* "state" comes before these, "minimal" after. */
TABLE(core,
      FIELD(CoronerCoreInfo, "file", STRING, file),
      FIELD(CoronerCoreInfo, "compression", STRING, compression),
      FIELD(CoronerCoreInfo, "size", U64, size),
      FIELD(CoronerCoreInfo, "stored_size", U64, stored_size),
      FIELD(CoronerCoreInfo, "limit_bytes", U64, limit_bytes),
      FIELD(CoronerCoreInfo, "reason", STRING, reason));

TABLE(minimal,
      FIELD(CoronerMinimalInfo, "recept", STRING, recept),
      FIELD(CoronerMinimalInfo, "recept_file", STRING, recept_file),
      FIELD(CoronerMinimalInfo, "original_size", U64, original_size),
      FIELD(CoronerMinimalInfo, "memory_kept", U64, memory_kept),
      FIELD(CoronerMinimalInfo, "memory_dropped", U64, memory_dropped),
      FIELD(CoronerMinimalInfo, "threads", U64, threads),
      FIELD(CoronerMinimalInfo, "stacks", U64, stacks),
      FIELD(CoronerMinimalInfo, "notes_dropped", U64, notes_dropped));

TABLE(app,
      FIELD(CoronerAppInfo, "app_id", STRING, app_id),
      FIELD(CoronerAppInfo, "name", STRING, name),
      FIELD(CoronerAppInfo, "version", STRING, version),
      FIELD(CoronerAppInfo, "bug_address", STRING, bug_address),
      FIELD(CoronerAppInfo, "dsn", STRING, dsn),
      FIELD(CoronerAppInfo, "crashed_thread_name", STRING, crashed_thread_name),
      FIELD(CoronerAppInfo, "group", STRING, group));

TABLE(exception,
      FIELD(CoronerAppInfo, "type", STRING, exception_type),
      FIELD(CoronerAppInfo, "what", STRING, exception_what));

TABLE(hook,
      FIELD(CoronerAppInfo, "tid", ID, hook_tid),
      FIELD(CoronerAppInfo, "sender_pid", ID, sender_pid),
      FIELD(CoronerAppInfo, "sender_uid", ID, sender_uid),
      FIELD(CoronerAppInfo, "emergency_save", STRING, emergency_save),
      FIELD(CoronerAppInfo, "previous_handler", STRING, previous_handler),
      FIELD(CoronerAppInfo, "restart", STRING, restart),
      FIELD(CoronerAppInfo, "transport", STRING, transport));

TABLE(annotation,
      FIELD(CoronerAnnotation, "key", STRING, key),
      FIELD(CoronerAnnotation, "value", STRING, value));

TABLE(breadcrumb,
      FIELD(CoronerBreadcrumb, "timestamp_usec", INT, timestamp_usec),
      FIELD(CoronerBreadcrumb, "message", STRING, message));

TABLE(container,
      FIELD(CoronerContainerInfo, "runtime", STRING, runtime),
      FIELD(CoronerContainerInfo, "engine", STRING, engine),
      FIELD(CoronerContainerInfo, "id", STRING, id),
      FIELD(CoronerContainerInfo, "pod_uid", STRING, pod_uid),
      FIELD(CoronerContainerInfo, "app_id", STRING, app_id),
      FIELD(CoronerContainerInfo, "instance", STRING, instance),
      FIELD(CoronerContainerInfo, "cgroup", STRING, cgroup),
      FIELD(CoronerContainerInfo, "pid", ID, pid),
      FIELD(CoronerContainerInfo, "tid", ID, tid));

TABLE(namespace,
      FIELD(CoronerNamespace, "type", STRING, type),
      FIELD(CoronerNamespace, "inode", U64, inode),
      FIELD(CoronerNamespace, "own", BOOL, own));

TABLE(thread,
      FIELD(CoronerThread, "tid", INT, tid),
      FIELD(CoronerThread, "name", STRING, name),
      FIELD(CoronerThread, "crashed", BOOL, crashed));

TABLE(frame,
      FIELD(CoronerFrame, "pc", HEX, pc),
      FIELD(CoronerFrame, "function", STRING, function),
      FIELD(CoronerFrame, "module", STRING, module),
      FIELD(CoronerFrame, "module_offset", HEX, module_offset),
      FIELD(CoronerFrame, "file", STRING, file),
      FIELD(CoronerFrame, "line", INT32, line),
      FIELD(CoronerFrame, "inlined", BOOL, inlined));

TABLE(module,
      FIELD(CoronerModule, "path", STRING, path),
      FIELD(CoronerModule, "build_id", STRING, build_id),
      FIELD(CoronerModule, "start", HEX, start),
      FIELD(CoronerModule, "end", HEX, end),
      FIELD(CoronerModule, "has_debug_info", BOOL, has_debug_info));

TABLE(suppressed_window,
      FIELD(CoronerCrashRecord, "start_usec", INT, suppressed_start_usec),
      FIELD(CoronerCrashRecord, "end_usec", INT, suppressed_end_usec));

void coroner_fields_free_strings(void *object, const CoronerFieldTable *table)
{
    for (guint i = 0; i < table->n; i++)
        if (table->fields[i].kind == CORONER_FIELD_STRING)
            g_clear_pointer((char **)((char *)object + table->fields[i].offset), g_free);
}

const char *coroner_fields_get_string(const void *object, const CoronerFieldTable *table,
                                      const char *name)
{
    for (guint i = 0; i < table->n; i++)
        if (table->fields[i].kind == CORONER_FIELD_STRING && strcmp(table->fields[i].name, name) == 0)
            return *(char *const *)((const char *)object + table->fields[i].offset);
    return NULL;
}
