/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coroner-upload: sends every stored crash not yet sent, as one bundle
 * object each, to an S3-compatible bucket ([Upload] of coroner.conf,
 * docs/upload.md).
 *
 * When: once (--once, or when no trigger is configured), every Interval=,
 * at the minutes of Schedule= (cron), and with Watch=yes as soon as a new
 * record appears in the store (inotify).  A pass that could not send
 * everything is tried again with backoff (5 s doubling to 5 min) until one
 * succeeds; what was sent is remembered in the state directory, so nothing
 * is sent twice after a restart and nothing is lost after a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-config.h"
#include "config.h"
#include "fs-util.h"
#include "log.h"
#include "s3-client.h"
#include "schedule.h"
#include "store.h"
#include "upload-crash.h"
#include "upload-state.h"

#define EXIT_USAGE 2
#define EXIT_CONFIG 3
#define RETRY_MIN_USEC (5 * G_USEC_PER_SEC)
#define RETRY_MAX_USEC (300 * G_USEC_PER_SEC)
/* A new record is followed by nothing else of its entry; a short pause groups a burst. */
#define WATCH_SETTLE_MS 200

typedef struct {
    unsigned uploaded;
    unsigned failed;   /* worth trying again */
    unsigned refused;  /* the server said no: needs the admin */
    unsigned busy;     /* still being written */
} PassResult;

static char *read_secret(const char *path, GError **error)
{
    if (!path) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "[Upload] SecretAccessKeyFile= is not set");
        return NULL;
    }
    g_autofree char *text = NULL;
    gsize len;
    if (!coroner_read_file_at(AT_FDCWD, path, 4096, &text, &len, error)) {
        g_prefix_error(error, "[Upload] SecretAccessKeyFile=%s: ", path);
        return NULL;
    }
    g_strstrip(text);
    if (!*text || strchr(text, '\n')) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "[Upload] SecretAccessKeyFile=%s: must hold the secret alone, on one line",
                    path);
        return NULL;
    }
    return g_steal_pointer(&text);
}

/* One pass over the store: every entry with a record that is not marked uploaded. */
static PassResult upload_pass(Uploader *u, const char *store_path)
{
    PassResult result = {0};
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerStore) store = coroner_store_open(store_path, FALSE, &error);
    if (!store) {
        /* No store yet means no crash yet. */
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND)) {
            coroner_log(LOG_ERR, "%s", error->message);
            result.failed++;
        }
        return result;
    }
    g_autoptr(GPtrArray) entries = coroner_store_list(store, &error);
    if (!entries) {
        coroner_log(LOG_ERR, "cannot list the store: %s", error->message);
        result.failed++;
        return result;
    }
    u->store = store;
    g_autoptr(GHashTable) present = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < entries->len; i++) {
        CoronerStoreEntry *e = entries->pdata[i];
        g_hash_table_add(present, e->id);
        /* Without a record the entry is being written, or its writer died: not ours to send. */
        if (!e->record_name || upload_state_is_uploaded(u->state, e->id))
            continue;
        UploadResult up = {0};
        g_autoptr(GError) local = NULL;
        gint64 start = g_get_monotonic_time();
        if (upload_crash(u, e->id, e->record_name, &up, &local)) {
            double seconds = (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
            coroner_log(LOG_INFO, "uploaded %s as %s (%" G_GUINT64_FORMAT " bytes, %s, %.1f s)",
                        e->id, up.key, up.size,
                        up.parts ? "multipart" : "single request", seconds);
            result.uploaded++;
            if (up.deleted)
                g_hash_table_remove(present, e->id);
        } else if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_BUSY)) {
            coroner_log(LOG_INFO, "%s: %s; later", e->id, local->message);
            result.busy++;
        } else if (g_error_matches(local, S3_ERROR, S3_ERROR_REFUSED)) {
            coroner_log(LOG_ERR, "%s not uploaded: %s", e->id, local->message);
            result.refused++;
        } else {
            coroner_log(LOG_WARNING, "%s not uploaded (will try again): %s", e->id,
                        local->message);
            result.failed++;
        }
        upload_result_clear(&up);
    }
    upload_state_prune(u->state, present);
    u->store = NULL;
    return result;
}

static int add_watch(int inotify_fd, const char *store_path)
{
    return inotify_add_watch(inotify_fd, store_path,
                             IN_MOVED_TO | IN_CREATE | IN_CLOSE_WRITE | IN_ONLYDIR);
}

/* Drains inotify; TRUE when a record (*.json) appeared. */
static gboolean read_events(int fd)
{
    gboolean record = FALSE;
    char buffer[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(fd, buffer, sizeof buffer);
        if (n <= 0)
            break;
        for (char *p = buffer; p < buffer + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            if (ev->len && g_str_has_suffix(ev->name, CORONER_RECORD_SUFFIX))
                record = TRUE;
            if (ev->mask & IN_Q_OVERFLOW)
                record = TRUE;
            p += sizeof *ev + ev->len;
        }
    }
    return record;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    coroner_log_setup("coroner-upload");
    signal(SIGPIPE, SIG_IGN);
    umask(0077);

    g_autofree char *config_path = NULL, *store_path = NULL, *state_dir = NULL;
    gboolean once = FALSE, version = FALSE;
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
         "Configuration file (default " CORONER_DEFAULT_CONFIG ")", "PATH"},
        {"store", 0, 0, G_OPTION_ARG_FILENAME, &store_path,
         "The crash store, instead of [Store] Path=", "DIR"},
        {"state-directory", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
         "Where to remember what was uploaded (default $STATE_DIRECTORY, else "
         CORONER_UPLOAD_STATE_DIR ")",
         "DIR"},
        {"once", 0, 0, G_OPTION_ARG_NONE, &once,
         "Upload what is pending, then exit (exit status 1 if anything could not be uploaded)",
         NULL},
        {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Show the version", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) oc = g_option_context_new(NULL);
    g_option_context_set_summary(
        oc, "Uploads every stored crash not yet uploaded, as one zip bundle each, to the\n"
            "S3-compatible bucket of [Upload] in coroner.conf (Endpoint=, Bucket=, Region=,\n"
            "AccessKeyId=, SecretAccessKeyFile=, PathStyle=, FilenameTemplate=,\n"
            "DeleteAfterUpload=, PartSize=).  It runs once with --once or when no trigger is\n"
            "configured, else keeps running: every Interval=, at the minutes of Schedule=\n"
            "(cron: minute hour day month weekday), and with Watch=yes as soon as a crash\n"
            "is stored.");
    g_option_context_set_description(
        oc, "Exit status: 0 done; 1 something could not be uploaded (--once); 2 bad usage;\n"
            "3 bad configuration (missing keys, unreadable secret, bad Schedule=).\n"
            "See coroner-upload(8) and docs/upload.md.");
    g_option_context_add_main_entries(oc, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &error) || argc > 1) {
        g_printerr("coroner-upload: %s\n", error ? error->message : "unexpected arguments");
        return EXIT_USAGE;
    }
    if (version) {
        printf("coroner-upload %s\n", CORONER_VERSION);
        return 0;
    }

    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(CoronerConfig) config =
        coroner_config_load(config_path ? config_path : CORONER_DEFAULT_CONFIG, problems);
    for (guint i = 0; i < problems->len; i++)
        coroner_log(LOG_WARNING, "bad configuration, using the default instead: %s",
                    (char *)problems->pdata[i]);
    const CoronerUploadConfig *uc = &config->upload;
    const char *store = store_path ? store_path : config->store_path;
    const char *state_path = state_dir ? state_dir
                             : g_getenv("STATE_DIRECTORY") ? g_getenv("STATE_DIRECTORY")
                                                           : CORONER_UPLOAD_STATE_DIR;
    /* systemd passes several directories colon-separated; ours is the first. */
    g_auto(GStrv) state_paths = g_strsplit(state_path, ":", 2);

    g_autofree char *secret = read_secret(uc->secret_access_key_file, &error);
    g_autoptr(CronSchedule) schedule = NULL;
    if (secret && uc->schedule)
        schedule = cron_schedule_parse(uc->schedule, &error);
    S3Options s3o = {
        .endpoint = uc->endpoint,
        .bucket = uc->bucket,
        .region = uc->region,
        .access_key_id = uc->access_key_id,
        .secret_access_key = secret,
        .path_style = uc->path_style,
        .attempts = 4,
        .backoff_ms = 500,
    };
    g_autoptr(S3Client) s3 = NULL;
    if (!error && (secret && (!uc->schedule || schedule)))
        s3 = s3_client_new(&s3o, &error);
    g_autoptr(UploadState) state = s3 ? upload_state_open(state_paths[0], &error) : NULL;
    if (!state) {
        coroner_log(LOG_ERR, "%s", error->message);
        return EXIT_CONFIG;
    }
    if (secret)
        explicit_bzero(secret, strlen(secret));

    Uploader u = {.s3 = s3, .state = state, .config = uc};
    upload_abort_leftovers(&u);

    gboolean daemon = !once && (uc->watch || uc->interval_usec || schedule);
    if (!daemon) {
        PassResult r = upload_pass(&u, store);
        coroner_log(LOG_INFO, "%u uploaded, %u failed, %u refused, %u still being written",
                    r.uploaded, r.failed, r.refused, r.busy);
        return r.failed || r.refused || r.busy ? 1 : 0;
    }

    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    int ifd = uc->watch ? inotify_init1(IN_CLOEXEC | IN_NONBLOCK) : -1;
    int wd = ifd >= 0 ? add_watch(ifd, store) : -1;
    if (uc->watch && wd < 0)
        coroner_log(LOG_WARNING, "cannot watch %s yet (%s): looking again every 30 s", store,
                    g_strerror(errno));
    coroner_log(LOG_INFO, "running:%s%s%s", uc->watch ? " watching the store" : "",
                uc->interval_usec ? " on an interval" : "", schedule ? " on a schedule" : "");

    gint64 now = g_get_real_time();
    gint64 next_interval = uc->interval_usec ? now + (gint64)uc->interval_usec : G_MAXINT64;
    gint64 next_cron = schedule ? cron_schedule_next(schedule, now) : -1;
    gint64 retry_at = G_MAXINT64, retry_delay = RETRY_MIN_USEC;
    gboolean run = TRUE; /* a pass at start: whatever waited while we were not running */
    for (;;) {
        if (run) {
            PassResult r = upload_pass(&u, store);
            if (r.failed || r.busy) {
                retry_at = g_get_real_time() + retry_delay;
                coroner_log(LOG_INFO, "trying again in %" G_GINT64_FORMAT " s",
                            retry_delay / G_USEC_PER_SEC);
                retry_delay = MIN(retry_delay * 2, RETRY_MAX_USEC);
            } else {
                retry_at = G_MAXINT64;
                retry_delay = RETRY_MIN_USEC;
            }
            run = FALSE;
        }
        now = g_get_real_time();
        gint64 wake = MIN(retry_at, next_interval);
        if (next_cron >= 0)
            wake = MIN(wake, next_cron);
        if (uc->watch && wd < 0)
            wake = MIN(wake, now + 30 * G_USEC_PER_SEC);
        int timeout = wake == G_MAXINT64 ? -1
                                         : (int)CLAMP((wake - now + 999) / 1000, 0, 3600000);
        struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = ifd, .events = POLLIN}};
        int n = poll(fds, ifd >= 0 ? 2 : 1, timeout);
        if (n < 0 && errno != EINTR) {
            coroner_log(LOG_ERR, "poll: %s", g_strerror(errno));
            return 1;
        }
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == sizeof si) {
                coroner_log(LOG_INFO, "stopping (signal %u)", si.ssi_signo);
                return 0;
            }
        }
        now = g_get_real_time();
        if (ifd >= 0 && (fds[1].revents & POLLIN) && read_events(ifd)) {
            /* Records of a burst of crashes arrive together: take them in one pass. */
            g_usleep(WATCH_SETTLE_MS * 1000);
            (void)read_events(ifd);
            run = TRUE;
        }
        if (uc->watch && wd < 0 && (wd = add_watch(ifd, store)) >= 0)
            run = TRUE;
        if (now >= retry_at)
            run = TRUE;
        if (now >= next_interval) {
            run = TRUE;
            next_interval = now + (gint64)uc->interval_usec;
        }
        if (next_cron >= 0 && now >= next_cron) {
            run = TRUE;
            next_cron = cron_schedule_next(schedule, now);
        }
    }
}
