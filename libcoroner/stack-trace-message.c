/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stack trace in a journal entry's MESSAGE, read back into a record:
 * systemd-coredump's layout, and ours (backtrace-format.c), which adds thread
 * names, " at FILE:LINE" and " [inlined]" — what a reader has of our crash
 * when it cannot read the record itself.  Read by hand, one pass per line, rather than by regular
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

static const char *rstrip(const char *start, const char *end)
{
    while (end > start && g_ascii_isspace(end[-1]))
        end--;
    return end;
}

/*
 * "Stack trace of thread 1234:" (systemd-coredump) or "Stack trace of thread
 * 1234 (name):" (ours) → TRUE, the thread id and its name (NULL if none).
 */
static gboolean parse_thread_line(const char *line, int64_t *ret_tid, char **ret_name)
{
    static const char prefix[] = "Stack trace of thread ";
    const char *s = skip_space(line);
    if (!g_str_has_prefix(s, prefix))
        return FALSE;
    s += strlen(prefix);
    const char *digits_end = skip_digits(s, FALSE);
    if (!digits_end)
        return FALSE;
    const char *end = rstrip(digits_end, digits_end + strlen(digits_end));
    char *name = NULL;
    if (end - digits_end == 1 && *digits_end == ':')
        name = NULL;
    else if (g_str_has_prefix(digits_end, " (") && end - digits_end >= 4 && end[-2] == ')' &&
             end[-1] == ':')
        name = g_strndup(digits_end + 2, (gsize)(end - 2 - (digits_end + 2)));
    else
        return FALSE;
    *ret_tid = g_ascii_strtoll(s, NULL, 10);
    *ret_name = name;
    return TRUE;
}

static char *known_or_null(const char *start, const char *end)
{
    if (end <= start || (end - start == 3 && memcmp(start, "n/a", 3) == 0))
        return NULL;
    return g_strndup(start, (gsize)(end - start));
}

/*
 * Where "(module + 0x<hex>)" closes: a ")" after hex digits after " + 0x",
 * that ends the text or is followed by " at FILE:LINE" (our layout).  The
 * last such ")" — a function name or a file name may hold one of their own.
 */
static const char *find_offset_close(const char *start, const char *end)
{
    static const char plus[] = " + 0x";
    for (const char *p = end; p > start; p--) {
        const char *close = p - 1;
        if (*close != ')')
            continue;
        const char *hex = close;
        while (hex > start && g_ascii_isxdigit(hex[-1]))
            hex--;
        if (hex == close || hex - start < (ptrdiff_t)strlen(plus) ||
            memcmp(hex - strlen(plus), plus, strlen(plus)) != 0)
            continue;
        if (close + 1 == end || g_str_has_prefix(close + 1, " at "))
            return close;
    }
    return NULL;
}

/*
 * "#0  0x00007f…  function (module + 0x1f2e)" → a frame; ours may go on with
 * " at FILE:LINE" and " [inlined]".  The module is what lies between the last
 * "(" that follows a space and its " + 0x" (a module is a file name, which
 * holds no " ("), the function what comes before, so C++ names keep their own
 * parentheses, "(anonymous namespace)::f()" and "std::function<void
 * ()>::operator()" included; "n/a" stands for unknown.  With ret_frame NULL
 * the line is only recognised (the record has no room left).
 */
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

    static const char inlined_mark[] = " [inlined]";
    const char *end = rstrip(function, function + strlen(function));
    gboolean inlined = end - function > (ptrdiff_t)strlen(inlined_mark) &&
                       memcmp(end - strlen(inlined_mark), inlined_mark, strlen(inlined_mark)) == 0;
    if (inlined)
        end -= strlen(inlined_mark);
    const char *close = find_offset_close(function, end);
    if (!close)
        return FALSE;
    const char *offset = close;
    while (g_ascii_isxdigit(offset[-1]))
        offset--;
    const char *module_end = offset - strlen(" + 0x");

    const char *open = NULL;
    for (const char *p = module_end; p > function; p--) {
        if (p[-1] == '(' && p - 1 > function && g_ascii_isspace(p[-2])) {
            open = p - 1;
            break;
        }
    }
    if (!open)
        return FALSE;
    const char *function_end = rstrip(function, open);

    /* " at FILE:LINE": the line is the digits after the last ":". */
    const char *file = close + 1 < end ? close + 1 + strlen(" at ") : NULL, *colon = NULL;
    if (file) {
        colon = end;
        while (colon > file && g_ascii_isdigit(colon[-1]))
            colon--;
        if (colon == end || colon - 1 <= file || colon[-1] != ':')
            file = NULL;
    }

    if (ret_frame) {
        CoronerFrame *f = *ret_frame = coroner_frame_new();
        f->pc = g_ascii_strtoull(pc, NULL, 16);
        f->module_offset = g_ascii_strtoull(offset, NULL, 16);
        f->function = known_or_null(function, function_end);
        f->module = known_or_null(open + 1, module_end);
        if (file) {
            f->file = g_strndup(file, (gsize)(colon - 1 - file));
            f->line = (int)MIN(g_ascii_strtoull(colon, NULL, 10), G_MAXINT);
        }
        f->inlined = inlined;
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
        char *name = NULL;
        CoronerFrame *frame = NULL;
        CoronerModule *module = NULL;
        if (parse_thread_line(*l, &tid, &name)) {
            thread = NULL;
            dropping_thread = r->threads->len >= CORONER_RECORD_MAX_THREADS;
            if (dropping_thread) {
                g_free(name);
                dropped_threads++;
                continue;
            }
            thread = coroner_thread_new(tid, name);
            g_free(name);
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
