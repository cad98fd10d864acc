/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hand-made crash records for the unit tests of every component: threads,
 * frames and modules appended in one call each.  NULL strings stay NULL.
 */
#pragma once

#include "crash-record-fields.h"
#include "crash-record.h"

/* A new record of the process pid (crashing thread tid) running exe as comm, crashed at
 * timestamp_usec, stored as id. */
CoronerCrashRecord *coroner_test_record_new(const char *id, int64_t timestamp_usec, int64_t pid,
                                            int64_t tid, const char *comm, const char *exe);

/* A thread appended to r. */
CoronerThread *coroner_test_add_thread(CoronerCrashRecord *r, int64_t tid, const char *name,
                                       gboolean crashed);

/* A frame appended to thread t (line 0: unknown). */
CoronerFrame *coroner_test_add_frame(CoronerThread *t, uint64_t pc, const char *function,
                                     const char *module, uint64_t module_offset, const char *file,
                                     int line);

/* r's application (a new one, replacing any): its id and version. */
CoronerAppInfo *coroner_test_set_app(CoronerCrashRecord *r, const char *app_id,
                                     const char *version);

/* A module appended to r. */
CoronerModule *coroner_test_add_module(CoronerCrashRecord *r, const char *path,
                                       const char *build_id, uint64_t start, uint64_t end);

/*
 * Asserts that a and b, two objects of the type table describes
 * (crash-record-fields.h, e.g. &coroner_fields_frame), hold the same plain
 * members; a failure names the member.
 */
void coroner_test_assert_same_fields(const void *a, const void *b, const CoronerFieldTable *table);
