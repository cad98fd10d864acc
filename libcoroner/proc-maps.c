/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/PID/maps as mappings (proc-maps.h). */
#include "proc-maps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

CoronerMapping *coroner_mappings_parse(const char *text, size_t *ret_n)
{
    *ret_n = 0;
    if (!text)
        return NULL;
    size_t lines = 1;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    size_t len = strlen(text);
    /* The names live in one block after the array, so one free releases both. */
    CoronerMapping *maps = malloc(lines * sizeof *maps + len + 1);
    if (!maps)
        return NULL;
    char *names = (char *)(maps + lines);
    memcpy(names, text, len + 1);
    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(names, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long long start, end, offset;
        char perms[8];
        int name_at = 0;
        if (sscanf(line, "%llx-%llx %7s %llx %*s %*s%n", &start, &end, perms, &offset,
                   &name_at) < 4 ||
            name_at == 0)
            continue;
        char *name = line + name_at;
        while (*name == ' ')
            name++;
        maps[n++] = (CoronerMapping){
            .start = start,
            .end = end,
            .file_offset = offset,
            .writable = perms[1] == 'w',
            .name = name,
        };
    }
    *ret_n = n;
    return maps;
}

void coroner_mappings_free(CoronerMapping *maps, size_t n)
{
    (void)n;
    free(maps);
}
