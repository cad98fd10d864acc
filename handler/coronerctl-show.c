/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* coronerctl info and backtrace: one crash, for a human or as JSON. */
#include <stdio.h>
#include <string.h>

#include "coronerctl-format.h"
#include "coronerctl-json.h"
#include "coronerctl-symbolize.h"
#include "coronerctl.h"

#define LABEL_WIDTH 15

/* Text from a crashed process or the journal: no terminal escapes, lines indented under the label. */
static void print_text(const char *text)
{
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n')
            printf("\n%*s  ", LABEL_WIDTH, "");
        else if (c < ' ' && c != '\t')
            putchar('?');
        else if (c == 0x7f)
            putchar('?');
        else
            putchar(c);
    }
}

static void field(const CtlOutput *out, const char *label, const char *value)
{
    if (!value || !*value)
        return;
    printf("%s%*s:%s ", ctl_color(out, CTL_COLOR_BOLD), LABEL_WIDTH, label, ctl_color_end(out));
    print_text(value);
    putchar('\n');
}

G_GNUC_PRINTF(3, 4)
static void fieldf(const CtlOutput *out, const char *label, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *value = g_strdup_vprintf(format, ap);
    va_end(ap);
    field(out, label, value);
}

static const char *basename_of(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path;
}

static void print_frame(const CtlOutput *out, guint n, const CoronerFrame *f)
{
    printf("    #%-2u ", n);
    if (f->inlined)
        printf("%s%-18s%s ", ctl_color(out, CTL_COLOR_GREY), "[inlined]", ctl_color_end(out));
    else
        printf("%s0x%016" G_GINT64_MODIFIER "x%s ", ctl_color(out, CTL_COLOR_GREY), f->pc,
               ctl_color_end(out));
    printf("%s", ctl_color(out, CTL_COLOR_HIGHLIGHT));
    print_text(f->function ? f->function : "n/a");
    printf("%s", ctl_color_end(out));
    if (f->module) {
        printf(" %s(", ctl_color(out, CTL_COLOR_GREY));
        print_text(basename_of(f->module));
        printf(" + 0x%" G_GINT64_MODIFIER "x)%s", f->module_offset, ctl_color_end(out));
    }
    if (f->file) {
        printf(" at ");
        print_text(f->file);
        if (f->line > 0)
            printf(":%d", f->line);
    }
    putchar('\n');
}

static void print_thread(const CtlOutput *out, const CoronerThread *t)
{
    printf("%sThread %" G_GINT64_FORMAT, ctl_color(out, CTL_COLOR_BOLD), t->tid);
    if (t->name) {
        printf(" (");
        print_text(t->name);
        printf(")");
    }
    printf("%s%s%s%s:\n", ctl_color_end(out), t->crashed ? ctl_color(out, CTL_COLOR_RED) : "",
           t->crashed ? ", crashed" : "", t->crashed ? ctl_color_end(out) : "");
    for (guint j = 0; j < t->frames->len; j++)
        print_frame(out, j, t->frames->pdata[j]);
}

static void print_modules(const CtlOutput *out, const CoronerCrashRecord *r)
{
    if (r->modules->len == 0)
        return;
    printf("\n%sModules:%s\n", ctl_color(out, CTL_COLOR_BOLD), ctl_color_end(out));
    for (guint i = 0; i < r->modules->len; i++) {
        const CoronerModule *m = r->modules->pdata[i];
        printf("    ");
        print_text(m->path ? m->path : "?");
        printf(" build-id %s", m->build_id ? m->build_id : "unknown");
        if (m->start || m->end)
            printf(" 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x", m->start, m->end);
        if (!m->has_debug_info)
            printf(" %s(no debug info)%s", ctl_color(out, CTL_COLOR_YELLOW), ctl_color_end(out));
        putchar('\n');
    }
}

static void print_backtrace(const CtlOutput *out, const CoronerCrashRecord *r, gboolean full)
{
    for (guint i = 0; i < r->threads->len && (full || i == 0); i++) {
        if (i > 0)
            putchar('\n');
        print_thread(out, r->threads->pdata[i]);
    }
    if (!full && r->threads->len > 1)
        printf("    (%u more thread%s: --full shows them)\n", r->threads->len - 1,
               r->threads->len == 2 ? "" : "s");
    if (full)
        print_modules(out, r);
}

static void print_core(const CtlContext *ctx, const CoronerCrashEntry *e)
{
    const CoronerCrashRecord *r = e->record;
    g_autofree char *path = coroner_crash_entry_core_path(ctx->index, e);
    GString *s = g_string_new(NULL);
    g_string_append(s, e->core_status);
    if (path)
        g_string_append_printf(s, ", %s", path);
    if (r->core.size > 0) {
        g_autofree char *size = ctl_format_bytes(r->core.size);
        g_string_append_printf(s, ", %s", size);
    }
    if (e->core_disk_bytes > 0) {
        g_autofree char *disk = ctl_format_bytes(e->core_disk_bytes);
        g_string_append_printf(s, " (%s on disk%s%s)", disk,
                               r->core.compression ? ", " : "",
                               r->core.compression ? r->core.compression : "");
    }
    if (r->core.reason)
        g_string_append_printf(s, ": %s", r->core.reason);
    field(&ctx->out, "Core", s->str);
    g_string_free(s, TRUE);
    if (r->live_dump)
        field(&ctx->out, "Live dump", "the process was running and ran on after the dump");
    /* The links between a crash and its group's peers (docs/recept.md, "Group peers"). */
    if (r->peer_of)
        fieldf(&ctx->out, "Peer of", "%s (a crash of its group)", r->peer_of);
    for (guint i = 0; i < r->peers->len; i++)
        field(&ctx->out, i == 0 ? "Group peers" : "", r->peers->pdata[i]);
    const CoronerMinimalInfo *m = r->core.minimal;
    if (m) {
        g_autofree char *original = ctl_format_bytes(m->original_size);
        g_autofree char *kept = ctl_format_bytes(m->memory_kept);
        fieldf(&ctx->out, "Minimal core",
               "by recept %s%s%s%s: %s of memory kept of a %s core; stacks of %" G_GUINT64_FORMAT
               " of %" G_GUINT64_FORMAT " threads%s",
               m->recept ? m->recept : "?", m->recept_file ? " (" : "",
               m->recept_file ? m->recept_file : "", m->recept_file ? ")" : "", kept, original,
               m->stacks, m->threads,
               m->notes_dropped ? "; some register notes left out" : "");
    }
}

static void print_app(const CtlOutput *out, const CoronerAppInfo *app)
{
    if (!app)
        return;
    const char *name = app->name ? app->name : app->app_id;
    if (name)
        fieldf(out, "Application", "%s%s%s", name, app->version ? " " : "",
               app->version ? app->version : "");
    field(out, "App ID", app->app_id);
    field(out, "Group", app->group);
    field(out, "Report bugs to", app->bug_address);
    if (app->exception_type || app->exception_what)
        fieldf(out, "Exception", "%s%s%s", app->exception_type ? app->exception_type : "",
               app->exception_type && app->exception_what ? ": " : "",
               app->exception_what ? app->exception_what : "");
    for (guint i = 0; i < app->annotations->len; i++) {
        const CoronerAnnotation *a = app->annotations->pdata[i];
        fieldf(out, i == 0 ? "Annotations" : "", "%s=%s", a->key, a->value ? a->value : "");
    }
    for (guint i = 0; i < app->breadcrumbs->len; i++) {
        const CoronerBreadcrumb *b = app->breadcrumbs->pdata[i];
        g_autofree char *t = ctl_format_time(b->timestamp_usec);
        fieldf(out, i == 0 ? "Breadcrumbs" : "", "%s %s", t, b->message ? b->message : "");
    }
}

static void print_info(CtlContext *ctx, CoronerCrashEntry *e)
{
    const CtlOutput *out = &ctx->out;
    const CoronerCrashRecord *r = e->record;
    const CoronerProcessInfo *p = &r->process;

    fieldf(out, "ID", "%s (%s)", e->short_id, e->id);
    if (p->pid >= 0)
        fieldf(out, "PID", "%" G_GINT64_FORMAT " (%s)", p->pid, p->comm ? p->comm : "?");
    else
        field(out, "Command", p->comm);
    if (p->tid >= 0 && p->tid != p->pid)
        fieldf(out, "TID", "%" G_GINT64_FORMAT, p->tid);
    g_autofree char *uid = ctl_format_uid(p->uid);
    g_autofree char *gid = ctl_format_gid(p->gid);
    field(out, "UID", uid);
    field(out, "GID", gid);
    g_autofree char *signame = r->signal.name ? g_strdup(r->signal.name)
                                              : coroner_signal_name(r->signal.number);
    if (r->signal.has_address)
        fieldf(out, "Signal", "%d (SIG%s) at 0x%" G_GINT64_MODIFIER "x", r->signal.number,
               signame, r->signal.address);
    else
        fieldf(out, "Signal", "%d (SIG%s)", r->signal.number, signame);
    g_autofree char *time = ctl_format_time(r->timestamp_usec);
    g_autofree char *ago = ctl_format_relative(r->timestamp_usec, g_get_real_time());
    fieldf(out, "Timestamp", "%s (%s)", time, ago);
    field(out, "Command Line", p->cmdline);
    field(out, "Executable", p->exe);
    field(out, "Working Dir", p->cwd);
    field(out, "Control Group", p->cgroup);
    field(out, "Unit", p->unit);
    field(out, "User Unit", p->user_unit);
    field(out, "Slice", p->slice);
    field(out, "Session", p->session);
    /* Container labels (never proof of anything: see docs/crash-record.md). */
    const CoronerContainerInfo *c = r->container;
    if (c && c->runtime && strcmp(c->runtime, "none") != 0) {
        GString *text = g_string_new(c->runtime);
        if (c->id)
            g_string_append_printf(text, " %s", c->id);
        if (c->app_id)
            g_string_append_printf(text, ", app %s", c->app_id);
        if (c->pod_uid)
            g_string_append_printf(text, ", pod %s", c->pod_uid);
        if (c->pid > 0 && c->pid != p->pid)
            g_string_append_printf(text, ", PID %" G_GINT64_FORMAT " inside", c->pid);
        field(out, "Container", text->str);
        g_string_free(text, TRUE);
    }
    if (p->owner_uid >= 0) {
        g_autofree char *owner = ctl_format_uid(p->owner_uid);
        field(out, "Owner UID", owner);
    }
    field(out, "Boot ID", r->boot_id);
    field(out, "Hostname", r->hostname);
    print_core(ctx, e);
    if (e->store_entry && e->store_entry->record_name) {
        g_autofree char *path =
            g_build_filename(ctx->index->store->path, e->store_entry->record_name, NULL);
        field(out, "Record", path);
    }
    if (e->unverified)
        fieldf(out, "Source", "journal, UNVERIFIED: not written by root's crash handler");
    else
        fieldf(out, "Source", "%s, written by %s", coroner_crash_entry_sources(e),
               e->by_coroner ? "coroner-handler" : "systemd-coredump");
    if (e->record_error)
        fieldf(out, "Record Error", "%s", e->record_error);
    print_app(out, r->app);
    field(out, "Signature", r->signature);
    if (r->backtrace_quality >= 0)
        fieldf(out, "Quality", "%.0f%%", r->backtrace_quality * 100);
    for (guint i = 0; i < r->errors->len; i++)
        field(out, i == 0 ? "Problems" : "", r->errors->pdata[i]);

    g_autoptr(GError) error = NULL;
    putchar('\n');
    if (ctl_ensure_backtrace(ctx->index, e, &error))
        print_backtrace(out, e->record, ctx->full);
    else
        printf("%s%s.%s\n", ctl_color(out, CTL_COLOR_YELLOW), error->message, ctl_color_end(out));
}

int ctl_info(CtlContext *ctx, char **args, GError **error)
{
    CoronerCrashEntry *e = ctl_find_one(ctx, args, error);
    if (!e)
        return (*error)->code;
    if (ctx->json) {
        g_autoptr(GError) local = NULL;
        (void)ctl_ensure_backtrace(ctx->index, e, &local);
        g_autoptr(JsonNode) node = ctl_json_info(ctx->index, e);
        ctl_json_print(node, !ctx->json_short);
    } else {
        print_info(ctx, e);
    }
    return CTL_EXIT_OK;
}

int ctl_backtrace(CtlContext *ctx, char **args, GError **error)
{
    CoronerCrashEntry *e = ctl_find_one(ctx, args, error);
    if (!e)
        return (*error)->code;
    g_autoptr(GError) local = NULL;
    if (!ctl_ensure_backtrace(ctx->index, e, &local)) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_UNAVAILABLE, "%s: %s", e->short_id, local->message);
        return CTL_EXIT_UNAVAILABLE;
    }
    if (ctx->json) {
        g_autoptr(JsonNode) node = ctl_json_backtrace(e, ctx->full);
        ctl_json_print(node, !ctx->json_short);
    } else {
        print_backtrace(&ctx->out, e->record, ctx->full);
    }
    return CTL_EXIT_OK;
}
