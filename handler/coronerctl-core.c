/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coronerctl-core.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include "coronerctl.h"
#include "fs-util.h"
#include "minimal-core.h"

/* The file system's block: a hole smaller than this saves nothing. */
#define SPARSE_BLOCK 4096
#define COPY_BUFFER (128 * 1024)

typedef struct {
    CtlCoreSink sink; /* instead of fd, when set */
    void *user;
    int fd;
    gboolean sparse;  /* a regular file, not in append mode: pwrite() and holes */
    uint64_t offset;  /* where the next byte goes (sparse) */
    uint64_t written; /* bytes of core so far */
} Output;

static void output_init(Output *o, int fd)
{
    struct stat st;
    int flags = fcntl(fd, F_GETFL);
    off_t start = lseek(fd, 0, SEEK_CUR);
    *o = (Output){.fd = fd};
    o->sparse = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && flags >= 0 && !(flags & O_APPEND) &&
                start >= 0;
    o->offset = start >= 0 ? (uint64_t)start : 0;
}

static gboolean all_zero(const guint8 *p, size_t n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static gboolean write_error(int negative_errno, GError **error)
{
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-negative_errno),
                "cannot write the core: %s", g_strerror(-negative_errno));
    return FALSE;
}

static gboolean output_write(Output *o, const guint8 *data, size_t length, GError **error)
{
    o->written += length;
    if (o->sink) {
        int r = o->sink(o->user, data, length);
        return r < 0 ? write_error(r, error) : TRUE;
    }
    if (!o->sparse) {
        int r = coroner_write_all(o->fd, data, length);
        return r < 0 ? write_error(r, error) : TRUE;
    }
    while (length > 0) {
        /* Pieces end on block boundaries of the output, so a zero block is a whole hole. */
        size_t piece = SPARSE_BLOCK - (size_t)(o->offset % SPARSE_BLOCK);
        piece = MIN(piece, length);
        if (!all_zero(data, piece)) {
            /* Coalesce the following non-zero blocks into one write. */
            while (piece < length) {
                size_t next = MIN((size_t)SPARSE_BLOCK, length - piece);
                if (all_zero(data + piece, next))
                    break;
                piece += next;
            }
            size_t done = 0;
            while (done < piece) {
                ssize_t n = pwrite(o->fd, data + done, piece - done, (off_t)(o->offset + done));
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    return write_error(n < 0 ? -errno : -EIO, error);
                done += (size_t)n;
            }
        }
        o->offset += piece;
        data += piece;
        length -= piece;
    }
    return TRUE;
}

static gboolean output_finish(Output *o, GError **error)
{
    if (!o->sparse)
        return TRUE;
    /* A trailing hole has no bytes written into it: the size must still come out right. */
    if (ftruncate(o->fd, (off_t)o->offset) < 0 || lseek(o->fd, (off_t)o->offset, SEEK_SET) < 0)
        return write_error(-errno, error);
    return TRUE;
}

static gboolean read_error(int e, GError **error)
{
    coroner_set_errno_error(error, e, "cannot read the stored core");
    return FALSE;
}

static gboolean copy_plain(int in_fd, Output *o, GError **error)
{
    g_autofree guint8 *buf = g_malloc(COPY_BUFFER);
    for (;;) {
        ssize_t n = coroner_read_full(in_fd, buf, COPY_BUFFER);
        if (n < 0)
            return read_error((int)-n, error);
        if (n == 0)
            return TRUE;
        if (!output_write(o, buf, (size_t)n, error))
            return FALSE;
    }
}

static gboolean copy_zstd(int in_fd, Output *o, GError **error)
{
    ZSTD_DStream *z = ZSTD_createDStream();
    size_t in_size = ZSTD_DStreamInSize(), out_size = ZSTD_DStreamOutSize();
    g_autofree guint8 *in_buf = g_malloc(in_size);
    g_autofree guint8 *out_buf = g_malloc(out_size);
    size_t last = 1;
    gboolean ok = TRUE;
    for (;;) {
        ssize_t n = coroner_read_full(in_fd, in_buf, in_size);
        if (n < 0) {
            ok = read_error((int)-n, error);
            break;
        }
        if (n == 0)
            break;
        ZSTD_inBuffer in = {in_buf, (size_t)n, 0};
        ZSTD_outBuffer out;
        /* A full output buffer may mean more output is pending even when the input is used up. */
        do {
            out = (ZSTD_outBuffer){out_buf, out_size, 0};
            last = ZSTD_decompressStream(z, &out, &in);
            if (ZSTD_isError(last)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            "the stored core is not valid zstd data: %s", ZSTD_getErrorName(last));
                ok = FALSE;
                break;
            }
            if (!output_write(o, out_buf, out.pos, error)) {
                ok = FALSE;
                break;
            }
        } while (in.pos < in.size || out.pos == out.size);
        if (!ok)
            break;
    }
    ZSTD_freeDStream(z);
    if (ok && last != 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the stored core ends in the middle of its zstd stream (truncated?)");
        ok = FALSE;
    }
    return ok;
}

/* xz and lz4 cores from systemd-coredump: their own tools do it, reading the file directly. */
static gboolean copy_through(const char *tool, int in_fd, Output *o, GError **error)
{
    const char *argv[] = {tool, "-dc", NULL};
    GPid pid;
    int out_pipe = -1;
    g_autoptr(GError) local = NULL;
    if (!g_spawn_async_with_pipes_and_fds(NULL, argv, NULL,
                                          G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                          NULL, in_fd, -1, -1, NULL, NULL, 0, &pid, NULL,
                                          &out_pipe, NULL, &local)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "the core is %s-compressed, and %s cannot be run: %s", tool, tool,
                    local->message);
        return FALSE;
    }
    gboolean ok = copy_plain(out_pipe, o, error);
    close(out_pipe);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    g_spawn_close_pid(pid);
    if (ok && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "%s could not decompress the stored core", tool);
        ok = FALSE;
    }
    return ok;
}

static gboolean extract(const CoronerCrashIndex *index, const CoronerCrashEntry *entry, Output *o,
                        uint64_t *ret_bytes, GError **error)
{
    int in_fd = coroner_crash_entry_open_core(index, entry, error);
    if (in_fd < 0)
        return FALSE;
    guint8 magic[6] = {0};
    ssize_t n = pread(in_fd, magic, sizeof magic, 0);
    if (n < 0) {
        int e = errno;
        close(in_fd);
        return read_error(e, error);
    }
    static const guint8 zstd_magic[] = {0x28, 0xb5, 0x2f, 0xfd};
    static const guint8 xz_magic[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
    static const guint8 lz4_magic[] = {0x04, 0x22, 0x4d, 0x18};
    static const guint8 elf_magic[] = {0x7f, 'E', 'L', 'F'};
    gboolean ok;
    if (n >= 4 && memcmp(magic, zstd_magic, 4) == 0) {
        ok = copy_zstd(in_fd, o, error);
    } else if (n >= 6 && memcmp(magic, xz_magic, 6) == 0) {
        ok = copy_through("xz", in_fd, o, error);
    } else if (n >= 4 && memcmp(magic, lz4_magic, 4) == 0) {
        ok = copy_through("lz4", in_fd, o, error);
    } else if (n >= 4 && memcmp(magic, elf_magic, 4) == 0) {
        ok = copy_plain(in_fd, o, error);
    } else {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "the stored core is neither an ELF core nor zstd, xz or lz4 data");
        ok = FALSE;
    }
    close(in_fd);
    if (ok)
        ok = output_finish(o, error);
    if (ok && ret_bytes)
        *ret_bytes = o->written;
    return ok;
}

gboolean ctl_core_extract(const CoronerCrashIndex *index, const CoronerCrashEntry *entry,
                          int out_fd, uint64_t *ret_bytes, GError **error)
{
    Output o;
    output_init(&o, out_fd);
    return extract(index, entry, &o, ret_bytes, error);
}

gboolean ctl_core_extract_to(const CoronerCrashIndex *index, const CoronerCrashEntry *entry,
                             CtlCoreSink sink, void *user, GError **error)
{
    Output o = {.sink = sink, .user = user, .fd = -1};
    return extract(index, entry, &o, NULL, error);
}

/* A crash without a core is not a broken store: it is a crash with nothing to dump. */
gboolean ctl_core_available(const CoronerCrashEntry *e, GError **error)
{
    const char *status = e->core_status;
    if (g_str_equal(status, "none") || g_str_equal(status, "missing")) {
        const char *why = e->record->core.reason;
        g_set_error(error, CTL_ERROR, CTL_EXIT_UNAVAILABLE, "%s: no core %s%s%s", e->short_id,
                    g_str_equal(status, "none") ? "was kept" : "is there (any more)",
                    why ? ": " : "", why ? why : "");
        return FALSE;
    }
    if (g_str_equal(status, "truncated"))
        g_printerr("coronerctl: warning: the core of %s is truncated%s%s\n", e->short_id,
                   e->record->core.reason ? ": " : "",
                   e->record->core.reason ? e->record->core.reason : "");
    return TRUE;
}

CoronerCrashEntry *ctl_find_core_to_write(CtlContext *ctx, char **args, const char *what,
                                          gboolean *ret_to_stdout, GError **error)
{
    CoronerCrashEntry *e = ctl_find_one(ctx, args, error);
    if (!e)
        return NULL;
    gboolean to_stdout = !ctx->output || g_str_equal(ctx->output, "-");
    if (to_stdout && isatty(STDOUT_FILENO)) {
        g_set_error(error, CTL_ERROR, CTL_EXIT_USAGE,
                    "refusing to write a %s to a terminal: use -o FILE or redirect stdout", what);
        return NULL;
    }
    if (!ctl_core_available(e, error))
        return NULL;
    *ret_to_stdout = to_stdout;
    return e;
}

int ctl_open_output(const char *path, gboolean to_stdout, GError **error)
{
    if (to_stdout)
        return STDOUT_FILENO;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0) {
        int err = errno;
        g_set_error(error, CTL_ERROR, CTL_EXIT_DATA, "cannot create %s: %s", path,
                    g_strerror(err));
    }
    return fd;
}

int ctl_sink_fd(void *user, const void *data, size_t n)
{
    return coroner_write_all(*(const int *)user, data, n);
}

int ctl_sink_minimal(void *user, const void *data, size_t n)
{
    return coroner_minimal_core_feed(user, data, n);
}
