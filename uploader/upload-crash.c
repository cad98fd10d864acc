/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "upload-crash.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "bundle-name.h"
#include "bundle.h"
#include "fs-util.h"
#include "log.h"

/* S3 allows 10,000 parts; leave room for the bundle's non-core members and misestimates. */
#define PARTS_PLANNED 9000

typedef struct {
    Uploader *u;
    const char *entry_id;
    const char *key;
    guint8 *buffer;
    gsize part_size;
    gsize fill;
    char *upload_id;
    GPtrArray *etags;
    EVP_MD_CTX *whole;
    uint64_t total;
} Transfer;

void upload_result_clear(UploadResult *r)
{
    g_clear_pointer(&r->key, g_free);
}

static gboolean send_part(Transfer *t, GError **error)
{
    if (!t->upload_id) {
        if (!s3_multipart_create(t->u->s3, t->key, &t->upload_id, error))
            return FALSE;
        g_autoptr(GError) local = NULL;
        if (!upload_state_set_pending(t->u->state, t->entry_id, t->key, t->upload_id, &local))
            coroner_log(LOG_WARNING, "%s: cannot note the pending upload: %s", t->entry_id,
                        local->message);
    }
    unsigned number = t->etags->len + 1;
    if (number > 10000) {
        g_set_error(error, S3_ERROR, S3_ERROR_REFUSED, "%s: more than 10,000 parts", t->key);
        return FALSE;
    }
    char *etag = NULL;
    if (!s3_multipart_upload_part(t->u->s3, t->key, t->upload_id, number, t->buffer, t->fill,
                                  &etag, error))
        return FALSE;
    g_ptr_array_add(t->etags, etag);
    t->fill = 0;
    return TRUE;
}

/* The bundle writer's sink: fill the part buffer, send it when full. */
static gboolean transfer_sink(const void *data, gsize length, gpointer user_data, GError **error)
{
    Transfer *t = user_data;
    const guint8 *p = data;
    EVP_DigestUpdate(t->whole, data, length);
    t->total += length;
    while (length > 0) {
        gsize n = MIN(length, t->part_size - t->fill);
        memcpy(t->buffer + t->fill, p, n);
        t->fill += n;
        p += n;
        length -= n;
        if (t->fill == t->part_size && !send_part(t, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean transfer_finish(Transfer *t, GError **error)
{
    if (!t->upload_id)
        return s3_put_object(t->u->s3, t->key, t->buffer, t->fill, error);
    if (t->fill > 0 && !send_part(t, error))
        return FALSE;
    return s3_multipart_complete(t->u->s3, t->key, t->upload_id, t->etags, error);
}

/* What the bundle will roughly weigh: the core as stored plus the record's size. */
static gsize part_size_for(const CoronerCrashRecord *r, gsize record_bytes, gsize configured)
{
    uint64_t estimate = r->core.stored_size + record_bytes + (1u << 20);
    uint64_t needed = estimate / PARTS_PLANNED + 1;
    /* Round up to whole MiB. */
    needed = (needed + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);
    return (gsize)MAX((uint64_t)configured, needed);
}

static void delete_entry(Uploader *u, const CoronerCrashRecord *r, const char *record_name)
{
    /* The record last: an entry with a record but no core is still a crash to list. */
    g_autofree char *stack = g_strconcat(r->id, CORONER_STACK_SUFFIX, NULL);
    const char *names[] = {r->core.file, stack, record_name};
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        if (!names[i])
            continue;
        if (unlinkat(u->store->dir_fd, names[i], 0) < 0 && errno != ENOENT)
            coroner_log(LOG_WARNING, "DeleteAfterUpload: cannot remove %s from the store: %s",
                        names[i], g_strerror(errno));
    }
}

gboolean upload_crash(Uploader *u, const char *entry_id, const char *record_name,
                      UploadResult *ret, GError **error)
{
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_load_at(u->store->dir_fd, record_name,
                                                                   error);
    if (!r)
        return FALSE;
    g_autofree char *key = coroner_bundle_name(u->config->filename_template, r, error);
    if (!key)
        return FALSE;

    /* Shared entry lock on the core: its writer holds it exclusively until the record is in. */
    int core_fd = -1;
    if (r->core.file) {
        core_fd = openat(u->store->dir_fd, r->core.file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (core_fd < 0 && errno != ENOENT) {
            int e = errno;
            coroner_set_errno_error(error, e, "cannot open %s", r->core.file);
            return FALSE;
        }
        if (core_fd < 0) {
            /* Vacuumed between the listing and now: the crash still goes, without its core. */
            coroner_crash_record_add_error(r, "the core %s left the store before it was uploaded",
                                           r->core.file);
            g_clear_pointer(&r->core.file, g_free);
        } else {
            int e = coroner_store_lock_core(core_fd, FALSE);
            if (e == -EWOULDBLOCK) {
                close(core_fd);
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_BUSY, "%s is still being written",
                            r->core.file);
                return FALSE;
            }
        }
    }

    struct stat st;
    gsize record_bytes = fstatat(u->store->dir_fd, record_name, &st, AT_SYMLINK_NOFOLLOW) == 0
                             ? (gsize)st.st_size
                             : 0;
    Transfer t = {
        .u = u,
        .entry_id = entry_id,
        .key = key,
        .part_size = part_size_for(r, record_bytes, (gsize)u->config->part_size),
        .etags = g_ptr_array_new_with_free_func(g_free),
        .whole = EVP_MD_CTX_new(),
    };
    t.buffer = g_malloc(t.part_size);
    EVP_DigestInit_ex(t.whole, EVP_sha256(), NULL);

    CoronerBundleOptions options;
    coroner_bundle_options_init(&options);
    /* A bundle without a core is still a crash to send (core.state none or missing). */
    gboolean ok = coroner_bundle_write(u->store->dir_fd, r, core_fd, &options, transfer_sink, &t,
                                       NULL, error) &&
                  transfer_finish(&t, error);
    if (core_fd >= 0)
        close(core_fd);

    if (!ok && t.upload_id) {
        g_autoptr(GError) abort_error = NULL;
        if (!s3_multipart_abort(u->s3, key, t.upload_id, &abort_error))
            coroner_log(LOG_WARNING, "%s: could not abort the multipart upload (the next start "
                                     "tries again): %s",
                        key, abort_error->message);
        else
            upload_state_clear_pending(u->state, entry_id);
    }
    if (ok) {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        EVP_DigestFinal_ex(t.whole, digest, &len);
        for (unsigned i = 0; i < 32; i++)
            g_snprintf(ret->sha256 + 2 * i, 3, "%02x", digest[i]);
        ret->size = t.total;
        ret->parts = t.etags->len;
        ret->key = g_strdup(key);
        ok = upload_state_mark_uploaded(u->state, entry_id, key, t.total, ret->sha256, error);
        upload_state_clear_pending(u->state, entry_id);
        if (ok && u->config->delete_after_upload) {
            delete_entry(u, r, record_name);
            ret->deleted = TRUE;
        }
    }
    g_free(t.buffer);
    g_free(t.upload_id);
    g_ptr_array_unref(t.etags);
    EVP_MD_CTX_free(t.whole);
    return ok;
}

void upload_abort_leftovers(Uploader *u)
{
    g_autoptr(GHashTable) pending = upload_state_list_pending(u->state);
    GHashTableIter it;
    gpointer id, text;
    g_hash_table_iter_init(&it, pending);
    while (g_hash_table_iter_next(&it, &id, &text)) {
        g_auto(GStrv) lines = g_strsplit(text, "\n", 3);
        if (!lines[0] || !lines[1] || !*lines[1]) {
            upload_state_clear_pending(u->state, id);
            continue;
        }
        g_autoptr(GError) error = NULL;
        if (s3_multipart_abort(u->s3, lines[0], lines[1], &error) ||
            g_error_matches(error, S3_ERROR, S3_ERROR_REFUSED)) {
            coroner_log(LOG_INFO, "aborted the unfinished upload of %s from an earlier run",
                        lines[0]);
            upload_state_clear_pending(u->state, id);
        } else {
            coroner_log(LOG_WARNING, "cannot abort the unfinished upload of %s yet: %s", lines[0],
                        error->message);
        }
    }
}
