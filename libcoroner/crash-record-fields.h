/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The crash record's members, described once: for each plain member its JSON
 * name, its kind and where it sits in the C struct.  The writer
 * (crash-record-write.c), the reader (crash-record-read.c) and the
 * destructors (crash-record.c) walk these tables, so a member added here is
 * written, read and freed alike.  Members with a shape of their own (arrays,
 * nested objects, the core state, the signal's code) stay spelled out where
 * they are written and read.  Internal to libcoroner.
 */
#pragma once

#include <glib.h>
#include <stddef.h>

typedef enum {
    CORONER_FIELD_STRING, /* char*; null when NULL */
    CORONER_FIELD_INT,    /* int64_t */
    CORONER_FIELD_INT32,  /* int */
    CORONER_FIELD_ID,     /* int64_t; null when negative ("unknown") */
    CORONER_FIELD_U64,    /* uint64_t; null for UINT64_MAX ("unlimited") */
    CORONER_FIELD_BOOL,   /* gboolean */
    CORONER_FIELD_HEX,    /* uint64_t, as a "0x…" string (JSON numbers stop at 2^53) */
} CoronerFieldKind;

typedef struct {
    const char *name;
    CoronerFieldKind kind;
    size_t offset;
} CoronerField;

typedef struct {
    const CoronerField *fields;
    guint n;
} CoronerFieldTable;

/* The record's own members (id … hostname). */
extern const CoronerFieldTable coroner_fields_record;
/* "process": its ids and strings up to owner_uid, then (after dumpable) the rest. */
extern const CoronerFieldTable coroner_fields_process;
extern const CoronerFieldTable coroner_fields_process_tail;
/* "process"."proc": the raw /proc texts. */
extern const CoronerFieldTable coroner_fields_proc;
extern const CoronerFieldTable coroner_fields_thread_name;
extern const CoronerFieldTable coroner_fields_core;
extern const CoronerFieldTable coroner_fields_minimal;
/* "app": its strings; its "exception" and "hook" objects. */
extern const CoronerFieldTable coroner_fields_app;
extern const CoronerFieldTable coroner_fields_exception;
extern const CoronerFieldTable coroner_fields_hook;
extern const CoronerFieldTable coroner_fields_annotation;
extern const CoronerFieldTable coroner_fields_breadcrumb;
extern const CoronerFieldTable coroner_fields_container;
extern const CoronerFieldTable coroner_fields_namespace;
/* "backtrace": a thread (without its frames), a frame, a module. */
extern const CoronerFieldTable coroner_fields_thread;
extern const CoronerFieldTable coroner_fields_frame;
extern const CoronerFieldTable coroner_fields_module;
extern const CoronerFieldTable coroner_fields_suppressed_window;

/* The string member of object that table names name (NULL if it names none, or not a string). */
const char *coroner_fields_get_string(const void *object, const CoronerFieldTable *table,
                                      const char *name);

/* Frees the string members the table lists (not the struct itself). */
void coroner_fields_free_strings(void *object, const CoronerFieldTable *table);
