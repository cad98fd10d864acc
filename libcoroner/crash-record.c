/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The crash record's C type: constructors, destructors, and the names of its
 * enumerations.  Its JSON form is crash-record-write.c and crash-record-read.c
 * (docs/crash-record.md).
 */
#include "crash-record.h"
#include "crash-record-fields.h"

#include <signal.h>
#include <string.h>

/* Items whose only owned members are the strings their table lists. */
static void plain_free(gpointer p, const CoronerFieldTable *table)
{
    if (!p)
        return;
    coroner_fields_free_strings(p, table);
    g_free(p);
}

#define PLAIN_FREE(name, table)                                                                    \
    static void name(gpointer p)                                                                   \
    {                                                                                              \
        plain_free(p, &table);                                                                     \
    }

PLAIN_FREE(thread_name_free, coroner_fields_thread_name)
PLAIN_FREE(annotation_free, coroner_fields_annotation)
PLAIN_FREE(breadcrumb_free, coroner_fields_breadcrumb)
PLAIN_FREE(frame_free, coroner_fields_frame)
PLAIN_FREE(module_free, coroner_fields_module)
PLAIN_FREE(namespace_free, coroner_fields_namespace)

static void buffer_free(gpointer p)
{
    CoronerBuffer *b = p;
    if (!b)
        return;
    g_free(b->name);
    g_clear_pointer(&b->data, g_bytes_unref);
    g_free(b);
}

static void thread_free(gpointer p)
{
    CoronerThread *t = p;
    if (t)
        g_clear_pointer(&t->frames, g_ptr_array_unref);
    plain_free(t, &coroner_fields_thread);
}

CoronerMinimalInfo *coroner_minimal_info_new(void)
{
    return g_new0(CoronerMinimalInfo, 1);
}

void coroner_minimal_info_free(CoronerMinimalInfo *m)
{
    plain_free(m, &coroner_fields_minimal);
}

CoronerAppInfo *coroner_app_info_new(void)
{
    CoronerAppInfo *app = g_new0(CoronerAppInfo, 1);
    app->annotations = g_ptr_array_new_with_free_func(annotation_free);
    app->breadcrumbs = g_ptr_array_new_with_free_func(breadcrumb_free);
    app->buffers = g_ptr_array_new_with_free_func(buffer_free);
    app->hook_tid = -1;
    app->sender_pid = -1;
    app->sender_uid = -1;
    return app;
}

CoronerContainerInfo *coroner_container_info_new(void)
{
    CoronerContainerInfo *c = g_new0(CoronerContainerInfo, 1);
    c->pid = -1;
    c->tid = -1;
    c->namespaces = g_ptr_array_new_with_free_func(namespace_free);
    return c;
}

void coroner_container_info_free(CoronerContainerInfo *c)
{
    if (c)
        g_clear_pointer(&c->namespaces, g_ptr_array_unref);
    plain_free(c, &coroner_fields_container);
}

void coroner_container_info_add_namespace(CoronerContainerInfo *c, const char *type,
                                          uint64_t inode, gboolean own)
{
    CoronerNamespace *ns = g_new0(CoronerNamespace, 1);
    ns->type = g_strdup(type);
    ns->inode = inode;
    ns->own = own;
    g_ptr_array_add(c->namespaces, ns);
}

void coroner_app_info_free(CoronerAppInfo *app)
{
    if (!app)
        return;
    coroner_fields_free_strings(app, &coroner_fields_exception);
    coroner_fields_free_strings(app, &coroner_fields_hook);
    g_clear_pointer(&app->annotations, g_ptr_array_unref);
    g_clear_pointer(&app->breadcrumbs, g_ptr_array_unref);
    g_clear_pointer(&app->buffers, g_ptr_array_unref);
    plain_free(app, &coroner_fields_app);
}

CoronerThread *coroner_thread_new(int64_t tid, const char *name)
{
    CoronerThread *t = g_new0(CoronerThread, 1);
    t->tid = tid;
    t->name = g_strdup(name);
    t->frames = g_ptr_array_new_with_free_func(frame_free);
    return t;
}

CoronerFrame *coroner_frame_new(void)
{
    return g_new0(CoronerFrame, 1);
}

CoronerModule *coroner_module_new(void)
{
    return g_new0(CoronerModule, 1);
}

CoronerCrashRecord *coroner_crash_record_new(void)
{
    CoronerCrashRecord *r = g_new0(CoronerCrashRecord, 1);
    r->schema_major = CORONER_RECORD_SCHEMA_MAJOR;
    r->process.pid = -1;
    r->process.tid = -1;
    r->process.uid = -1;
    r->process.gid = -1;
    r->process.owner_uid = -1;
    r->process.dumpable = -1;
    r->process.rlimit_core = UINT64_MAX;
    r->process.threads = g_ptr_array_new_with_free_func(thread_name_free);
    r->threads = g_ptr_array_new_with_free_func(thread_free);
    r->modules = g_ptr_array_new_with_free_func(module_free);
    r->errors = g_ptr_array_new_with_free_func(g_free);
    r->peers = g_ptr_array_new_with_free_func(g_free);
    r->backtrace_quality = -1;
    return r;
}

void coroner_crash_record_free(CoronerCrashRecord *r)
{
    if (!r)
        return;
    coroner_fields_free_strings(&r->process, &coroner_fields_process);
    coroner_fields_free_strings(&r->process, &coroner_fields_proc);
    g_clear_pointer(&r->process.threads, g_ptr_array_unref);
    g_free(r->signal.name);
    coroner_fields_free_strings(&r->core, &coroner_fields_core);
    coroner_minimal_info_free(r->core.minimal);
    coroner_app_info_free(r->app);
    coroner_container_info_free(r->container);
    g_clear_pointer(&r->threads, g_ptr_array_unref);
    g_clear_pointer(&r->modules, g_ptr_array_unref);
    g_free(r->signature);
    g_free(r->backtrace_error);
    g_clear_pointer(&r->errors, g_ptr_array_unref);
    g_free(r->peer_of);
    g_clear_pointer(&r->peers, g_ptr_array_unref);
    plain_free(r, &coroner_fields_record);
}

void coroner_crash_record_add_error(CoronerCrashRecord *record, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_ptr_array_add(record->errors, g_strdup_vprintf(format, ap));
    va_end(ap);
}

static const char *const core_state_names[] = {
    [CORONER_CORE_NONE] = "none",
    [CORONER_CORE_PRESENT] = "present",
    [CORONER_CORE_TRUNCATED] = "truncated",
    [CORONER_CORE_MISSING] = "missing",
};

const char *coroner_crash_record_thread_name(const CoronerCrashRecord *record, int64_t tid)
{
    GPtrArray *names = record ? record->process.threads : NULL;
    for (guint i = 0; names && i < names->len; i++) {
        const CoronerThreadName *n = names->pdata[i];
        if (n->tid == tid)
            return n->name;
    }
    return NULL;
}

const CoronerThread *coroner_crash_record_crashed_thread(const CoronerCrashRecord *r)
{
    for (guint i = 0; r->threads && i < r->threads->len; i++) {
        const CoronerThread *t = r->threads->pdata[i];
        if (t->crashed)
            return t;
    }
    return NULL;
}

int64_t coroner_crash_record_crashed_tid(const CoronerCrashRecord *r)
{
    const CoronerThread *t = coroner_crash_record_crashed_thread(r);
    return t ? t->tid : r->process.tid;
}

const char *coroner_core_state_to_string(CoronerCoreState state)
{
    if ((unsigned)state >= G_N_ELEMENTS(core_state_names))
        return "missing";
    return core_state_names[state];
}

gboolean coroner_core_state_from_string(const char *s, CoronerCoreState *ret)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(core_state_names); i++)
        if (g_strcmp0(s, core_state_names[i]) == 0) {
            *ret = i;
            return TRUE;
        }
    return FALSE;
}

char *coroner_signal_name(int number)
{
    const char *abbrev = number > 0 ? sigabbrev_np(number) : NULL;
    if (abbrev)
        return g_strdup(abbrev);
    return g_strdup_printf("SIG%d", number);
}
