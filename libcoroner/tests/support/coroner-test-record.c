/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-test-record.h"

CoronerThread *coroner_test_add_thread(CoronerCrashRecord *r, int64_t tid, const char *name,
                                       gboolean crashed)
{
    CoronerThread *t = coroner_thread_new(tid, name);
    t->crashed = crashed;
    g_ptr_array_add(r->threads, t);
    return t;
}

CoronerFrame *coroner_test_add_frame(CoronerThread *t, uint64_t pc, const char *function,
                                     const char *module, uint64_t module_offset, const char *file,
                                     int line)
{
    CoronerFrame *f = coroner_frame_new();
    f->pc = pc;
    f->function = g_strdup(function);
    f->module = g_strdup(module);
    f->module_offset = module_offset;
    f->file = g_strdup(file);
    f->line = line;
    g_ptr_array_add(t->frames, f);
    return f;
}

CoronerModule *coroner_test_add_module(CoronerCrashRecord *r, const char *path,
                                       const char *build_id, uint64_t start, uint64_t end)
{
    CoronerModule *m = coroner_module_new();
    m->path = g_strdup(path);
    m->build_id = g_strdup(build_id);
    m->start = start;
    m->end = end;
    g_ptr_array_add(r->modules, m);
    return m;
}
