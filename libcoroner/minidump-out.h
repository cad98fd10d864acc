/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The minidump writer's parts (minidump-writer.c puts them together): the
 * dump being written — an append-only buffer with its stream directory and
 * memory list, capped in size — and the writers of its streams, one file per
 * kind: the threads (minidump-threads.c), the modules (minidump-modules.c),
 * the memory lists (minidump-memory.c), the system and Linux streams
 * (minidump-system.c).  Internal to libcoroner.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <sys/utsname.h>

#include "crash-record.h"
#include "elf-core.h"
#include "minidump-writer.h"

/* RVAs are 32-bit; the dump stays well below. */
#define MD_MAX_RVA ((uint64_t)1 << 31)

typedef struct {
    GByteArray *buf;
    GArray *dir;    /* MDRawDirectory */
    GArray *memory; /* MDMemoryDescriptor: the memory list */
    uint64_t max_bytes;
    CoronerMinidumpScrubFunc scrub;
    gpointer scrub_data;
    GPtrArray *warnings; /* char*, may be NULL */
} Out;

/* Where the crashing thread's context went, for the exception stream. */
typedef struct {
    uint32_t context_rva;
    uint32_t context_size;
} ThreadOut;

/* A warning for the caller (when it asked for them). */
void md_warn(Out *o, const char *format, ...) G_GNUC_PRINTF(2, 3);
/* FALSE (and the error) when length more bytes would pass the size cap. */
gboolean md_out_reserve(Out *o, gsize length, GError **error);
/* Appends data at the next 8-byte boundary; returns its RVA, 0 when over the cap. */
uint32_t md_out_append(Out *o, const void *data, gsize length, GError **error);
/* An MDString: byte length, UTF-16LE, a 16-bit NUL.  0 when over the cap. */
uint32_t md_out_string(Out *o, const char *utf8, GError **error);
/* A directory entry for the stream of size bytes at rva. */
void md_out_stream(Out *o, uint32_t type, uint32_t rva, gsize size);
/* A stream whose body is data as it is (auxv). */
gboolean md_out_raw_stream(Out *o, uint32_t type, const void *data, gsize length, GError **error);
/* A stream whose body is a text (the Linux /proc texts), scrubbed when asked. */
gboolean md_out_text_stream(Out *o, uint32_t type, const char *text, GError **error);
/* A stream that is a 32-bit count, then count items of item_size bytes. */
gboolean md_out_list_stream(Out *o, uint32_t type, const void *items, guint count, gsize item_size,
                            GError **error);
/* Adds [start, start + size) at rva to the memory list unless it overlaps a range already there. */
void md_out_memory(Out *o, uint64_t start, uint32_t size, uint32_t rva);

/* Which of the core's threads crashed: the record's tid, else the dumping (first) thread. */
guint md_crashing_index(const CoronerElfCore *c, const CoronerCrashRecord *record);
/* The thread list (contexts, stacks) and thread names; where the crashing thread's context went. */
gboolean md_write_threads(Out *o, CoronerElfCore *c, const CoronerCrashRecord *record,
                          const CoronerMinidumpOptions *opts, guint crashed, ThreadOut *ret_crashed,
                          GError **error);
/* The exception stream: the signal, its code and address, the crashing thread's context. */
gboolean md_write_exception(Out *o, const CoronerElfCore *c, const CoronerCrashRecord *record,
                            const CoronerElfCoreThread *t, const ThreadOut *ctx, GError **error);
/* Bytes of the code around the crashing instruction, for disassembly and exploitability. */
gboolean md_write_code_around_pc(Out *o, const CoronerElfCore *c, const CoronerElfCoreThread *t,
                                 GError **error);
/* The module list, with each module's build-id (from the core, else the record). */
gboolean md_write_modules(Out *o, CoronerElfCore *c, const CoronerCrashRecord *record,
                          const CoronerMinidumpOptions *opts, GError **error);
/* The memory list: every range added with md_out_memory. */
gboolean md_write_memory_list(Out *o, GError **error);
/* Every mapping with its protection. */
gboolean md_write_memory_info(Out *o, const CoronerElfCore *c, GError **error);
/* TRUE while this machine runs the boot that crashed (its details then belong in the dump). */
gboolean md_same_boot(const CoronerCrashRecord *record);
/* A small file of this machine's (/proc/cpuinfo, os-release), NULL when absent or too large. */
char *md_read_host_file(const char *path);
/* The system info stream: architecture, CPU, kernel version (uts may be NULL). */
gboolean md_write_system_info(Out *o, const CoronerElfCore *c, const char *cpuinfo,
                              const struct utsname *uts, GError **error);
/* The Linux streams: cpuinfo, status, lsb-release, cmdline, environ (with consent), auxv, maps. */
gboolean md_write_linux_streams(Out *o, const CoronerElfCore *c, const CoronerCrashRecord *record,
                                const CoronerMinidumpOptions *opts, const char *cpuinfo,
                                gboolean host, GError **error);
/* The misc info stream: the process id. */
gboolean md_write_misc_info(Out *o, const CoronerElfCore *c, GError **error);
