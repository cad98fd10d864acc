/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The outbox's directory: queuing, listing, bounds (see sentry-outbox.h). */
#include "sentry-outbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "sentry-envelope.h"
#include "sentry-event.h"
#include "sentry-outbox-private.h"
#include "sentry-ratelimit.h"

char *coroner_sentry_outbox_default_path(void)
{
    return g_build_filename(g_get_user_state_dir(), "coroner", "outbox", NULL);
}

CoronerSentryOutbox *coroner_sentry_outbox_open(const char *dir,
                                                const CoronerSentryOutboxPolicy *policy,
                                                GError **error)
{
    g_autofree char *path = dir ? g_strdup(dir) : coroner_sentry_outbox_default_path();
    if (g_mkdir_with_parents(path, 0700) < 0)
        return coroner_set_errno_error(error, errno, "Cannot create the outbox %s", path), NULL;
    int dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir_fd < 0)
        return coroner_set_errno_error(error, errno, "Cannot open the outbox %s", path), NULL;
    int sent_fd = coroner_open_subdir(dir_fd, SENT_DIR, 0700, "the outbox's " SENT_DIR, error);
    int rejected_fd = sent_fd >= 0 ? coroner_open_subdir(dir_fd, REJECTED_DIR, 0700,
                                                         "the outbox's " REJECTED_DIR, error)
                                   : -1;
    if (rejected_fd < 0) {
        if (sent_fd >= 0)
            close(sent_fd);
        close(dir_fd);
        return NULL;
    }
    CoronerSentryOutbox *o = g_new0(CoronerSentryOutbox, 1);
    o->path = g_steal_pointer(&path);
    o->dir_fd = dir_fd;
    o->sent_fd = sent_fd;
    o->rejected_fd = rejected_fd;
    if (policy)
        o->policy = *policy;
    if (!o->policy.max_count)
        o->policy.max_count = 50;
    if (!o->policy.max_bytes)
        o->policy.max_bytes = 256u << 20;
    if (!o->policy.max_age_sec)
        o->policy.max_age_sec = 30 * 24 * 3600;
    if (!o->policy.max_sent)
        o->policy.max_sent = 100;
    if (!o->policy.backoff_base_ms)
        o->policy.backoff_base_ms = 60 * 1000;
    if (!o->policy.backoff_max_ms)
        o->policy.backoff_max_ms = 6 * 3600 * 1000;
    return o;
}

void coroner_sentry_outbox_free(CoronerSentryOutbox *outbox)
{
    if (!outbox)
        return;
    close(outbox->dir_fd);
    close(outbox->sent_fd);
    close(outbox->rejected_fd);
    g_free(outbox->path);
    g_free(outbox);
}

const char *coroner_sentry_outbox_get_path(const CoronerSentryOutbox *outbox)
{
    return outbox->path;
}

const char *coroner_sentry_entry_state_name(CoronerSentryEntryState state)
{
    static const char *const names[] = {
        [CORONER_SENTRY_ENTRY_PENDING] = "pending",
        [CORONER_SENTRY_ENTRY_SENT] = "sent",
        [CORONER_SENTRY_ENTRY_REJECTED] = "rejected",
    };
    return (unsigned)state < G_N_ELEMENTS(names) ? names[state] : "unknown";
}

void coroner_sentry_outbox_entry_free(CoronerSentryOutboxEntry *entry)
{
    if (!entry)
        return;
    g_free(entry->event_id);
    g_free(entry->last_error);
    g_free(entry);
}

gint64 coroner_sentry_backoff_delay_ms(const CoronerSentryOutboxPolicy *policy, guint attempts)
{
    gint64 base = policy->backoff_base_ms > 0 ? policy->backoff_base_ms : 60 * 1000;
    gint64 max = policy->backoff_max_ms > 0 ? policy->backoff_max_ms : 6 * 3600 * 1000;
    gint64 delay = base;
    for (guint i = 1; i < attempts && delay < max; i++)
        delay *= 2;
    delay = MIN(delay, max);
    /* Jitter spreads the retries of many machines that went offline together. */
    return (gint64)((double)delay * g_random_double_range(0.5, 1.0));
}

/* ---- files ------------------------------------------------------------------ */

gboolean outbox_write_key_file(int dir_fd, const char *name, GKeyFile *kf, GError **error)
{
    gsize length = 0;
    g_autofree char *data = g_key_file_to_data(kf, &length, NULL);
    return coroner_replace_file_atomic_at(dir_fd, name, data, length, 0600, error);
}

/* A state or response file is a few lines; anything else (a FIFO, a huge file) reads as empty. */
#define KEY_FILE_MAX_BYTES (64u << 10)

GKeyFile *outbox_read_key_file(int dir_fd, const char *name)
{
    GKeyFile *kf = g_key_file_new();
    g_autofree char *text = NULL;
    gsize length = 0;
    /* Never blocks on a FIFO planted in the outbox, never follows a symlink. */
    if (coroner_read_file_at(dir_fd, name, KEY_FILE_MAX_BYTES, &text, &length, NULL))
        g_key_file_load_from_data(kf, text, length, G_KEY_FILE_NONE, NULL);
    return kf;
}

GBytes *outbox_read_fd(int fd, GError **error)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return coroner_set_errno_error(error, errno, "Cannot stat %s", "an envelope"), NULL;
    if (!S_ISREG(st.st_mode))
        return coroner_set_errno_error(error, EINVAL, "Cannot read %s", "an envelope that is not a regular file"), NULL;
    gsize size = (gsize)st.st_size;
    guint8 *data = g_malloc(size ? size : 1);
    gsize done = 0;
    while (done < size) {
        ssize_t n = pread(fd, data + done, size - done, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int err = n < 0 ? errno : EIO;
            g_free(data);
            return coroner_set_errno_error(error, err, "Cannot read %s", "an envelope"), NULL;
        }
        done += (gsize)n;
    }
    return g_bytes_new_take(data, size);
}

char *outbox_name_for(const char *event_id, const char *suffix)
{
    return g_strconcat(event_id, suffix, NULL);
}

static gboolean exists_at(int dir_fd, const char *name)
{
    struct stat st;
    return fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* "<32 hex>.envelope" → the event id, else NULL. */
static char *event_id_of(const char *name)
{
    if (!g_str_has_suffix(name, ENVELOPE_SUFFIX) ||
        strlen(name) != 32 + strlen(ENVELOPE_SUFFIX))
        return NULL;
    char *id = g_strndup(name, 32);
    if (!coroner_sentry_event_id_is_valid(id)) {
        g_free(id);
        return NULL;
    }
    return id;
}

/* ---- entries --------------------------------------------------------------- */


void outbox_entry_state_load(CoronerSentryOutbox *o, const char *event_id, EntryState *ret)
{
    g_autofree char *name = outbox_name_for(event_id, STATE_SUFFIX);
    g_autoptr(GKeyFile) kf = outbox_read_key_file(o->dir_fd, name);
    memset(ret, 0, sizeof *ret);
    ret->attempts = (guint)g_key_file_get_uint64(kf, STATE_GROUP, "Attempts", NULL);
    ret->next_attempt_usec = g_key_file_get_int64(kf, STATE_GROUP, "NextAttemptUsec", NULL);
    ret->created_usec = g_key_file_get_int64(kf, STATE_GROUP, "CreatedUsec", NULL);
    ret->last_status = (guint)g_key_file_get_uint64(kf, STATE_GROUP, "LastStatus", NULL);
    ret->last_error = g_key_file_get_string(kf, STATE_GROUP, "LastError", NULL);
}

gboolean outbox_entry_state_save(CoronerSentryOutbox *o, const char *event_id,
                                 const EntryState *s, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_key_file_set_uint64(kf, STATE_GROUP, "Attempts", s->attempts);
    g_key_file_set_int64(kf, STATE_GROUP, "NextAttemptUsec", s->next_attempt_usec);
    g_key_file_set_int64(kf, STATE_GROUP, "CreatedUsec", s->created_usec);
    g_key_file_set_uint64(kf, STATE_GROUP, "LastStatus", s->last_status);
    if (s->last_error)
        g_key_file_set_string(kf, STATE_GROUP, "LastError", s->last_error);
    g_autofree char *name = outbox_name_for(event_id, STATE_SUFFIX);
    return outbox_write_key_file(o->dir_fd, name, kf, error);
}

void outbox_entry_state_clear(EntryState *s)
{
    g_clear_pointer(&s->last_error, g_free);
}

GPtrArray *outbox_list_dir(CoronerSentryOutbox *o, int dir_fd, CoronerSentryEntryState state,
                           GError **error)
{
    GPtrArray *entries =
        g_ptr_array_new_with_free_func((GDestroyNotify)coroner_sentry_outbox_entry_free);
    DIR *d = coroner_opendir_at(dir_fd, ".");
    if (!d) {
        g_ptr_array_unref(entries);
        return coroner_set_errno_error(error, errno, "Cannot list %s", o->path), NULL;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        g_autofree char *id = event_id_of(de->d_name);
        struct stat st;
        if (!id || fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISREG(st.st_mode))
            continue;
        CoronerSentryOutboxEntry *e = g_new0(CoronerSentryOutboxEntry, 1);
        e->event_id = g_steal_pointer(&id);
        e->state = state;
        e->size = (guint64)st.st_size;
        e->created_usec = (gint64)st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
        if (state == CORONER_SENTRY_ENTRY_PENDING) {
            EntryState s;
            outbox_entry_state_load(o, e->event_id, &s);
            if (s.created_usec > 0)
                e->created_usec = s.created_usec;
            e->attempts = s.attempts;
            e->next_attempt_usec = s.next_attempt_usec;
            e->last_status = s.last_status;
            e->last_error = g_steal_pointer(&s.last_error);
        } else {
            g_autofree char *rname = outbox_name_for(e->event_id, RESPONSE_SUFFIX);
            g_autoptr(GKeyFile) kf = outbox_read_key_file(dir_fd, rname);
            e->last_status = (guint)g_key_file_get_uint64(kf, "Response", "Status", NULL);
            e->attempts = (guint)g_key_file_get_uint64(kf, "Response", "Attempts", NULL);
        }
        g_ptr_array_add(entries, e);
    }
    closedir(d);
    return entries;
}

int outbox_oldest_first(gconstpointer a, gconstpointer b)
{
    const CoronerSentryOutboxEntry *x = *(CoronerSentryOutboxEntry *const *)a;
    const CoronerSentryOutboxEntry *y = *(CoronerSentryOutboxEntry *const *)b;
    if (x->created_usec != y->created_usec)
        return x->created_usec < y->created_usec ? -1 : 1;
    return strcmp(x->event_id, y->event_id);
}

GPtrArray *coroner_sentry_outbox_list(CoronerSentryOutbox *o, GError **error)
{
    GPtrArray *all = outbox_list_dir(o, o->dir_fd, CORONER_SENTRY_ENTRY_PENDING, error);
    if (!all)
        return NULL;
    g_ptr_array_sort(all, outbox_oldest_first);
    int dirs[] = {o->sent_fd, o->rejected_fd};
    CoronerSentryEntryState states[] = {CORONER_SENTRY_ENTRY_SENT, CORONER_SENTRY_ENTRY_REJECTED};
    for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autoptr(GPtrArray) more = outbox_list_dir(o, dirs[i], states[i], error);
        if (!more) {
            g_ptr_array_unref(all);
            return NULL;
        }
        g_ptr_array_sort(more, outbox_oldest_first);
        g_ptr_array_extend_and_steal(all, g_steal_pointer(&more));
    }
    return all;
}

GBytes *coroner_sentry_outbox_get(CoronerSentryOutbox *o, const char *event_id, GError **error)
{
    if (!coroner_sentry_event_id_is_valid(event_id)) {
        g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DATA,
                    "“%s” is not an event id", event_id);
        return NULL;
    }
    g_autofree char *name = outbox_name_for(event_id, ENVELOPE_SUFFIX);
    int dirs[] = {o->dir_fd, o->sent_fd, o->rejected_fd};
    for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++) {
        int fd = openat(dirs[i], name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
            continue;
        GBytes *bytes = outbox_read_fd(fd, error);
        close(fd);
        return bytes;
    }
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No report %s in the outbox %s",
                event_id, o->path);
    return NULL;
}

/*
 * Claims a pending entry: an flock on its envelope file, and a check that the
 * name still refers to the file we locked (another sender may have moved it
 * to sent/ between our open and our lock).  Returns the locked fd, -EAGAIN
 * when another sender holds it, -ENOENT when it is gone.
 */
int outbox_claim(CoronerSentryOutbox *o, const char *event_id)
{
    g_autofree char *name = outbox_name_for(event_id, ENVELOPE_SUFFIX);
    int fd = openat(o->dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -ENOENT;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int err = errno == EWOULDBLOCK ? EAGAIN : errno;
        close(fd);
        return -err;
    }
    struct stat locked, named;
    if (fstat(fd, &locked) < 0 || fstatat(o->dir_fd, name, &named, AT_SYMLINK_NOFOLLOW) < 0 ||
        locked.st_ino != named.st_ino || locked.st_dev != named.st_dev) {
        close(fd);
        return -ENOENT;
    }
    return fd;
}

/* Removes a pending entry we hold the claim of. */
static void remove_pending(CoronerSentryOutbox *o, const char *event_id)
{
    g_autofree char *state = outbox_name_for(event_id, STATE_SUFFIX);
    g_autofree char *env = outbox_name_for(event_id, ENVELOPE_SUFFIX);
    unlinkat(o->dir_fd, env, 0);
    unlinkat(o->dir_fd, state, 0);
    fsync(o->dir_fd);
}

/* Drops stale temporary files, then pending entries beyond the bounds, oldest first. */
guint outbox_enforce_bounds(CoronerSentryOutbox *o, guint64 reserve_bytes, guint reserve_count,
                            gint64 now)
{
    g_autoptr(GPtrArray) pending = outbox_list_dir(o, o->dir_fd, CORONER_SENTRY_ENTRY_PENDING, NULL);
    if (!pending)
        return 0;
    g_ptr_array_sort(pending, outbox_oldest_first);

    DIR *d = coroner_opendir_at(o->dir_fd, ".");
    if (d) {
        struct dirent *de;
        struct stat st;
        while ((de = readdir(d)))
            if (g_str_has_prefix(de->d_name, TMP_PREFIX) &&
                fstatat(o->dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                (gint64)st.st_mtim.tv_sec * G_USEC_PER_SEC < now - STALE_TMP_USEC)
                unlinkat(o->dir_fd, de->d_name, 0);
        closedir(d);
    }

    guint64 bytes = reserve_bytes;
    guint count = reserve_count;
    for (guint i = 0; i < pending->len; i++) {
        const CoronerSentryOutboxEntry *e = pending->pdata[i];
        bytes += e->size;
        count++;
    }
    guint dropped = 0;
    for (guint i = 0; i < pending->len; i++) {
        const CoronerSentryOutboxEntry *e = pending->pdata[i];
        gboolean too_old = e->created_usec < now - o->policy.max_age_sec * G_USEC_PER_SEC;
        if (!too_old && count <= o->policy.max_count && bytes <= o->policy.max_bytes)
            continue;
        int claimed = outbox_claim(o, e->event_id);
        if (claimed < 0)
            continue; /* being sent right now, or already gone */
        remove_pending(o, e->event_id);
        close(claimed);
        bytes -= e->size;
        count--;
        dropped++;
    }
    return dropped;
}

/* Keeps the newest max_sent entries of sent/ or rejected/. */
void outbox_prune_done(CoronerSentryOutbox *o, int dir_fd)
{
    g_autoptr(GPtrArray) done = outbox_list_dir(o, dir_fd, CORONER_SENTRY_ENTRY_SENT, NULL);
    if (!done || done->len <= o->policy.max_sent)
        return;
    g_ptr_array_sort(done, outbox_oldest_first);
    for (guint i = 0; i + o->policy.max_sent < done->len; i++) {
        const CoronerSentryOutboxEntry *e = done->pdata[i];
        g_autofree char *env = outbox_name_for(e->event_id, ENVELOPE_SUFFIX);
        g_autofree char *resp = outbox_name_for(e->event_id, RESPONSE_SUFFIX);
        unlinkat(dir_fd, resp, 0);
        unlinkat(dir_fd, env, 0);
    }
}

/* Writes one pending entry (state, then envelope), unless its event_id is pending or sent already. */
static gboolean queue_one(CoronerSentryOutbox *o, const char *event_id, GBytes *envelope,
                          gint64 now, GError **error)
{
    g_autofree char *name = outbox_name_for(event_id, ENVELOPE_SUFFIX);
    if (exists_at(o->dir_fd, name) || exists_at(o->sent_fd, name))
        return TRUE;
    /* The state first: an envelope without it is simply due now, a state without an envelope is ignored. */
    EntryState s = {.created_usec = now};
    if (!outbox_entry_state_save(o, event_id, &s, error))
        return FALSE;
    gsize size = 0;
    const void *data = g_bytes_get_data(envelope, &size);
    /* Never over a queued envelope: one already there is this one. */
    g_autoptr(GError) local = NULL;
    if (!coroner_write_file_atomic_at(o->dir_fd, name, data, size, 0600, &local) &&
        !g_error_matches(local, G_IO_ERROR, G_IO_ERROR_EXISTS)) {
        g_propagate_prefixed_error(error, g_steal_pointer(&local), "Cannot queue in the outbox: ");
        return FALSE;
    }
    return TRUE;
}

/* An envelope (or its feedback, what) parsed, with the valid event_id its outbox name is made of. */
static CoronerSentryEnvelopeInfo *parse_queueable(GBytes *envelope, const char *what,
                                                  GError **error)
{
    g_autoptr(CoronerSentryEnvelopeInfo) info = coroner_sentry_envelope_parse(envelope, error);
    if (info && !coroner_sentry_event_id_is_valid(info->event_id)) {
        g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DATA,
                    "The %s has no valid event_id", what);
        return NULL;
    }
    return g_steal_pointer(&info);
}

gboolean coroner_sentry_outbox_add(CoronerSentryOutbox *o, GBytes *envelope, char **ret_event_id,
                                   GError **error)
{
    g_autoptr(CoronerSentryEnvelopeInfo) info = parse_queueable(envelope, "envelope", error);
    if (!info)
        return FALSE;
    if (!info->dsn) {
        g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_INVALID_DATA,
                    "The envelope names no DSN: the outbox would not know where to send it");
        return FALSE;
    }
    /*
     * A report's feedback goes in an envelope of its own (its own event_id in
     * the header): Relay reads one event-like item per envelope.  The two are
     * queued as two entries, each retried and rate-limited on its own.
     */
    g_autoptr(GBytes) main_bytes = NULL;
    g_autoptr(GBytes) feedback_bytes = NULL;
    if (!coroner_sentry_envelope_split_feedback(envelope, &main_bytes, &feedback_bytes, error))
        return FALSE;
    g_autoptr(CoronerSentryEnvelopeInfo) feedback_info = NULL;
    if (feedback_bytes) {
        feedback_info = parse_queueable(feedback_bytes, "envelope's feedback", error);
        if (!feedback_info)
            return FALSE;
    }
    gsize size = g_bytes_get_size(main_bytes) + (feedback_bytes ? g_bytes_get_size(feedback_bytes) : 0);
    if (size > o->policy.max_bytes) {
        g_set_error(error, CORONER_SENTRY_ERROR, CORONER_SENTRY_ERROR_OUTBOX,
                    "The report (%" G_GSIZE_FORMAT " bytes) is larger than the outbox allows "
                    "(%" G_GUINT64_FORMAT " bytes)",
                    size, o->policy.max_bytes);
        return FALSE;
    }
    g_autofree char *name = outbox_name_for(info->event_id, ENVELOPE_SUFFIX);
    if (exists_at(o->dir_fd, name) || exists_at(o->sent_fd, name)) {
        if (ret_event_id)
            *ret_event_id = g_strdup(info->event_id);
        return TRUE;
    }
    gint64 now = g_get_real_time();
    outbox_enforce_bounds(o, size, feedback_bytes ? 2 : 1, now);

    /*
     * The feedback first: if we die in between, the caller's add failed and
     * its retry queues the report (the feedback is there already), rather
     * than a report queued whose comment is lost.
     */
    if (feedback_bytes && !queue_one(o, feedback_info->event_id, feedback_bytes, now, error))
        return FALSE;
    if (!queue_one(o, info->event_id, main_bytes, now, error))
        return FALSE;
    if (ret_event_id)
        *ret_event_id = g_strdup(info->event_id);
    return TRUE;
}
