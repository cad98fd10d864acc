/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "module-paths.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    uint64_t start;
    uint64_t end;
    const char *path; /* points into the maps text copy */
} Mapping;

/* "start-end perms offset dev inode   /path" lines with an absolute path. */
static GArray *parse_maps(char *maps)
{
    GArray *mappings = g_array_new(FALSE, FALSE, sizeof(Mapping));
    char *save = NULL;

    for (char *line = strtok_r(maps, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        Mapping m = {0};
        int consumed = 0;
        char *path;

        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %*s %*s %*s %n", &m.start, &m.end, &consumed) < 2 ||
            consumed <= 0)
            continue;
        path = line + consumed;
        while (*path == ' ')
            path++;
        if (*path != '/')
            continue;
        /* " (deleted)": the file was replaced after it was mapped; its name still says which it was. */
        char *deleted = g_strrstr(path, " (deleted)");
        if (deleted && deleted[strlen(" (deleted)")] == '\0')
            *deleted = '\0';
        m.path = path;
        g_array_append_val(mappings, m);
    }
    return mappings;
}

static const char *path_at(GArray *mappings, uint64_t address)
{
    for (guint i = 0; i < mappings->len; i++) {
        const Mapping *m = &g_array_index(mappings, Mapping, i);
        if (address >= m->start && address < m->end)
            return m->path;
    }
    return NULL;
}

static const char *path_named(GArray *mappings, const char *name)
{
    for (guint i = 0; i < mappings->len; i++) {
        const Mapping *m = &g_array_index(mappings, Mapping, i);
        const char *slash = strrchr(m->path, '/');
        if (slash && strcmp(slash + 1, name) == 0)
            return m->path;
    }
    return NULL;
}

static void replace(char **name, const char *path)
{
    if (path && g_strcmp0(*name, path) != 0) {
        g_free(*name);
        *name = g_strdup(path);
    }
}

void coroner_crash_record_resolve_module_paths(CoronerCrashRecord *record)
{
    g_autofree char *maps = NULL;
    g_autoptr(GArray) mappings = NULL;

    if (!record || !record->process.proc_maps)
        return;
    maps = g_strdup(record->process.proc_maps);
    mappings = parse_maps(maps);
    for (guint i = 0; record->modules && i < record->modules->len; i++) {
        CoronerModule *module = g_ptr_array_index(record->modules, i);
        if (!module->path || module->path[0] == '/')
            continue;
        const char *path = path_at(mappings, module->start);
        replace(&module->path, path ? path : path_named(mappings, module->path));
    }
    for (guint t = 0; record->threads && t < record->threads->len; t++) {
        CoronerThread *thread = g_ptr_array_index(record->threads, t);
        for (guint f = 0; thread->frames && f < thread->frames->len; f++) {
            CoronerFrame *frame = g_ptr_array_index(thread->frames, f);
            if (!frame->module || frame->module[0] == '/')
                continue;
            /* The file mapped at the pc (a soname such as libstdc++.so.6 need not be its file name). */
            const char *path = path_at(mappings, frame->pc);
            replace(&frame->module, path ? path : path_named(mappings, frame->module));
        }
    }
}
