/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * systemd-coredump's stack trace in a journal entry's MESSAGE, read back into
 * a record.  Read by hand, one pass per line, rather than by regular
 * expressions: a frame line's "function (module + 0xoffset)" made a lazy and a
 * greedy group backtrack over each other, quadratic in the line's length, and
 * PCRE2 allocates its match frames anew for every line.  The message comes
 * from a trusted entry, but it is still bounded like any record.
 */
#include "stack-trace-message.h"

#include <string.h>

static const char *skip_space(const char *s)
{
    while (g_ascii_isspace(*s))
        s++;
    return s;
}

/* s after a digit run of the given base (at least one digit), or NULL. */
static const char *skip_digits(const char *s, gboolean hex)
{
    const char *start = s;
    while (hex ? g_ascii_isxdigit(*s) : g_ascii_isdigit(*s))
        s++;
    return s > start ? s : NULL;
}

/* "Stack trace of thread 1234:" → TRUE and the thread id. */
static gboolean parse_thread_line(const char *line, int64_t *ret_tid)
{
    static const char prefix[] = "Stack trace of thread ";
    const char *s = skip_space(line);
    if (!g_str_has_prefix(s, prefix))
        return FALSE;
    s += strlen(prefix);
    const char *end = skip_digits(s, FALSE);
    if (!end || *end != ':')
        return FALSE;
    *ret_tid = g_ascii_strtoll(s, NULL, 10);
    return TRUE;
}

static char *known_or_null(const char *start, const char *end)
{
    if (end <= start || (end - start == 3 && memcmp(start, "n/a", 3) == 0))
        return NULL;
    return g_strndup(start, (gsize)(end - start));
}

/*
 * "#0  0x00007f…  function (module + 0x1f2e)" → a frame.  The module is what
 * lies between the last "(" that follows a space and the last " + 0x" (a
 * module is a file name, which holds no " ("), the function what comes
 * before, so C++ names keep their own parentheses, "(anonymous
 * namespace)::f()" and "std::function<void ()>::operator()" included; "n/a"
 * stands for unknown.
 */
/* With ret_frame NULL the line is only recognised (the record has no room left). */
static gboolean parse_frame_line(const char *line, CoronerFrame **ret_frame)
{
    const char *s = skip_space(line);
    if (*s++ != '#' || !(s = skip_digits(s, FALSE)) || !g_ascii_isspace(*s))
        return FALSE;
    s = skip_space(s);
    if (!g_str_has_prefix(s, "0x"))
        return FALSE;
    const char *pc = s + 2;
    if (!(s = skip_digits(pc, TRUE)) || !g_ascii_isspace(*s))
        return FALSE;
    const char *function = skip_space(s);

    /* The line ends in "+ 0x<hex>)" and optional space. */
    const char *end = line + strlen(line);
    while (end > function && g_ascii_isspace(end[-1]))
        end--;
    if (end == function || end[-1] != ')')
        return FALSE;
    const char *close = end - 1, *offset = close;
    while (offset > function && g_ascii_isxdigit(offset[-1]))
        offset--;
    static const char plus[] = " + 0x";
    if (offset == close || offset - function < (ptrdiff_t)strlen(plus) ||
        memcmp(offset - strlen(plus), plus, strlen(plus)) != 0)
        return FALSE;
    const char *module_end = offset - strlen(plus);

    const char *open = NULL;
    for (const char *p = module_end; p > function; p--) {
        if (p[-1] == '(' && p - 1 > function && g_ascii_isspace(p[-2])) {
            open = p - 1;
            break;
        }
    }
    if (!open)
        return FALSE;
    const char *function_end = open;
    while (function_end > function && g_ascii_isspace(function_end[-1]))
        function_end--;

    if (ret_frame) {
        CoronerFrame *f = *ret_frame = coroner_frame_new();
        f->pc = g_ascii_strtoull(pc, NULL, 16);
        f->module_offset = g_ascii_strtoull(offset, NULL, 16);
        f->function = known_or_null(function, function_end);
        f->module = known_or_null(open + 1, module_end);
    }
    return TRUE;
}

/* "Module libfoo.so.1 with build-id 0123abcd…" (more may follow on the line). */
static gboolean parse_module_line(const char *line, CoronerModule **ret_module)
{
    static const char prefix[] = "Module ", middle[] = " with build-id ";
    const char *s = skip_space(line);
    if (!g_str_has_prefix(s, prefix))
        return FALSE;
    const char *path = s + strlen(prefix), *path_end = path;
    while (*path_end && !g_ascii_isspace(*path_end))
        path_end++;
    if (path_end == path || !g_str_has_prefix(path_end, middle))
        return FALSE;
    const char *build_id = path_end + strlen(middle);
    const char *build_id_end = skip_digits(build_id, TRUE);
    if (!build_id_end)
        return FALSE;
    if (ret_module) {
        CoronerModule *module = *ret_module = coroner_module_new();
        module->path = g_strndup(path, (gsize)(path_end - path));
        g_autofree char *id = g_strndup(build_id, (gsize)(build_id_end - build_id));
        module->build_id = g_ascii_strdown(id, -1);
    }
    return TRUE;
}

guint coroner_parse_stack_trace_message(const char *message, CoronerCrashRecord *r)
{
    g_auto(GStrv) lines = g_strsplit(message, "\n", -1);
    CoronerThread *thread = NULL;
    gboolean dropping_thread = FALSE; /* the last thread line was one too many */
    guint frames = 0, dropped_threads = 0, dropped_frames = 0, dropped_modules = 0;

    for (char **l = lines; *l; l++) {
        int64_t tid;
        CoronerFrame *frame = NULL;
        CoronerModule *module = NULL;
        if (parse_thread_line(*l, &tid)) {
            thread = NULL;
            dropping_thread = r->threads->len >= CORONER_RECORD_MAX_THREADS;
            if (dropping_thread) {
                dropped_threads++;
                continue;
            }
            thread = coroner_thread_new(tid, NULL);
            /* systemd-coredump, like us, puts the crashing thread first. */
            thread->crashed = r->threads->len == 0;
            g_ptr_array_add(r->threads, thread);
        } else if (dropping_thread && parse_frame_line(*l, NULL)) {
            dropped_frames++;
        } else if (thread &&
                   parse_frame_line(*l, thread->frames->len < CORONER_RECORD_MAX_FRAMES ? &frame
                                                                                        : NULL)) {
            if (frame) {
                g_ptr_array_add(thread->frames, frame);
                frames++;
            } else {
                dropped_frames++;
            }
        } else if (parse_module_line(*l, r->modules->len < CORONER_RECORD_MAX_MODULES ? &module
                                                                                      : NULL)) {
            if (module)
                g_ptr_array_add(r->modules, module);
            else
                dropped_modules++;
        }
    }
    if (dropped_threads || dropped_frames || dropped_modules)
        coroner_crash_record_add_error(r,
                                       "the stack trace in the journal entry was cut: %u threads, "
                                       "%u frames and %u modules beyond the limits were left out",
                                       dropped_threads, dropped_frames, dropped_modules);
    return frames;
}
