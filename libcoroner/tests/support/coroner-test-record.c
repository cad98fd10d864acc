/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-test-record.h"

CoronerCrashRecord *coroner_test_record_new(const char *id, int64_t timestamp_usec, int64_t pid,
                                            int64_t tid, const char *comm, const char *exe)
{
    CoronerCrashRecord *r = coroner_crash_record_new();
    r->id = g_strdup(id);
    r->timestamp_usec = timestamp_usec;
    r->process.pid = pid;
    r->process.tid = tid;
    r->process.comm = g_strdup(comm);
    r->process.exe = g_strdup(exe);
    return r;
}

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

CoronerAppInfo *coroner_test_set_app(CoronerCrashRecord *r, const char *app_id,
                                     const char *version)
{
    g_clear_pointer(&r->app, coroner_app_info_free);
    r->app = coroner_app_info_new();
    r->app->app_id = g_strdup(app_id);
    r->app->version = g_strdup(version);
    return r->app;
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

static char *field_text(const void *object, const CoronerField *f)
{
    const char *at = (const char *)object + f->offset;
    switch (f->kind) {
    case CORONER_FIELD_STRING: {
        const char *s = *(char *const *)at;
        return s ? g_strdup_printf("%s=\"%s\"", f->name, s) : g_strdup_printf("%s=null", f->name);
    }
    case CORONER_FIELD_INT:
    case CORONER_FIELD_ID:
        return g_strdup_printf("%s=%" G_GINT64_FORMAT, f->name, *(const int64_t *)at);
    case CORONER_FIELD_INT32:
        return g_strdup_printf("%s=%d", f->name, *(const int *)at);
    case CORONER_FIELD_U64:
    case CORONER_FIELD_HEX:
        return g_strdup_printf("%s=%" G_GUINT64_FORMAT, f->name, *(const uint64_t *)at);
    case CORONER_FIELD_BOOL:
        return g_strdup_printf("%s=%d", f->name, *(const gboolean *)at ? 1 : 0);
    }
    g_assert_not_reached();
}

void coroner_test_assert_same_fields(const void *a, const void *b, const CoronerFieldTable *t)
{
    for (guint i = 0; i < t->n; i++) {
        g_autofree char *x = field_text(a, &t->fields[i]);
        g_autofree char *y = field_text(b, &t->fields[i]);
        g_assert_cmpstr(x, ==, y);
    }
}
