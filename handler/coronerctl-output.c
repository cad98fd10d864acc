/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coronerctl-output.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"

#define DEFAULT_PAGER "less -FRSX"

void ctl_output_init(CtlOutput *out)
{
    *out = (CtlOutput){.saved_stdout = -1};
    out->tty = isatty(STDOUT_FILENO);
    const char *term = g_getenv("TERM");
    const char *no_color = g_getenv("NO_COLOR");
    const char *systemd_colors = g_getenv("SYSTEMD_COLORS");
    gboolean colors_wanted = TRUE;
    /* no-color.org: any non-empty NO_COLOR turns colour off. */
    if (no_color && *no_color)
        colors_wanted = FALSE;
    gboolean b;
    if (systemd_colors && coroner_parse_bool(systemd_colors, &b) && !b)
        colors_wanted = FALSE;
    out->color = out->tty && colors_wanted && g_strcmp0(term, "dumb") != 0;
    if (out->tty) {
        struct winsize ws;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
            out->columns = ws.ws_col;
        else
            out->columns = 80;
    }
}

const char *ctl_color(const CtlOutput *out, CtlColor color)
{
    if (!out->color)
        return "";
    switch (color) {
    case CTL_COLOR_BOLD:
        return "\033[1m";
    case CTL_COLOR_RED:
        return "\033[1;31m";
    case CTL_COLOR_GREEN:
        return "\033[32m";
    case CTL_COLOR_YELLOW:
        return "\033[33m";
    case CTL_COLOR_GREY:
        return "\033[2m";
    case CTL_COLOR_HIGHLIGHT:
        return "\033[1;39m";
    case CTL_COLOR_NONE:
        break;
    }
    return "";
}

const char *ctl_color_end(const CtlOutput *out)
{
    return out->color ? "\033[0m" : "";
}

void ctl_pager_open(CtlOutput *out, gboolean no_pager)
{
    if (!out->tty || no_pager || out->pager_pid > 0)
        return;
    const char *pager = g_getenv("SYSTEMD_PAGER");
    if (!pager)
        pager = g_getenv("PAGER");
    if (!pager)
        pager = DEFAULT_PAGER;
    g_autofree char *trimmed = g_strstrip(g_strdup(pager));
    if (!*trimmed || g_str_equal(trimmed, "cat"))
        return;

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        if (dup2(fds[0], STDIN_FILENO) < 0)
            _exit(127);
        /* less without options would print colour codes raw and page one-screen output. */
        if (!g_getenv("LESS"))
            g_setenv("LESS", "FRSX", TRUE);
        execl("/bin/sh", "sh", "-c", trimmed, (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    out->saved_stdout = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    if (dup2(fds[1], STDOUT_FILENO) < 0) {
        close(fds[1]);
        kill(pid, SIGTERM);
        (void)waitpid(pid, NULL, 0);
        return;
    }
    close(fds[1]);
    out->pager_pid = pid;
    /* A user quitting the pager early is not an error of ours. */
    signal(SIGPIPE, SIG_IGN);
}

void ctl_pager_close(CtlOutput *out)
{
    fflush(stdout);
    if (out->pager_pid <= 0)
        return;
    /* Our end of the pipe closes here, so the pager sees the end of its input. */
    if (out->saved_stdout >= 0) {
        dup2(out->saved_stdout, STDOUT_FILENO);
        close(out->saved_stdout);
        out->saved_stdout = -1;
    }
    /* While the pager shows the output, ^C belongs to it. */
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
    while (waitpid(out->pager_pid, NULL, 0) < 0 && errno == EINTR)
        ;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    out->pager_pid = 0;
}

/* ---- tables ----------------------------------------------------------- */

typedef struct {
    char *text;
    CtlColor color;
} Cell;

struct CtlTable {
    guint columns;
    GPtrArray *headers;   /* char* */
    GArray *cells;        /* Cell, row-major */
    gboolean *right;
};

static void cell_clear(gpointer p)
{
    g_free(((Cell *)p)->text);
}

CtlTable *ctl_table_new(const char *const *headers)
{
    CtlTable *t = g_new0(CtlTable, 1);
    t->headers = g_ptr_array_new_with_free_func(g_free);
    for (const char *const *h = headers; *h; h++)
        g_ptr_array_add(t->headers, g_strdup(*h));
    t->columns = t->headers->len;
    t->cells = g_array_new(FALSE, TRUE, sizeof(Cell));
    g_array_set_clear_func(t->cells, cell_clear);
    t->right = g_new0(gboolean, t->columns);
    return t;
}

void ctl_table_free(CtlTable *t)
{
    if (!t)
        return;
    g_ptr_array_unref(t->headers);
    g_array_unref(t->cells);
    g_free(t->right);
    g_free(t);
}

void ctl_table_align_right(CtlTable *t, guint column)
{
    if (column < t->columns)
        t->right[column] = TRUE;
}

void ctl_table_add(CtlTable *t, CtlColor color, const char *text)
{
    Cell c = {.text = g_strdup(text ? text : "-"), .color = color};
    /* Control characters (from a comm or a command line) must not reach the terminal. */
    for (char *p = c.text; *p; p++)
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            *p = '?';
    g_array_append_val(t->cells, c);
}

static guint text_width(const char *s)
{
    return g_utf8_validate(s, -1, NULL) ? (guint)g_utf8_strlen(s, -1) : (guint)strlen(s);
}

/* The first max_width characters of s, with "…" when cut. */
static char *cut(const char *s, guint max_width)
{
    if (text_width(s) <= max_width)
        return g_strdup(s);
    if (max_width == 0)
        return g_strdup("");
    if (!g_utf8_validate(s, -1, NULL))
        return g_strdup_printf("%.*s…", (int)max_width - 1, s);
    const char *end = g_utf8_offset_to_pointer(s, max_width - 1);
    return g_strdup_printf("%.*s…", (int)(end - s), s);
}

static void print_cell(const CtlOutput *out, const char *text, CtlColor color, guint width,
                       gboolean right, gboolean last)
{
    guint w = text_width(text);
    guint pad = width > w ? width - w : 0;
    if (right)
        printf("%*s", (int)pad, "");
    printf("%s%s%s", ctl_color(out, color), text, color != CTL_COLOR_NONE ? ctl_color_end(out) : "");
    if (!right && !last)
        printf("%*s", (int)pad, "");
}

void ctl_table_print(const CtlTable *t, const CtlOutput *out, gboolean legend)
{
    guint rows = t->cells->len / t->columns;
    g_autofree guint *width = g_new0(guint, t->columns);
    for (guint c = 0; c < t->columns; c++)
        width[c] = legend ? text_width(t->headers->pdata[c]) : 0;
    for (guint r = 0; r < rows; r++)
        for (guint c = 0; c < t->columns; c++) {
            const Cell *cell = &g_array_index(t->cells, Cell, r * t->columns + c);
            width[c] = MAX(width[c], text_width(cell->text));
        }
    /* On a terminal the last column gets what is left of the line, at least 10. */
    guint used = 0;
    for (guint c = 0; c + 1 < t->columns; c++)
        used += width[c] + 1;
    guint last_width = width[t->columns - 1];
    if (out->columns > 0)
        last_width = MIN(last_width, out->columns > used + 10 ? out->columns - used : 10);

    if (legend) {
        for (guint c = 0; c < t->columns; c++) {
            g_autofree char *h = cut(t->headers->pdata[c], c + 1 == t->columns ? last_width : width[c]);
            print_cell(out, h, CTL_COLOR_BOLD, width[c], t->right[c], c + 1 == t->columns);
            printf(c + 1 == t->columns ? "\n" : " ");
        }
    }
    for (guint r = 0; r < rows; r++)
        for (guint c = 0; c < t->columns; c++) {
            const Cell *cell = &g_array_index(t->cells, Cell, r * t->columns + c);
            gboolean last = c + 1 == t->columns;
            g_autofree char *text = last ? cut(cell->text, last_width) : g_strdup(cell->text);
            print_cell(out, text, cell->color, width[c], t->right[c], last);
            printf(last ? "\n" : " ");
        }
}

void ctl_json_print(JsonNode *node, gboolean pretty)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, node);
    json_generator_set_pretty(gen, pretty);
    json_generator_set_indent(gen, 2);
    gsize length = 0;
    g_autofree char *text = json_generator_to_data(gen, &length);
    fwrite(text, 1, length, stdout);
    fputc('\n', stdout);
}
