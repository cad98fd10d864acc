/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core-access.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "fs-util.h"
#include "sparse-file.h"
#include "store.h"

#define ZERO_BLOCK 4096u

typedef enum { FORMAT_ELF, FORMAT_ZSTD, FORMAT_XZ, FORMAT_LZ4, FORMAT_UNKNOWN } Format;

static Format sniff(int fd)
{
    uint8_t magic[6] = {0};
    ssize_t n = pread(fd, magic, sizeof magic, 0);
    if (n >= 4 && memcmp(magic, "\177ELF", 4) == 0)
        return FORMAT_ELF;
    if (n >= 4 && memcmp(magic, "\x28\xb5\x2f\xfd", 4) == 0)
        return FORMAT_ZSTD;
    if (n >= 6 && memcmp(magic,
                         "\xfd"
                         "7zXZ\0",
                         6) == 0)
        return FORMAT_XZ;
    if (n >= 4 && memcmp(magic, "\x04\x22\x4d\x18", 4) == 0)
        return FORMAT_LZ4;
    return FORMAT_UNKNOWN;
}

static gboolean check_regular(int fd, const char *what, GError **error)
{
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE, "%s is not a regular file",
                    what);
        return FALSE;
    }
    return TRUE;
}

/* An unnamed file for the decompressed core: on disk under /var/tmp, else in memory. */
static int open_scratch(GError **error)
{
    int fd = open("/var/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    fd = memfd_create("coroner-core", MFD_CLOEXEC);
    if (fd >= 0)
        return fd;
    int e = errno;
    coroner_set_errno_error(error, e, "no temporary file for the decompressed core");
    return -1;
}

/* pwrite(2) all of data at offset, within the byte limit. */
static int write_run(int fd, const uint8_t *data, size_t n, uint64_t offset, uint64_t *written)
{
    if (*written + n > CORONER_CORE_ACCESS_MAX_BYTES)
        return -EFBIG;
    int r = coroner_pwrite_all(fd, data, n, offset);
    if (r == 0)
        *written += n;
    return r;
}

/*
 * Writes decompressed bytes at *pos, leaving whole zero blocks as holes.  The
 * blocks between holes go out in one pwrite: one system call per block made
 * decompressing a big core several times slower than zstd -d.
 */
static int write_sparse(int fd, const uint8_t *p, size_t n, uint64_t *pos, uint64_t *written)
{
    uint64_t base = *pos;
    size_t off = 0, run_start = 0, run_len = 0;
    while (off < n) {
        size_t block = ZERO_BLOCK - (size_t)((base + off) % ZERO_BLOCK);
        if (block > n - off)
            block = n - off;
        gboolean hole = block == ZERO_BLOCK && coroner_is_hole(p + off, block);
        if (!hole) {
            if (run_len == 0)
                run_start = off;
            run_len += block;
        }
        off += block;
        if ((hole || off == n) && run_len > 0) {
            int r = write_run(fd, p + run_start, run_len, base + run_start, written);
            if (r < 0)
                return r;
            run_len = 0;
        }
    }
    *pos = base + n;
    return 0;
}

static int decompress_zstd(int in_fd, GError **error)
{
    int out_fd = open_scratch(error);
    if (out_fd < 0)
        return -1;
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    size_t in_size = ZSTD_DStreamInSize(), out_size = ZSTD_DStreamOutSize();
    g_autofree uint8_t *in_buf = g_malloc(in_size);
    g_autofree uint8_t *out_buf = g_malloc(out_size);
    uint64_t pos = 0, written = 0;
    size_t last = 0;
    gboolean ok = FALSE, any = FALSE;
    if (!dctx) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, "zstd: out of memory");
        goto out;
    }
    /* A 2 GiB window at most: a hostile frame header cannot make us allocate more. */
    ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 31);
    (void)lseek(in_fd, 0, SEEK_SET);
    for (;;) {
        ssize_t n = read(in_fd, in_buf, in_size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            coroner_set_errno_error(error, e, "reading the core");
            goto out;
        }
        if (n == 0)
            break;
        any = TRUE;
        ZSTD_inBuffer in = {in_buf, (size_t)n, 0};
        while (in.pos < in.size) {
            ZSTD_outBuffer out = {out_buf, out_size, 0};
            last = ZSTD_decompressStream(dctx, &out, &in);
            if (ZSTD_isError(last)) {
                g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            "the compressed core is corrupt: %s", ZSTD_getErrorName(last));
                goto out;
            }
            int r = write_sparse(out_fd, out_buf, out.pos, &pos, &written);
            if (r < 0) {
                g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r),
                            "writing the decompressed core: %s",
                            r == -EFBIG ? "it is bigger than the limit" : g_strerror(-r));
                goto out;
            }
        }
    }
    /* Flush what zstd still holds once the input is consumed. */
    for (;;) {
        ZSTD_inBuffer in = {in_buf, 0, 0};
        ZSTD_outBuffer out = {out_buf, out_size, 0};
        if (last == 0)
            break;
        last = ZSTD_decompressStream(dctx, &out, &in);
        if (ZSTD_isError(last) || out.pos == 0)
            break;
        if (write_sparse(out_fd, out_buf, out.pos, &pos, &written) < 0)
            break;
    }
    if (!any || last != 0) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                            "the compressed core is truncated");
        goto out;
    }
    if (ftruncate(out_fd, (off_t)pos) < 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "writing the decompressed core");
        goto out;
    }
    ok = TRUE;
out:
    ZSTD_freeDCtx(dctx);
    if (!ok) {
        close(out_fd);
        return -1;
    }
    return out_fd;
}

/* Takes ownership of fd: returns it (plain ELF), a decompressed copy, or -1. */
static int for_backtrace(int fd, const char *what, GError **error)
{
    if (!check_regular(fd, what, error)) {
        close(fd);
        return -1;
    }
    int out = -1;
    switch (sniff(fd)) {
    case FORMAT_ELF:
        return fd;
    case FORMAT_ZSTD:
        out = decompress_zstd(fd, error);
        break;
    case FORMAT_XZ:
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "%s: unsupported compression (xz); only zstd cores can be read", what);
        break;
    case FORMAT_LZ4:
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "%s: unsupported compression (lz4); only zstd cores can be read", what);
        break;
    case FORMAT_UNKNOWN:
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "%s is neither an ELF core nor a zstd-compressed one", what);
        break;
    }
    close(fd);
    return out;
}

int coroner_core_open_stack_core(int store_dir_fd, const CoronerCrashRecord *record,
                                 GError **error)
{
    if (record->id && !strchr(record->id, '/') && record->id[0] != '.') {
        g_autofree char *stack = g_strconcat(record->id, CORONER_STACK_SUFFIX, NULL);
        int fd = openat(store_dir_fd, stack, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd >= 0) {
            if (check_regular(fd, stack, NULL) && sniff(fd) == FORMAT_ELF)
                return fd;
            close(fd);
        }
    }
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the crash has no stack core");
    return -1;
}

int coroner_core_open_for_backtrace(int store_dir_fd, const CoronerCrashRecord *record,
                                    GError **error)
{
    int stack_fd = coroner_core_open_stack_core(store_dir_fd, record, NULL);
    if (stack_fd >= 0)
        return stack_fd;
    if (!record->core.file) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no core was stored%s%s",
                    record->core.reason ? ": " : "",
                    record->core.reason ? record->core.reason : "");
        return -1;
    }
    if (strchr(record->core.file, '/') || record->core.file[0] == '.') {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                    "the record's core file name “%s” is not a plain name", record->core.file);
        return -1;
    }
    int fd = openat(store_dir_fd, record->core.file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "cannot open the core %s", record->core.file);
        return -1;
    }
    return for_backtrace(fd, record->core.file, error);
}

int coroner_core_open_path_for_backtrace(const char *core_path, GError **error)
{
    int fd = open(core_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        coroner_set_errno_error(error, e, "cannot open the core %s", core_path);
        return -1;
    }
    if (g_str_has_suffix(core_path, ".xz") || g_str_has_suffix(core_path, ".lz4")) {
        close(fd);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    "%s: unsupported compression (%s); only zstd cores can be read", core_path,
                    strrchr(core_path, '.') + 1);
        return -1;
    }
    return for_backtrace(fd, core_path, error);
}
