/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * coroner-handler: the kernel's core_pattern pipe handler.
 *
 * The kernel starts us as root with the core on stdin and the crashed process
 * frozen until we have read it.  The order of work follows from that:
 *
 *   1. read /proc/PID (proven to be the crashed process through the %F pidfd)
 *      while it still exists;
 *   2. stream the core into the store from a child that has dropped root,
 *      because the core is the crashed program's memory: untrusted bytes;
 *   3. link the finished core into place (never a partial one), write the
 *      crash record beside it, vacuum;
 *   4. tell journald, from a child with a time limit, so a dead journald can
 *      never hold up or lose a crash: the store alone is complete.
 *
 * We never dump core ourselves (PR_SET_DUMPABLE 0), and the kernel gives us
 * RLIMIT_CORE 1, which it treats as "do not pipe": a crash of ours cannot loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include "config.h"
#include "core-stream.h"
#include "build-config.h"
#include "crash-record.h"
#include "fs-util.h"
#include "handler-args.h"
#include "handler-install.h"
#include "hook-metadata.h"
#include "journal-writer.h"
#include "log.h"
#include "privileges.h"
#include "proc-info.h"
#include "sandbox.h"
#include "store.h"
#include "trust.h"
#include "symbolize.h"
#include "vacuum.h"

#define EXIT_USAGE 64
/* Stacks and module headers of even a thousand threads fit; past it the stack core thins out. */
#define STACK_CORE_MAX (64u << 20)
/* A bigger pipe means fewer wake-ups between the dumping kernel and us. */
#define PIPE_SIZE (1 << 20)

/* Fills the record from what the kernel told us on the command line. */
static void record_from_args(CoronerCrashRecord *r, const CoronerKernelArgs *a)
{
    char boot[SD_ID128_STRING_MAX];
    sd_id128_t id;
    if (sd_id128_get_boot(&id) >= 0)
        r->boot_id = g_strdup(sd_id128_to_string(id, boot));
    else
        r->boot_id = g_strdup("00000000000000000000000000000000");
    r->timestamp_usec = (int64_t)(a->timestamp_sec * G_USEC_PER_SEC);
    r->hostname = g_strdup(a->hostname);
    r->process.pid = a->pid;
    r->process.tid = a->tid;
    r->process.uid = a->uid;
    r->process.gid = a->gid;
    r->process.dumpable = a->dumpable;
    r->process.rlimit_core = a->rlimit;
    r->process.comm = g_strdup(a->comm);
    r->signal.number = a->signal;
    r->signal.name = coroner_signal_name(a->signal);
}

/* Returns /proc/PID as an open directory (or -1), having read the process's metadata. */
static int collect_proc(CoronerCrashRecord *r, const CoronerKernelArgs *a)
{
    gboolean verified = FALSE;
    g_autoptr(GError) error = NULL;
    int proc_fd = coroner_proc_open(a->pid, a->pidfd, &verified, &error);
    if (proc_fd < 0) {
        coroner_crash_record_add_error(r, "no /proc metadata: %s", error->message);
        coroner_log(LOG_WARNING, "PID %d: no /proc metadata: %s", (int)a->pid, error->message);
        return -1;
    }
    if (!verified)
        coroner_crash_record_add_error(r, "no pidfd was passed (%%F): /proc/%d was not proven "
                                          "to be the crashed process",
                                       (int)a->pid);
    coroner_proc_collect(proc_fd, a->pid, r);
    return proc_fd;
}

/*
 * Copies libcoroner-hook's region out of the process while the kernel still
 * holds it.  Only copying happens here, as root; parse_hook_metadata()
 * interprets the bytes later, unprivileged.
 */
static GBytes *read_hook_metadata(int proc_fd, CoronerCrashRecord *r)
{
    uint64_t start, size;
    g_autoptr(GError) error = NULL;
    if (proc_fd < 0)
        return NULL;
    if (!coroner_hook_metadata_find(proc_fd, &start, &size, &error)) {
        if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
            coroner_crash_record_add_error(r, "hook metadata: %s", error->message);
        return NULL;
    }
    GBytes *raw = coroner_hook_metadata_read_raw(proc_fd, start, size, &error);
    if (!raw)
        coroner_crash_record_add_error(r, "hook metadata: %s", error->message);
    return raw;
}

typedef struct {
    GBytes *raw;
    int64_t pid;
    int signal_number;
} HookParse;

/* Runs in the sandbox: the blob is the crashed app's memory, untrusted. */
static gboolean parse_hook_in_sandbox(gpointer data, CoronerCrashRecord *out, GError **error)
{
    HookParse *h = data;
    CoronerHookCrash crash;
    out->app = coroner_hook_metadata_parse_full(h->raw, h->pid, &crash, error);
    if (!out->app)
        return FALSE;
    out->signal.number = h->signal_number;
    coroner_hook_crash_apply_signal(&crash, &out->signal);
    out->app->hook_tid = crash.tid;
    out->app->sender_pid = crash.has_sender ? crash.sender_pid : -1;
    out->app->sender_uid = crash.has_sender ? crash.sender_uid : -1;
    out->app->emergency_save = g_strdup(crash.emergency_save);
    out->app->previous_handler = g_strdup(crash.previous_handler);
    out->app->restart = g_strdup(crash.restart);
    out->app->transport = g_strdup(crash.transport);
    if (crash.dropped_slots)
        coroner_crash_record_add_error(out, "hook metadata: %u entries were being updated at the "
                                            "crash and were dropped",
                                       crash.dropped_slots);
    if (crash.truncated_buffers)
        coroner_crash_record_add_error(out, "hook metadata: %u registered buffers were cut or "
                                            "unreadable",
                                       crash.truncated_buffers);
    return TRUE;
}

static void parse_hook_metadata(GBytes *raw, uid_t uid, gid_t gid, CoronerCrashRecord *r)
{
    HookParse h = {.raw = raw, .pid = r->process.pid, .signal_number = r->signal.number};
    CoronerSandboxLimits limits = {
        .drop_privileges = TRUE,
        .uid = uid,
        .gid = gid,
        .address_space = 256u << 20,
        .cpu_seconds = 5,
        .timeout_ms = 5000,
        .max_output = 16u << 20,
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerCrashRecord) parsed = coroner_sandbox_run(&limits, parse_hook_in_sandbox, &h, &error);
    if (!parsed) {
        coroner_crash_record_add_error(r, "hook metadata: %s", error->message);
        return;
    }
    r->app = g_steal_pointer(&parsed->app);
    r->signal.has_code = parsed->signal.has_code;
    r->signal.code = parsed->signal.code;
    r->signal.has_address = parsed->signal.has_address;
    r->signal.address = parsed->signal.address;
    for (guint i = 0; i < parsed->errors->len; i++)
        g_ptr_array_add(r->errors, g_strdup(parsed->errors->pdata[i]));
}

/* Runs core_stream() in a child that has given up root, and returns its result. */
static gboolean stream_unprivileged(int out_fd, const CoreStreamOptions *options, uid_t uid,
                                    gid_t gid, CoreStreamResult *ret, GError **error)
{
    int result_pipe[2];
    if (pipe2(result_pipe, O_CLOEXEC) < 0) {
        int e = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "pipe: %s", g_strerror(e));
        return FALSE;
    }
    pid_t child = fork();
    if (child < 0) {
        int e = errno;
        close(result_pipe[0]);
        close(result_pipe[1]);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "fork: %s", g_strerror(e));
        return FALSE;
    }
    if (child == 0) {
        close(result_pipe[0]);
        int r = coroner_drop_privileges(uid, gid);
        if (r < 0) {
            coroner_log(LOG_ERR, "cannot drop privileges to %u:%u: %s", (unsigned)uid,
                        (unsigned)gid, g_strerror(-r));
            _exit(1);
        }
        CoreStreamResult result;
        core_stream(STDIN_FILENO, out_fd, options, &result);
        _exit(coroner_write_all(result_pipe[1], &result, sizeof result) < 0 ? 1 : 0);
    }
    close(result_pipe[1]);
    CoreStreamResult result;
    ssize_t n = coroner_read_full(result_pipe[0], &result, sizeof result);
    close(result_pipe[0]);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof result) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                    "the unprivileged core writer failed (%s %d)",
                    WIFSIGNALED(status) ? "signal" : "exit status",
                    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        return FALSE;
    }
    *ret = result;
    return TRUE;
}

/*
 * The kernel keeps the crashed process (and its /proc entry) until the last
 * reader of the core pipe closes it.  Once the core is in the store nothing
 * more is needed from it, so let it go before the slower work (record,
 * journal) instead of making the user's session wait.
 */
static void release_crashed_process(void)
{
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        close(null_fd);
    }
}

/* Which limit a core ran into: the configured MaxUse, or the file system's free space. */
static char *describe_budget(const CoronerStoreSpace *space, const CoreStreamResult *result)
{
    uint64_t by_use = space->usage < space->max_use ? space->max_use - space->usage : 0;
    uint64_t by_free = space->fs_free > space->keep_free ? space->fs_free - space->keep_free : 0;
    if (by_free <= by_use)
        return g_strdup_printf("not enough space on the store's file system: %" G_GUINT64_FORMAT
                               " bytes free, %" G_GUINT64_FORMAT " to keep free (KeepFree), "
                               "and the core needed more than the %" G_GUINT64_FORMAT
                               " bytes written",
                               space->fs_free, space->keep_free, result->bytes_out);
    return g_strdup_printf("the store reached its size limit: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                           " bytes (MaxUse) in use, and the core needed more than the %" G_GUINT64_FORMAT
                           " bytes written",
                           space->usage, space->max_use, result->bytes_out);
}

static uint64_t min3(uint64_t a, uint64_t b, uint64_t c)
{
    return MIN(a, MIN(b, c));
}

/* Stores the core from stdin as record->id + ".zst"; the record says how it went. */
static void store_core(CoronerStore *store, const CoronerConfig *config,
                       const CoronerKernelArgs *args, uid_t parse_uid, gid_t parse_gid,
                       int64_t reader_uid, CoronerCrashRecord *r)
{
    CoronerCoreInfo *core = &r->core;
    core->compression = g_strdup(config->compress ? "zstd" : "none");

    if (args->rlimit == 0) {
        core->state = CORONER_CORE_NONE;
        core->reason = g_strdup("RLIMIT_CORE is 0: the process asked for no core");
        return;
    }

    g_autoptr(GError) error = NULL;
    CoronerStoreSpace space;
    if (!coroner_store_space(store, config, &space, &error)) {
        core->state = CORONER_CORE_MISSING;
        core->reason = g_strdup(error->message);
        return;
    }

    if (parse_uid == (uid_t)-1) {
        core->state = CORONER_CORE_MISSING;
        core->reason = g_strdup("no unprivileged account to write the core as");
        return;
    }

    CoronerTmpfile tmp, stack;
    if (!coroner_tmpfile_open(store->dir_fd, 0600, &tmp, &error)) {
        core->state = CORONER_CORE_MISSING;
        core->reason = g_strdup(error->message);
        return;
    }
    gboolean have_stack = coroner_tmpfile_open(store->dir_fd, 0600, &stack, NULL);
    /*
     * The entry lock, held until the finished core is linked and tmp.fd
     * closed.  Not longer: every child forked while an fd of it is open
     * (the sandboxes, their detached cache writers) would hold it too.
     */
    (void)coroner_store_lock_core(tmp.fd, TRUE);

    CoreStreamOptions options = {
        .compress = config->compress,
        .level = CORE_STREAM_ZSTD_LEVEL,
        /* Measured (bench/ingest): 2 workers beat 1 by ~20% at the same size and +4 MiB RSS. */
        .workers = (int)MIN(g_get_num_processors(), 4u),
        .limit = min3(args->rlimit, config->process_size_max, config->external_size_max),
        .budget = coroner_store_budget(&space),
        .stack_fd = have_stack ? stack.fd : -1,
        .stack_max = STACK_CORE_MAX,
    };
    CoreStreamResult result;
    gboolean streamed = stream_unprivileged(tmp.fd, &options, parse_uid, parse_gid, &result, &error);
    release_crashed_process();
    /*
     * A stack core with a warning (e.g. a gcore-made core whose notes come
     * after the memory) would give a worse backtrace than the core itself:
     * without one, readers fall back to the full core.
     */
    if (!streamed || !result.stack_ok || result.stack_warning[0]) {
        if (streamed && result.stack_warning[0])
            coroner_crash_record_add_error(r, "no stack core: %s", result.stack_warning);
        if (have_stack)
            coroner_tmpfile_discard(&stack);
        have_stack = FALSE;
    }
    if (!streamed) {
        coroner_tmpfile_discard(&tmp);
        core->state = CORONER_CORE_MISSING;
        core->reason = g_strdup(error->message);
        return;
    }

    g_autofree char *what = result.status == CORE_STREAM_OVER_BUDGET && !result.error_number
                                ? describe_budget(&space, &result)
                                : core_stream_describe(&result);
    core->size = result.bytes_in;
    if (streamed && result.size_unchecked)
        coroner_crash_record_add_error(r, "the core's program headers could not be read while it "
                                          "streamed (PN_XNUM or a table over 4 MiB): whether it "
                                          "is complete was not checked");
    if (result.status != CORE_STREAM_OK && result.status != CORE_STREAM_LIMITED) {
        coroner_tmpfile_discard(&tmp);
        if (have_stack)
            coroner_tmpfile_discard(&stack);
        core->state = CORONER_CORE_MISSING;
        core->stored_size = 0;
        core->reason = g_steal_pointer(&what);
        coroner_log(LOG_ERR, "PID %d (%s): core not stored: %s", (int)args->pid,
                    r->process.comm ? r->process.comm : "?", core->reason);
        return;
    }

    g_autofree char *name =
        g_strconcat(r->id, config->compress ? CORONER_CORE_SUFFIX_ZSTD : "", NULL);
    if (!coroner_store_set_access(tmp.fd, reader_uid, &error) ||
        !coroner_tmpfile_link(&tmp, name, &error)) {
        coroner_tmpfile_discard(&tmp);
        if (have_stack)
            coroner_tmpfile_discard(&stack);
        core->state = CORONER_CORE_MISSING;
        core->reason = g_strdup_printf("the finished core could not be stored: %s", error->message);
        coroner_log(LOG_ERR, "PID %d: %s", (int)args->pid, core->reason);
        return;
    }
    coroner_tmpfile_discard(&tmp);
    core->file = g_steal_pointer(&name);

    /* The stack core only ever sits beside a stored core: it is a shortcut into it. */
    if (have_stack) {
        g_autofree char *stack_name = g_strconcat(r->id, CORONER_STACK_SUFFIX, NULL);
        g_autoptr(GError) stack_error = NULL;
        if (!coroner_store_set_access(stack.fd, reader_uid, &stack_error) ||
            !coroner_tmpfile_link(&stack, stack_name, &stack_error))
            coroner_crash_record_add_error(r, "no stack core: %s", stack_error->message);
        coroner_tmpfile_discard(&stack);
    }
    core->stored_size = result.bytes_out;
    if (result.status == CORE_STREAM_OK) {
        core->state = CORONER_CORE_PRESENT;
    } else {
        core->state = CORONER_CORE_TRUNCATED;
        core->limit_bytes = options.limit;
        core->reason = g_steal_pointer(&what);
    }
}

/*
 * The backtrace, from the stack core (or the core) now safely in the store;
 * the crashed process has already been released.  libdwfl reads untrusted
 * memory, so it runs in the symbolizer's sandbox as the parser identity.
 */
static void symbolize(CoronerStore *store, const CoronerConfig *config, uid_t uid, gid_t gid,
                      CoronerCrashRecord *r)
{
    if (!r->core.file)
        return;
    g_autoptr(GError) error = NULL;
    CoronerSymbolizeOptions options;
    coroner_symbolize_options_init(&options);
    options.debuginfod = config->debuginfod;
    if (!coroner_symbolize_stored(store->dir_fd, &options, uid, gid, r, &error))
        coroner_log(LOG_WARNING, "PID %d: no backtrace: %s", (int)r->process.pid, error->message);
}

static gboolean write_record(CoronerStore *store, const CoronerCrashRecord *r, int64_t reader_uid,
                             GError **error)
{
    gsize length = 0;
    g_autofree char *json = coroner_crash_record_to_json(r, &length);
    g_autofree char *name = g_strconcat(r->id, CORONER_RECORD_SUFFIX, NULL);
    CoronerTmpfile tmp;
    if (!coroner_tmpfile_open(store->dir_fd, 0600, &tmp, error))
        return FALSE;
    gboolean ok = coroner_tmpfile_write(&tmp, name, json, length, error) &&
                  coroner_store_set_access(tmp.fd, reader_uid, error) &&
                  coroner_tmpfile_link(&tmp, name, error);
    coroner_tmpfile_discard(&tmp);
    return ok;
}

static void send_journal_entry(const CoronerConfig *config, const CoronerCrashRecord *r,
                               const CoronerKernelArgs *args, const char *store_path,
                               gboolean record_written)
{
    if (!config->journal_enabled)
        return;
    g_autofree char *core_path = r->core.file ? g_build_filename(store_path, r->core.file, NULL)
                                              : NULL;
    g_autofree char *record_name = g_strconcat(r->id, CORONER_RECORD_SUFFIX, NULL);
    g_autofree char *record_path =
        record_written ? g_build_filename(store_path, record_name, NULL) : NULL;
    g_autoptr(GPtrArray) fields = coroner_journal_fields(r, args->rlimit_text, core_path, record_path);
    g_autoptr(GError) error = NULL;
    if (!coroner_journal_send(fields, config->journal_timeout_ms, &error))
        coroner_log(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ? LOG_INFO : LOG_WARNING,
                    "PID %d: no journal entry: %s (the store has the crash)", (int)args->pid,
                    error->message);
}

static int handle_crash(const char *config_path, const CoronerKernelArgs *args)
{
    /*
     * First of all: the kernel stalls on a full 64 KiB pipe while we read
     * /proc; with 1 MiB it gets that far ahead.  Fails harmlessly when stdin
     * is not a pipe (a manual run from a file).
     */
    (void)fcntl(STDIN_FILENO, F_SETPIPE_SZ, PIPE_SIZE);

    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(CoronerConfig) config = coroner_config_load(config_path, problems);
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();

    for (guint i = 0; i < problems->len; i++) {
        coroner_log(LOG_ERR, "bad configuration, using the default instead: %s",
                    (char *)problems->pdata[i]);
        coroner_crash_record_add_error(r, "configuration: %s", (char *)problems->pdata[i]);
    }

    record_from_args(r, args);
    int proc_fd = collect_proc(r, args);
    g_autoptr(GBytes) hook_raw = read_hook_metadata(proc_fd, r);
    if (proc_fd >= 0)
        close(proc_fd);

    /*
     * Set[ug]id, non-dumpable and mixed-identity processes may hold secrets
     * their user must not read (trust.h).
     */
    gboolean protected_process = !coroner_crash_owner_may_read(args->dumpable, &r->process);
    int64_t reader_uid = protected_process || args->uid == 0 ? -1 : (int64_t)args->uid;
    r->id = coroner_entry_id(r->process.comm, args->uid, r->boot_id, args->pid,
                             (uint64_t)r->timestamp_usec);

    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerStore) store = coroner_store_open(config->store_path, TRUE, &error);
    if (!store) {
        coroner_log(LOG_ERR, "PID %d: cannot store the crash: %s", (int)args->pid, error->message);
        r->core.state = CORONER_CORE_MISSING;
        r->core.reason = g_strdup(error->message);
        send_journal_entry(config, r, args, config->store_path, FALSE);
        return 1;
    }

    /* Everything that reads the crashed program's bytes runs as this identity. */
    uid_t parse_uid;
    gid_t parse_gid;
    if (!coroner_pick_parser_identity(args->uid, args->gid, protected_process,
                                      config->service_user, &parse_uid, &parse_gid, &error)) {
        coroner_log(LOG_ERR, "PID %d: %s; the crash is recorded without its core", (int)args->pid,
                    error->message);
        coroner_crash_record_add_error(r, "%s", error->message);
        g_clear_error(&error);
        parse_uid = (uid_t)-1;
    }

    if (!coroner_vacuum(store, config, NULL, NULL, &error)) {
        coroner_log(LOG_WARNING, "vacuum before storing: %s", error->message);
        g_clear_error(&error);
    }

    store_core(store, config, args, parse_uid, parse_gid, reader_uid, r);
    if (hook_raw && parse_uid != (uid_t)-1)
        parse_hook_metadata(hook_raw, parse_uid, parse_gid, r);
    if (parse_uid != (uid_t)-1)
        symbolize(store, config, parse_uid, parse_gid, r);

    gboolean record_written = write_record(store, r, reader_uid, &error);
    if (!record_written) {
        coroner_log(LOG_ERR, "PID %d: cannot write the crash record: %s", (int)args->pid,
                    error->message);
        g_clear_error(&error);
    }

    if (!coroner_vacuum(store, config, r->id, NULL, &error))
        coroner_log(LOG_WARNING, "vacuum after storing: %s", error->message);

    send_journal_entry(config, r, args, store->path, record_written);
    return record_written || r->core.file ? 0 : 1;
}

int main(int argc, char **argv)
{
    /* Before anything else: a crash of ours must never produce a core of root's memory. */
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    coroner_log_setup("coroner-handler");
    setlocale(LC_ALL, "C.UTF-8");
    umask(0077);
    /* A reader that went away is an error to handle, not a reason to die. */
    signal(SIGPIPE, SIG_IGN);
    /*
     * The symbolizer caches inflated debug info in its user's cache dir; the
     * handler's parser runs as the crashing user, and a system service must
     * not write into people's home directories.
     */
    g_setenv("CORONER_DEBUGINFO_CACHE", "", TRUE);

    g_autofree char *config_path = NULL;
    g_autofree char *state_file = NULL;
    gboolean install = FALSE, uninstall = FALSE, version = FALSE;
    GOptionEntry entries[] = {
        {"config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file", "PATH"},
        {"install", 0, 0, G_OPTION_ARG_NONE, &install,
         "Point the running kernel's core_pattern at this handler, saving the old settings", NULL},
        {"uninstall", 0, 0, G_OPTION_ARG_NONE, &uninstall,
         "Restore the settings saved by --install", NULL},
        {"state-file", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &state_file,
         "Where --install saves the previous settings", "PATH"},
        {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Show the version", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) context =
        g_option_context_new("PID UID GID SIGNAL TIME RLIMIT HOSTNAME DUMPMODE PIDFD [TID [COMM]]");
    g_option_context_set_summary(context,
                                 "Stores a crashed process's core and metadata. The kernel runs "
                                 "this through kernel.core_pattern:\n  " CORONER_HANDLER_PATH
                                 " %P %u %g %s %t %c %h %d %F %I %e");
    g_option_context_add_main_entries(context, entries, NULL);
    /* Stop at the first positional argument: a comm may well start with '-'. */
    g_option_context_set_strict_posix(context, TRUE);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(context, &argc, &argv, &error)) {
        coroner_log(LOG_ERR, "%s", error->message);
        return EXIT_USAGE;
    }
    if (version) {
        printf("coroner-handler %s\n", CORONER_VERSION);
        return 0;
    }
    if (install || uninstall) {
        const char *saved = state_file ? state_file : CORONER_SAVED_SYSCTL;
        g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
        gboolean ok = install ? coroner_install(self ? self : CORONER_HANDLER_PATH, config_path,
                                                saved, &error)
                              : coroner_uninstall(saved, &error);
        if (!ok) {
            coroner_log(LOG_ERR, "%s", error->message);
            return 1;
        }
        return 0;
    }

    CoronerKernelArgs args;
    if (!coroner_kernel_args_parse(argc - 1, argv + 1, &args, &error)) {
        coroner_log(LOG_ERR, "%s\nUsage: coroner-handler [--config=PATH] %s", error->message,
                    "PID UID GID SIGNAL TIME RLIMIT HOSTNAME DUMPMODE PIDFD [TID [COMM]]");
        return EXIT_USAGE;
    }
    int r = handle_crash(config_path ? config_path : CORONER_DEFAULT_CONFIG, &args);
    coroner_kernel_args_clear(&args);
    return r;
}
