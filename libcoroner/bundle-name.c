/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "bundle-name.h"

#include <gio/gio.h>
#include <string.h>

#include "bundle.h"

/* S3 keys may be 1024 bytes; leave room for a prefix an admin puts in the template. */
#define NAME_MAX_BYTES 900

/* Coroner's namespace for name-based UUIDs (a random UUID, fixed forever). */
static const guint8 bundle_namespace[16] = {0x6b, 0x1d, 0x3c, 0x5e, 0x0f, 0x7a, 0x4b, 0x2c,
                                            0x9e, 0x51, 0xd2, 0x83, 0x40, 0x6f, 0xa7, 0x19};

static const char *const fields[] = {"uuid", "timestamp", "hostname", "exe", "comm",
                                     "pid", "uid", "signal", "id", "container",
                                     "runtime", "app", "pod", "namespace"};

char *coroner_bundle_uuid(const CoronerCrashRecord *r)
{
    g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
    guint8 digest[20];
    gsize len = sizeof digest;
    g_checksum_update(sha1, bundle_namespace, sizeof bundle_namespace);
    g_checksum_update(sha1, (const guint8 *)(r->id ? r->id : ""), -1);
    g_checksum_get_digest(sha1, digest, &len);
    digest[6] = (guint8)((digest[6] & 0x0f) | 0x50); /* version 5 */
    digest[8] = (guint8)((digest[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                           digest[0], digest[1], digest[2], digest[3], digest[4], digest[5],
                           digest[6], digest[7], digest[8], digest[9], digest[10], digest[11],
                           digest[12], digest[13], digest[14], digest[15]);
}

static gboolean known_field(const char *name, gsize len)
{
    for (guint i = 0; i < G_N_ELEMENTS(fields); i++)
        if (strlen(fields[i]) == len && strncmp(fields[i], name, len) == 0)
            return TRUE;
    return FALSE;
}

gboolean coroner_bundle_template_check(const char *t, GError **error)
{
    if (!t || !*t) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "the template is empty");
        return FALSE;
    }
    for (const char *p = t; *p; p++) {
        if (*p == '}') {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "“%s”: “}” without “{”", t);
            return FALSE;
        }
        if (*p != '{')
            continue;
        const char *end = strchr(p, '}');
        if (!end || !known_field(p + 1, (gsize)(end - p - 1))) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                        "“%s”: unknown field at “%s” (known: {uuid} {timestamp} {hostname} {exe} "
                        "{comm} {pid} {uid} {signal} {id} {container} {runtime} {app} {pod} "
                        "{namespace})",
                        t, p);
            return FALSE;
        }
        p = end;
    }
    return TRUE;
}

static void append_clean(GString *out, const char *value)
{
    if (!value || !*value) {
        g_string_append(out, "unknown");
        return;
    }
    for (const char *c = value; *c; c++) {
        gboolean keep = g_ascii_isalnum(*c) || *c == '-' || *c == '_' || (*c == '.' && c != value);
        g_string_append_c(out, keep ? *c : '_');
    }
}

static char *field_value(const char *name, const CoronerCrashRecord *r)
{
    const CoronerProcessInfo *p = &r->process;
    const CoronerContainerInfo *c = r->container;
    if (strcmp(name, "uuid") == 0)
        return coroner_bundle_uuid(r);
    if (strcmp(name, "timestamp") == 0) {
        g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(r->timestamp_usec / G_USEC_PER_SEC);
        return dt ? g_date_time_format(dt, "%Y%m%dT%H%M%SZ") : NULL;
    }
    if (strcmp(name, "hostname") == 0)
        return g_strdup(r->hostname);
    if (strcmp(name, "exe") == 0)
        return p->exe ? g_path_get_basename(p->exe) : g_strdup(p->comm);
    if (strcmp(name, "comm") == 0)
        return g_strdup(p->comm);
    if (strcmp(name, "pid") == 0)
        return g_strdup_printf("%" G_GINT64_FORMAT, p->pid);
    if (strcmp(name, "uid") == 0)
        return g_strdup_printf("%" G_GINT64_FORMAT, p->uid);
    if (strcmp(name, "signal") == 0)
        return r->signal.name ? g_strdup(r->signal.name) : g_strdup_printf("%d", r->signal.number);
    if (strcmp(name, "id") == 0)
        return g_strdup(r->id);
    if (strcmp(name, "container") == 0)
        return g_strdup(c && c->id ? c->id : "none");
    if (strcmp(name, "runtime") == 0)
        return g_strdup(c ? c->runtime : NULL);
    if (strcmp(name, "app") == 0)
        return g_strdup(c && c->app_id ? c->app_id : (r->app ? r->app->app_id : NULL));
    /* Pod names and namespaces need a CRI socket; the pod's UID is what the cgroup says. */
    if (strcmp(name, "pod") == 0)
        return g_strdup(c && c->pod_uid ? c->pod_uid : "none");
    if (strcmp(name, "namespace") == 0)
        return g_strdup("none");
    return NULL;
}

char *coroner_bundle_name(const char *t, const CoronerCrashRecord *r, GError **error)
{
    if (!coroner_bundle_template_check(t, error))
        return NULL;
    GString *out = g_string_new(NULL);
    for (const char *p = t; *p; p++) {
        if (*p == '{') {
            const char *end = strchr(p, '}');
            g_autofree char *name = g_strndup(p + 1, (gsize)(end - p - 1));
            g_autofree char *value = field_value(name, r);
            append_clean(out, value);
            p = end;
        } else if (g_ascii_isalnum(*p) || strchr("-_./", *p)) {
            g_string_append_c(out, *p);
        } else {
            g_string_append_c(out, '_');
        }
    }
    /* No empty, "." or ".." path segments, no leading "/". */
    g_auto(GStrv) segments = g_strsplit(out->str, "/", -1);
    g_string_truncate(out, 0);
    for (char **s = segments; *s; s++) {
        if (!**s || strcmp(*s, ".") == 0 || strcmp(*s, "..") == 0)
            continue;
        if (out->len)
            g_string_append_c(out, '/');
        g_string_append(out, *s);
    }
    if (out->len == 0)
        g_string_append(out, "unknown");
    if (out->len > NAME_MAX_BYTES)
        g_string_truncate(out, NAME_MAX_BYTES);
    g_string_append(out, CORONER_BUNDLE_SUFFIX);
    return g_string_free(out, FALSE);
}
