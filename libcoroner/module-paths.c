/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "module-paths.h"

#include "elf-core.h"
#include "proc-maps.h"

#include <string.h>

static bool is_file(const CoronerMapping *m)
{
    return m->name[0] == '/';
}

/* " (deleted)": the file was replaced after it was mapped; its name still says which it was. */
static size_t path_length(const char *path)
{
    size_t len = strlen(path);
    return g_str_has_suffix(path, " (deleted)") ? len - strlen(" (deleted)") : len;
}

static const char *path_at(const CoronerMapping *maps, size_t n, uint64_t address)
{
    for (size_t i = 0; i < n; i++)
        if (is_file(&maps[i]) && address >= maps[i].start && address < maps[i].end)
            return maps[i].name;
    return NULL;
}

static const char *path_named(const CoronerMapping *maps, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_file(&maps[i]))
            continue;
        const char *base = strrchr(maps[i].name, '/') + 1;
        size_t len = path_length(maps[i].name) - (size_t)(base - maps[i].name);
        if (strlen(name) == len && strncmp(base, name, len) == 0)
            return maps[i].name;
    }
    return NULL;
}

/*
 * A bare module name becomes the file mapped at address (a soname such as
 * libstdc++.so.6 need not be its file name), else the mapped file of that name.
 */
static void resolve(char **name, uint64_t address, const CoronerMapping *maps, size_t n)
{
    if (!*name || (*name)[0] == '/')
        return;
    const char *path = path_at(maps, n, address);
    if (!path)
        path = path_named(maps, n, *name);
    if (!path)
        return;
    g_free(*name);
    *name = g_strndup(path, path_length(path));
}

static void resolve_all(CoronerCrashRecord *record, const CoronerMapping *maps, size_t n)
{
    for (guint i = 0; record->modules && i < record->modules->len; i++) {
        CoronerModule *module = g_ptr_array_index(record->modules, i);
        resolve(&module->path, module->start, maps, n);
    }
    for (guint t = 0; record->threads && t < record->threads->len; t++) {
        CoronerThread *thread = g_ptr_array_index(record->threads, t);
        for (guint f = 0; thread->frames && f < thread->frames->len; f++) {
            CoronerFrame *frame = g_ptr_array_index(thread->frames, f);
            resolve(&frame->module, frame->pc, maps, n);
        }
    }
}

void coroner_crash_record_resolve_module_paths(CoronerCrashRecord *record)
{
    if (!record || !record->process.proc_maps)
        return;
    size_t n = 0;
    CoronerMapping *maps = coroner_mappings_parse(record->process.proc_maps, &n);
    resolve_all(record, maps, n);
    coroner_mappings_free(maps, n);
}

void coroner_crash_record_resolve_module_paths_core(CoronerCrashRecord *record, int core_fd)
{
    if (!record || record->process.proc_maps) {
        coroner_crash_record_resolve_module_paths(record);
        return;
    }
    /* A core elf-core.h does not read (a pipe, a 32-bit core) leaves libdwfl's names. */
    g_autoptr(CoronerElfCore) core = coroner_elf_core_open(core_fd, NULL, NULL);
    if (!core || core->files->len == 0)
        return;
    g_autofree CoronerMapping *maps = g_new0(CoronerMapping, core->files->len);
    for (guint i = 0; i < core->files->len; i++) {
        const CoronerElfCoreFile *f = &g_array_index(core->files, CoronerElfCoreFile, i);
        maps[i] = (CoronerMapping){
            .start = f->start, .end = f->end, .file_offset = f->offset, .name = f->name};
    }
    resolve_all(record, maps, core->files->len);
}
