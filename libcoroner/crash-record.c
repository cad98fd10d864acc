/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The crash record's C type: constructors, destructors, and the names of its
 * enumerations.  Its JSON form is crash-record-write.c and crash-record-read.c
 * (docs/crash-record.md).
 */
#include "crash-record.h"

#include <signal.h>
#include <string.h>

static void thread_name_free(gpointer p)
{
    CoronerThreadName *t = p;
    if (!t)
        return;
    g_free(t->name);
    g_free(t);
}

static void annotation_free(gpointer p)
{
    CoronerAnnotation *a = p;
    if (!a)
        return;
    g_free(a->key);
    g_free(a->value);
    g_free(a);
}

static void breadcrumb_free(gpointer p)
{
    CoronerBreadcrumb *b = p;
    if (!b)
        return;
    g_free(b->message);
    g_free(b);
}

static void buffer_free(gpointer p)
{
    CoronerBuffer *b = p;
    if (!b)
        return;
    g_free(b->name);
    g_clear_pointer(&b->data, g_bytes_unref);
    g_free(b);
}

static void frame_free(gpointer p)
{
    CoronerFrame *f = p;
    if (!f)
        return;
    g_free(f->function);
    g_free(f->module);
    g_free(f->file);
    g_free(f);
}

static void thread_free(gpointer p)
{
    CoronerThread *t = p;
    if (!t)
        return;
    g_free(t->name);
    g_clear_pointer(&t->frames, g_ptr_array_unref);
    g_free(t);
}

static void module_free(gpointer p)
{
    CoronerModule *m = p;
    if (!m)
        return;
    g_free(m->path);
    g_free(m->build_id);
    g_free(m);
}

CoronerMinimalInfo *coroner_minimal_info_new(void)
{
    return g_new0(CoronerMinimalInfo, 1);
}

void coroner_minimal_info_free(CoronerMinimalInfo *m)
{
    if (!m)
        return;
    g_free(m->recept);
    g_free(m->recept_file);
    g_free(m);
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

static void namespace_free(gpointer p)
{
    CoronerNamespace *ns = p;
    g_free(ns->type);
    g_free(ns);
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
    if (!c)
        return;
    g_free(c->runtime);
    g_free(c->engine);
    g_free(c->id);
    g_free(c->pod_uid);
    g_free(c->app_id);
    g_free(c->instance);
    g_free(c->cgroup);
    g_clear_pointer(&c->namespaces, g_ptr_array_unref);
    g_free(c);
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
    g_free(app->app_id);
    g_free(app->name);
    g_free(app->version);
    g_free(app->bug_address);
    g_free(app->dsn);
    g_free(app->crashed_thread_name);
    g_free(app->exception_type);
    g_free(app->exception_what);
    g_free(app->emergency_save);
    g_free(app->previous_handler);
    g_free(app->restart);
    g_free(app->transport);
    g_clear_pointer(&app->annotations, g_ptr_array_unref);
    g_clear_pointer(&app->breadcrumbs, g_ptr_array_unref);
    g_clear_pointer(&app->buffers, g_ptr_array_unref);
    g_free(app);
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
    r->backtrace_quality = -1;
    return r;
}

void coroner_crash_record_free(CoronerCrashRecord *r)
{
    if (!r)
        return;
    g_free(r->id);
    g_free(r->boot_id);
    g_free(r->hostname);

    CoronerProcessInfo *p = &r->process;
    g_free(p->comm);
    g_free(p->exe);
    g_free(p->cmdline);
    g_free(p->cwd);
    g_free(p->root);
    g_free(p->cgroup);
    g_free(p->unit);
    g_free(p->user_unit);
    g_free(p->session);
    g_free(p->slice);
    g_clear_pointer(&p->threads, g_ptr_array_unref);
    g_free(p->proc_status);
    g_free(p->proc_maps);
    g_free(p->proc_limits);
    g_free(p->proc_cgroup);
    g_free(p->proc_mountinfo);
    g_free(p->proc_auxv_hex);
    g_free(p->open_fds);
    g_free(p->environ);

    g_free(r->signal.name);
    g_free(r->core.file);
    g_free(r->core.compression);
    g_free(r->core.reason);
    coroner_minimal_info_free(r->core.minimal);
    coroner_app_info_free(r->app);
    coroner_container_info_free(r->container);
    g_clear_pointer(&r->threads, g_ptr_array_unref);
    g_clear_pointer(&r->modules, g_ptr_array_unref);
    g_free(r->signature);
    g_free(r->backtrace_error);
    g_clear_pointer(&r->errors, g_ptr_array_unref);
    g_free(r);
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
