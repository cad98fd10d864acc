/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ingestion path (crash-ingest.h).  The order of work follows from the
 * kernel holding the crashed process until the core has been read:
 *
 *   1. read /proc/PID (proven to be the crashed process through a pidfd)
 *      while it still exists;
 *   2. stream the core into the store from a child that has dropped root,
 *      because the core is the crashed program's memory: untrusted bytes;
 *   3. link the finished core into place (never a partial one), write the
 *      crash record beside it, vacuum;
 *   4. tell journald, from a child with a time limit, so a dead journald can
 *      never hold up or lose a crash: the store alone is complete.
 */
#include "crash-ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include "core-stream.h"
#include "fs-util.h"
#include "group-peers.h"
#include "hook-metadata.h"
#include "journal-writer.h"
#include "log.h"
#include "minimal-plan.h"
#include "privileges.h"
#include "proc-info.h"
#include "recept.h"
#include "sandbox.h"
#include "store.h"
#include "symbolize.h"
#include "trust.h"
#include "vacuum.h"

/* Stacks and module headers of even a thousand threads fit; past it the stack core thins out. */
#define STACK_CORE_MAX (64u << 20)

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
    r->signal.name = a->signal > 0 ? coroner_signal_name(a->signal) : NULL;
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

void coroner_parse_hook_metadata(GBytes *raw, uid_t uid, gid_t gid, unsigned timeout_ms,
                                 CoronerCrashRecord *r)
{
    HookParse h = {.raw = raw, .pid = r->process.pid, .signal_number = r->signal.number};
    CoronerSandboxLimits limits = {
        .drop_privileges = TRUE,
        .uid = uid,
        .gid = gid,
        .address_space = 256u << 20,
        .cpu_seconds = 5,
        .timeout_ms = timeout_ms ? MIN(timeout_ms, 5000u) : 5000,
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
static gboolean stream_unprivileged(int in_fd, int out_fd, const CoreStreamOptions *options,
                                    uid_t uid, gid_t gid, CoreStreamResult *ret, GError **error)
{
    pid_t parent = getpid();
    int result_fd;
    pid_t child = coroner_sandbox_fork(&result_fd, error);
    if (child < 0)
        return FALSE;
    if (child == 0) {
        /* The stream ends with whoever waits for it. */
        int r = coroner_sandbox_enter(TRUE, uid, gid, parent);
        if (r < 0) {
            if (r != -ESRCH)
                coroner_log(LOG_ERR, "cannot drop privileges to %u:%u: %s", (unsigned)uid,
                            (unsigned)gid, g_strerror(-r));
            _exit(1);
        }
        CoreStreamResult result;
        core_stream(in_fd, out_fd, options, &result);
        _exit(coroner_write_all(result_fd, &result, sizeof result) < 0 ? 1 : 0);
    }
    CoreStreamResult result;
    ssize_t n = coroner_read_full(result_fd, &result, sizeof result);
    close(result_fd);
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
 * reader of the core pipe or socket closes it.  Once the core is in the store
 * nothing more is needed from it, so let it go before the slower work
 * (record, journal) instead of making the user's session wait.  stdin stays
 * open (on /dev/null), so no later file becomes fd 0.
 */
/*
 * A dump cut at its deadline: the kernel may be blocked inside it (reading a
 * file mapping that does not answer), where closing our end does not reach
 * it.  SIGKILL does: the kernel abandons a dump once a fatal signal is
 * pending, and reaps the process.  Only through the pidfd: a bare pid could
 * name another process by now.
 */
static void abandon_dump(int pidfd, CoronerCrashRecord *r)
{
    if (pidfd < 0) {
        coroner_crash_record_add_error(r, "the dump was cut at its deadline, but without a pidfd "
                                          "the crashed process could not be released");
        return;
    }
    if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
        coroner_crash_record_add_error(r, "the dump was cut at its deadline, but the crashed "
                                          "process could not be released: %s",
                                       g_strerror(errno));
}

static void release_crashed_process(int core_fd)
{
    if (core_fd != STDIN_FILENO) {
        close(core_fd);
        return;
    }
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

/*
 * Stores the core from core_fd as record->id + ".zst" (with a recept: the
 * minimal core it describes, docs/recept.md); the record says how it went.
 */
static void store_core(CoronerStore *store, const CoronerConfig *config, int *core_fd,
                       int64_t deadline, int pidfd, uid_t parse_uid, gid_t parse_gid, int64_t reader_uid,
                       const CoronerRecept *recept, CoronerCrashRecord *r)
{
    CoronerCoreInfo *core = &r->core;
    core->compression = g_strdup(config->compress ? "zstd" : "none");
    uint64_t rlimit = r->process.rlimit_core;
    int pid = (int)r->process.pid;

    if (rlimit == 0) {
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
    /* A minimal core is small: it is read directly, no stack core beside it. */
    gboolean have_stack = !recept && coroner_tmpfile_open(store->dir_fd, 0600, &stack, NULL);
    g_autoptr(CoronerMinimalPlan) plan = recept ? coroner_minimal_plan_new(recept, r) : NULL;
    /*
     * The entry lock, held until the finished core is linked and tmp.fd
     * closed.  Not longer: every child forked while an fd of it is open
     * (the sandboxes) would hold it too.
     */
    (void)coroner_store_lock_core(tmp.fd, TRUE);

    CoreStreamOptions options = {
        .compress = config->compress,
        .level = CORE_STREAM_ZSTD_LEVEL,
        /* Measured (bench/ingest): 2 workers beat 1 by ~20% at the same size and +4 MiB RSS. */
        .workers = (int)MIN(g_get_num_processors(), 4u),
        .limit = min3(rlimit, config->process_size_max, config->external_size_max),
        .budget = coroner_store_budget(&space),
        .stack_fd = have_stack ? stack.fd : -1,
        .stack_max = STACK_CORE_MAX,
        .deadline = deadline,
        .minimal = plan ? &plan->options : NULL,
    };
    CoreStreamResult result;
    gboolean streamed =
        stream_unprivileged(*core_fd, tmp.fd, &options, parse_uid, parse_gid, &result, &error);
    if (streamed && result.status == CORE_STREAM_TIMED_OUT)
        abandon_dump(pidfd, r);
    release_crashed_process(*core_fd);
    *core_fd = -1;
    /* Socket mode has no %s: the core's notes say which signal it was, and which thread. */
    if (streamed && r->signal.number <= 0 && result.signal_number > 0) {
        r->signal.number = result.signal_number;
        g_free(r->signal.name);
        r->signal.name = coroner_signal_name(result.signal_number);
    }
    if (streamed && r->process.tid <= 0 && result.tid > 0)
        r->process.tid = result.tid;
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
    if (result.status != CORE_STREAM_OK && result.status != CORE_STREAM_LIMITED &&
        !(result.status == CORE_STREAM_TIMED_OUT && result.bytes_in > 0)) {
        coroner_tmpfile_discard(&tmp);
        if (have_stack)
            coroner_tmpfile_discard(&stack);
        core->state = CORONER_CORE_MISSING;
        core->stored_size = 0;
        core->reason = g_steal_pointer(&what);
        coroner_log(LOG_ERR, "PID %d (%s): core not stored: %s", pid,
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
        coroner_log(LOG_ERR, "PID %d: %s", pid, core->reason);
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
    if (recept) {
        core->size = result.minimal.size;
        coroner_minimal_plan_record(r, recept, result.bytes_in, &result.minimal,
                                    result.minimal_warning);
    }
    if (result.status == CORE_STREAM_OK) {
        core->state = CORONER_CORE_PRESENT;
    } else {
        core->state = CORONER_CORE_TRUNCATED;
        core->limit_bytes = result.status == CORE_STREAM_LIMITED ? options.limit : result.bytes_in;
        core->reason = g_steal_pointer(&what);
    }
}

/*
 * The backtrace, from the stack core (or the core) now safely in the store;
 * the crashed process has already been released.  libdwfl reads untrusted
 * memory, so it runs in the symbolizer's sandbox as the parser identity.
 */
static void symbolize(CoronerStore *store, const CoronerConfig *config, uid_t uid, gid_t gid,
                      unsigned timeout_ms, CoronerCrashRecord *r)
{
    if (!r->core.file)
        return;
    g_autoptr(GError) error = NULL;
    CoronerSymbolizeOptions options;
    coroner_symbolize_options_init(&options);
    options.debuginfod = config->debuginfod;
    if (timeout_ms)
        options.timeout_ms = MIN(options.timeout_ms, timeout_ms);
    if (!coroner_symbolize_stored(store->dir_fd, &options, uid, gid, r, &error))
        coroner_log(LOG_WARNING, "PID %d: no backtrace: %s", (int)r->process.pid, error->message);
}

/* The recept for this crash, or NULL for the full core (also when the recept cannot be read). */
static CoronerRecept *choose_recept(const CoronerConfig *config, CoronerCrashRecord *r)
{
    g_autoptr(GError) error = NULL;
    CoronerRecept *recept =
        coroner_recept_choose(config, r->app ? r->app->app_id : NULL, r->process.exe, &error);
    if (error) {
        coroner_log(LOG_ERR, "PID %d: %s; storing the full core", (int)r->process.pid,
                    error->message);
        coroner_crash_record_add_error(r, "recept: %s; the full core was stored", error->message);
    }
    return recept;
}

/* Writes r beside its core; replace: over the record written before (its peers added). */
static gboolean write_record(CoronerStore *store, const CoronerCrashRecord *r, int64_t reader_uid,
                             gboolean replace, GError **error)
{
    gsize length = 0;
    g_autofree char *json = coroner_crash_record_to_json(r, &length);
    g_autofree char *name = g_strconcat(r->id, CORONER_RECORD_SUFFIX, NULL);
    CoronerTmpfile tmp;
    if (!coroner_tmpfile_open(store->dir_fd, 0600, &tmp, error))
        return FALSE;
    gboolean ok = coroner_tmpfile_write(&tmp, name, json, length, error) &&
                  coroner_store_set_access(tmp.fd, reader_uid, error) &&
                  (replace ? coroner_tmpfile_replace(&tmp, name, error)
                           : coroner_tmpfile_link(&tmp, name, error));
    coroner_tmpfile_discard(&tmp);
    return ok;
}

char *coroner_rlimit_text(uint64_t rlimit)
{
    return g_strdup_printf("%" G_GUINT64_FORMAT, rlimit);
}

static void send_journal_entry(const CoronerConfig *config, const CoronerCrashRecord *r,
                               const char *store_path, gboolean record_written)
{
    if (!config->journal_enabled)
        return;
    g_autofree char *core_path = r->core.file ? g_build_filename(store_path, r->core.file, NULL)
                                              : NULL;
    g_autofree char *record_name = g_strconcat(r->id, CORONER_RECORD_SUFFIX, NULL);
    g_autofree char *record_path =
        record_written ? g_build_filename(store_path, record_name, NULL) : NULL;
    g_autofree char *rlimit_text = coroner_rlimit_text(r->process.rlimit_core);
    g_autoptr(GPtrArray) fields = coroner_journal_fields(r, rlimit_text, core_path, record_path);
    g_autoptr(GError) error = NULL;
    if (!coroner_journal_send(fields, config->journal_timeout_ms, &error))
        coroner_log(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ? LOG_INFO : LOG_WARNING,
                    "PID %d: no journal entry: %s (the store has the crash)", (int)r->process.pid,
                    error->message);
}

CoronerCapture *coroner_capture_new(const CoronerKernelArgs *args, GPtrArray *config_problems)
{
    CoronerCapture *c = g_new0(CoronerCapture, 1);
    CoronerCrashRecord *r = c->record = coroner_crash_record_new();
    for (guint i = 0; config_problems && i < config_problems->len; i++) {
        coroner_log(LOG_ERR, "bad configuration, using the default instead: %s",
                    (char *)config_problems->pdata[i]);
        coroner_crash_record_add_error(r, "configuration: %s", (char *)config_problems->pdata[i]);
    }
    record_from_args(r, args);
    int proc_fd = collect_proc(r, args);
    c->hook_raw = read_hook_metadata(proc_fd, r);
    if (proc_fd >= 0)
        close(proc_fd);
    r->id = coroner_entry_id(r->process.comm, args->uid, r->boot_id, args->pid,
                             (uint64_t)r->timestamp_usec);
    return c;
}

void coroner_capture_free(CoronerCapture *c)
{
    if (!c)
        return;
    coroner_crash_record_free(c->record);
    if (c->hook_raw)
        g_bytes_unref(c->hook_raw);
    g_free(c);
}

/*
 * Set[ug]id, non-dumpable and mixed-identity processes may hold secrets
 * their user must not read (trust.h).
 */
static gboolean is_protected(const CoronerCrashRecord *r)
{
    return !coroner_crash_owner_may_read(r->process.dumpable, &r->process);
}

static int64_t reader_uid_of(const CoronerCrashRecord *r)
{
    return is_protected(r) || r->process.uid == 0 ? -1 : r->process.uid;
}

int coroner_ingest(CoronerCapture *capture, int core_fd, const CoronerIngestOptions *o)
{
    const CoronerConfig *config = o->config;
    CoronerCrashRecord *r = capture->record;
    int pid = (int)r->process.pid;
    int64_t reader_uid = reader_uid_of(r);

    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerStore) store = coroner_store_open(config->store_path, TRUE, &error);
    if (!store) {
        coroner_log(LOG_ERR, "PID %d: cannot store the crash: %s", pid, error->message);
        release_crashed_process(core_fd);
        r->core.state = CORONER_CORE_MISSING;
        r->core.reason = g_strdup(error->message);
        send_journal_entry(config, r, config->store_path, FALSE);
        return 1;
    }

    /* Everything that reads the crashed program's bytes runs as this identity. */
    uid_t parse_uid;
    gid_t parse_gid;
    if (!coroner_pick_parser_identity((uid_t)r->process.uid, (gid_t)r->process.gid,
                                      is_protected(r) || o->service_user_only,
                                      config->service_user, &parse_uid, &parse_gid, &error)) {
        coroner_log(LOG_ERR, "PID %d: %s; the crash is recorded without its core", pid,
                    error->message);
        coroner_crash_record_add_error(r, "%s", error->message);
        g_clear_error(&error);
        parse_uid = (uid_t)-1;
    }

    if (!coroner_vacuum(store, config, NULL, NULL, &error)) {
        coroner_log(LOG_WARNING, "vacuum before storing: %s", error->message);
        g_clear_error(&error);
    }

    /* Before the core: the application's id chooses its recept, its buffers go into the core. */
    if (capture->hook_raw && parse_uid != (uid_t)-1)
        coroner_parse_hook_metadata(capture->hook_raw, parse_uid, parse_gid, o->child_timeout_ms, r);
    g_autoptr(CoronerRecept) recept = choose_recept(config, r);
    store_core(store, config, &core_fd, o->dump_deadline, o->pidfd, parse_uid, parse_gid, reader_uid, recept,
               r);
    /* Not read at all (no core wanted, no space): closing it tells the kernel to stop. */
    if (core_fd >= 0)
        release_crashed_process(core_fd);
    if (parse_uid != (uid_t)-1)
        symbolize(store, config, parse_uid, parse_gid, o->child_timeout_ms, r);

    gboolean record_written = write_record(store, r, reader_uid, FALSE, &error);
    if (!record_written) {
        coroner_log(LOG_ERR, "PID %d: cannot write the crash record: %s", pid, error->message);
        g_clear_error(&error);
    }

    if (!coroner_vacuum(store, config, r->id, NULL, &error)) {
        coroner_log(LOG_WARNING, "vacuum after storing: %s", error->message);
        g_clear_error(&error);
    }

    send_journal_entry(config, r, store->path, record_written);

    /* Only now, with the crash stored: its group's peers, each its own record. */
    if (record_written && parse_uid != (uid_t)-1) {
        coroner_group_peers_dump(r, o, parse_uid, parse_gid);
        if (r->peers->len > 0 && !write_record(store, r, reader_uid, TRUE, &error))
            coroner_log(LOG_ERR, "PID %d: cannot add its group peers to the record: %s", pid,
                        error->message);
    }
    return record_written || r->core.file ? 0 : 1;
}

gboolean coroner_ingest_record_only(const CoronerConfig *config, CoronerCrashRecord *r,
                                    GError **error)
{
    g_autoptr(CoronerStore) store = coroner_store_open(config->store_path, TRUE, error);
    if (!store)
        return FALSE;
    gboolean written = write_record(store, r, reader_uid_of(r), FALSE, error);
    send_journal_entry(config, r, store->path, written);
    return written;
}
