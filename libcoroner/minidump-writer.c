/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The minidump writer's front door: opens the core, lays out the header and
 * the stream directory, and has each stream written (minidump-out.h lists
 * the parts); and the same in a sandboxed child.
 */
#include "minidump-writer.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "elf-core.h"
#include "fs-util.h"
#include "minidump-format.h"
#include "minidump-out.h"
#include "sandbox.h"
#include "options-defaults.h"

G_STATIC_ASSERT(G_BYTE_ORDER == G_LITTLE_ENDIAN);

G_DEFINE_QUARK(coroner - minidump - error - quark, coroner_minidump_error)

void coroner_minidump_options_init(CoronerMinidumpOptions *o)
{
    *o = (CoronerMinidumpOptions){
        .max_threads = 1024,
        .max_stack_bytes = 256u * 1024u,
        .max_modules = 4096,
        .max_bytes = (uint64_t)256 << 20,
        .include_environ = FALSE,
        .host_info = TRUE,
        .timeout_ms = 30000,
        .memory_limit = (uint64_t)1 << 30,
    };
}

GBytes *coroner_minidump_from_core_fd(int core_fd, const CoronerCrashRecord *record,
                                      const CoronerMinidumpOptions *opts, GPtrArray *warnings,
                                      GError **error)
{
    CoronerMinidumpOptions defaults;
    opts = CORONER_OPTIONS_OR_DEFAULTS(opts, &defaults, coroner_minidump_options_init);
    g_autoptr(GError) local = NULL;
    g_autoptr(CoronerElfCore) c = coroner_elf_core_open(core_fd, warnings, &local);
    if (!c) {
        /* The same codes: not a core, another machine, no thread. */
        g_set_error_literal(error, CORONER_MINIDUMP_ERROR, local->code, local->message);
        return NULL;
    }
    Out o = {
        .buf = g_byte_array_new(),
        .dir = g_array_new(FALSE, FALSE, sizeof(MDRawDirectory)),
        .memory = g_array_new(FALSE, FALSE, sizeof(MDMemoryDescriptor)),
        .max_bytes = MAX(opts->max_bytes, (uint64_t)64 * 1024),
        .scrub = opts->scrub,
        .scrub_data = opts->scrub_data,
        .warnings = warnings,
    };
    /* The header and room for the directory (at most this many streams). */
    enum { MAX_STREAMS = 16 };
    g_byte_array_set_size(o.buf, sizeof(MDRawHeader) + MAX_STREAMS * sizeof(MDRawDirectory));
    memset(o.buf->data, 0, o.buf->len);

    gboolean host = opts->host_info && md_same_boot(record);
    g_autofree char *cpuinfo = host ? md_read_host_file("/proc/cpuinfo") : NULL;
    struct utsname uts;
    gboolean have_uts = host && uname(&uts) == 0;
    if (opts->host_info && !host)
        md_warn(&o, "the crash happened in another boot: no cpuinfo, os-release or kernel version");

    guint crashed = md_crashing_index(c, record);
    ThreadOut crashed_ctx = {0};
    const CoronerElfCoreThread *ct = &g_array_index(c->threads, CoronerElfCoreThread, crashed);
    gboolean ok = md_write_system_info(&o, c, cpuinfo, have_uts ? &uts : NULL, error) &&
                  md_write_threads(&o, c, record, opts, crashed, &crashed_ctx, error) &&
                  md_write_exception(&o, c, record, ct, &crashed_ctx, error) &&
                  md_write_modules(&o, c, record, opts, error) &&
                  md_write_code_around_pc(&o, c, ct, error) && md_write_memory_list(&o, error) &&
                  md_write_memory_info(&o, c, error) && md_write_misc_info(&o, c, error) &&
                  md_write_linux_streams(&o, c, record, opts, cpuinfo, host, error);
    if (!ok || o.dir->len > MAX_STREAMS) {
        if (ok)
            g_set_error_literal(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_FAILED,
                                "too many streams");
        g_byte_array_unref(o.buf);
        g_array_unref(o.dir);
        g_array_unref(o.memory);
        return NULL;
    }
    MDRawHeader h = {
        .signature = MD_HEADER_SIGNATURE,
        .version = MD_HEADER_VERSION,
        .stream_count = o.dir->len,
        .stream_directory_rva = sizeof(MDRawHeader),
        .time_date_stamp = record ? (uint32_t)(record->timestamp_usec / G_USEC_PER_SEC) : 0,
    };
    memcpy(o.buf->data, &h, sizeof h);
    memcpy(o.buf->data + sizeof h, o.dir->data, o.dir->len * sizeof(MDRawDirectory));
    g_array_unref(o.dir);
    g_array_unref(o.memory);
    return g_byte_array_free_to_bytes(o.buf);
}

/* ---- In the sandbox ---- */

typedef struct {
    int core_fd;
    int out_fd;
    const CoronerCrashRecord *record;
    const CoronerMinidumpOptions *o;
} SandboxJob;

static gboolean sandbox_child(gpointer data, CoronerCrashRecord *out, GError **error)
{
    SandboxJob *job = data;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GBytes) dump =
        coroner_minidump_from_core_fd(job->core_fd, job->record, job->o, warnings, error);
    if (!dump)
        return FALSE;
    gsize len;
    const void *bytes = g_bytes_get_data(dump, &len);
    int r = coroner_write_all(job->out_fd, bytes, len);
    if (r < 0) {
        g_set_error(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_FAILED,
                    "writing the minidump: %s", g_strerror(-r));
        return FALSE;
    }
    /* The warnings travel back as the answer record's errors. */
    for (guint i = 0; i < warnings->len; i++)
        coroner_crash_record_add_error(out, "%s", (char *)warnings->pdata[i]);
    return TRUE;
}

GBytes *coroner_minidump_sandboxed(int core_fd, const CoronerCrashRecord *record,
                                   const CoronerMinidumpOptions *opts, uid_t uid, gid_t gid,
                                   GPtrArray *warnings, GError **error)
{
    CoronerMinidumpOptions defaults;
    opts = CORONER_OPTIONS_OR_DEFAULTS(opts, &defaults, coroner_minidump_options_init);
    int out_fd = memfd_create("coroner-minidump", MFD_CLOEXEC);
    if (out_fd < 0) {
        int e = errno;
        g_set_error(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_FAILED,
                    "no memory file for the minidump: %s", g_strerror(e));
        return NULL;
    }
    SandboxJob job = {core_fd, out_fd, record, opts};
    CoronerSandboxLimits limits = {
        .name = "the minidump writer",
        .drop_privileges = uid != 0,
        .uid = uid,
        .gid = gid,
        .address_space = opts->memory_limit + opts->max_bytes,
        .cpu_seconds = opts->timeout_ms / 1000 + 1,
        .timeout_ms = opts->timeout_ms,
        .max_output = 4u << 20,
    };
    g_autoptr(CoronerCrashRecord) answer = coroner_sandbox_run(&limits, sandbox_child, &job, error);
    if (!answer) {
        close(out_fd);
        return NULL;
    }
    struct stat st;
    MDRawHeader h = {0};
    if (fstat(out_fd, &st) < 0 || (uint64_t)st.st_size > opts->max_bytes ||
        (gsize)st.st_size < sizeof h) {
        close(out_fd);
        g_set_error_literal(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_FAILED,
                            "the minidump writer left no usable minidump");
        return NULL;
    }
    gsize size = (gsize)st.st_size;
    g_autofree uint8_t *bytes = g_malloc(size);
    ssize_t n = pread(out_fd, bytes, size, 0);
    close(out_fd);
    memcpy(&h, bytes, MIN(sizeof h, size));
    if (n != (ssize_t)size || h.signature != MD_HEADER_SIGNATURE) {
        g_set_error_literal(error, CORONER_MINIDUMP_ERROR, CORONER_MINIDUMP_ERROR_FAILED,
                            "the minidump writer left no usable minidump");
        return NULL;
    }
    if (warnings)
        for (guint i = 0; i < answer->errors->len; i++)
            g_ptr_array_add(warnings, g_strdup(answer->errors->pdata[i]));
    return g_bytes_new_take(g_steal_pointer(&bytes), size);
}
