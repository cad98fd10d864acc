/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coronerctl's terminal output: colour only on a terminal (and never with
 * NO_COLOR), a pager for what it prints to a terminal, tables sized to it,
 * and JSON through json-glib.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef enum {
    CTL_COLOR_NONE,
    CTL_COLOR_BOLD,
    CTL_COLOR_RED,       /* bad: the signal, a missing core */
    CTL_COLOR_GREEN,     /* good: a stored core */
    CTL_COLOR_YELLOW,    /* partial: a truncated core, an inlined frame */
    CTL_COLOR_GREY,      /* secondary: addresses, modules */
    CTL_COLOR_HIGHLIGHT, /* the function names of a backtrace */
} CtlColor;

typedef struct {
    gboolean tty;       /* stdout was a terminal when coronerctl started */
    gboolean color;
    unsigned columns;   /* terminal width, 0 when output is not for a terminal */
    pid_t pager_pid;    /* 0 when no pager runs */
    int saved_stdout;
} CtlOutput;

/* Looks at stdout, TERM, NO_COLOR and SYSTEMD_COLORS. */
void ctl_output_init(CtlOutput *out);

/* The escape sequence that starts a colour, and the one that ends it ("" without colour). */
const char *ctl_color(const CtlOutput *out, CtlColor color);
const char *ctl_color_end(const CtlOutput *out);

/*
 * Pipes stdout through $SYSTEMD_PAGER, else $PAGER, else "less -FRSX" when
 * stdout is a terminal and no_pager is FALSE.  An empty pager or "cat" means none.
 */
void ctl_pager_open(CtlOutput *out, gboolean no_pager);
/* Flushes stdout, lets the pager finish and waits for it. Safe without a pager. */
void ctl_pager_close(CtlOutput *out);

typedef struct CtlTable CtlTable;

/* A table with the given column headers (NULL-terminated). */
CtlTable *ctl_table_new(const char *const *headers);
void ctl_table_free(CtlTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CtlTable, ctl_table_free)
/* Right-aligns a column (numbers, sizes). */
void ctl_table_align_right(CtlTable *table, guint column);
/* Adds the next cell, row by row; text NULL shows "-". */
void ctl_table_add(CtlTable *table, CtlColor color, const char *text);
/*
 * Prints the table; the last column is cut to the terminal's width.  With
 * legend, a header line (and the caller prints a footer).
 */
void ctl_table_print(const CtlTable *table, const CtlOutput *out, gboolean legend);

/* Prints a JSON node, pretty (indented) or on one line, followed by a newline. */
void ctl_json_print(JsonNode *node, gboolean pretty);

G_END_DECLS
