/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The name of a crash's bundle, from [Upload] FilenameTemplate=: the same
 * name for the file `coronerctl bundle` writes and the object coroner-upload
 * puts into the bucket.  Fields (docs/upload.md):
 *
 *   {uuid} {timestamp} {hostname} {exe} {comm} {pid} {uid} {signal} {id}
 *   {container} {runtime} {app} {pod} {namespace}
 *
 * {uuid} is derived from the record's id (a name-based UUID), so the same
 * crash always gets the same name: uploading it again replaces the object
 * instead of adding a second one.
 */
#pragma once

#include <glib.h>

#include "crash-record.h"

G_BEGIN_DECLS

#define CORONER_BUNDLE_DEFAULT_TEMPLATE "{uuid}-dump-{timestamp}-{hostname}-{exe}-{pid}-{signal}"

/* Checks a template: known fields, balanced braces, not empty. */
gboolean coroner_bundle_template_check(const char *template_, GError **error);

/*
 * Expands template_ for record and adds ".zip".  Each field's value keeps only
 * [A-Za-z0-9._-] (anything else becomes "_", a leading "." too) and an empty
 * value becomes "unknown"; the template's own "/" make prefixes ("{hostname}/…").
 */
char *coroner_bundle_name(const char *template_, const CoronerCrashRecord *record, GError **error);

/* The record's name-based UUID (version 5, in Coroner's own namespace). Caller frees. */
char *coroner_bundle_uuid(const CoronerCrashRecord *record);

G_END_DECLS
