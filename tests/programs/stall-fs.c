/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * stall-fs: a FUSE file system whose one file can be opened and mapped but
 * is read slowly or never.  A process with a private mapping of it, whose
 * pages were never faulted in, makes the kernel block mid-dump when its
 * coredump_filter asks for file-backed mappings: a dump that drips or
 * stalls, as one from a slow or hung network file system would.
 *
 *   stall-fs [--delay=SECONDS] MOUNTPOINT READY-FILE
 *
 * Mounts MOUNTPOINT (allow_other, so any user's crasher can map the file),
 * which then holds one file, "stall", of STALL_SIZE bytes.  Each read is
 * answered (with 'x' bytes) after SECONDS, one at a time; without --delay
 * it is taken and never answered.  READY-FILE is created once the mount is
 * in place; each read request is logged on stdout ("read OFFSET SIZE").
 * SIGTERM, SIGINT or SIGHUP unmount it and exit; so does its death, by which
 * the kernel fails every request still waiting.
 */
#define FUSE_USE_VERSION 34
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_NAME "stall"
#define FILE_INO 2
/* Read in the kernel's 128 KiB readahead windows: 512 reads, far more than a test waits for. */
#define STALL_SIZE (64u << 20)

static unsigned delay_seconds;

static void fill_stat(fuse_ino_t ino, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_ino = ino;
    if (ino == FUSE_ROOT_ID) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
    } else {
        st->st_mode = S_IFREG | 0444;
        st->st_nlink = 1;
        st->st_size = STALL_SIZE;
    }
}

static void stall_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
    if (parent != FUSE_ROOT_ID || strcmp(name, FILE_NAME) != 0) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    struct fuse_entry_param e = {.ino = FILE_INO, .attr_timeout = 3600, .entry_timeout = 3600};
    fill_stat(FILE_INO, &e.attr);
    fuse_reply_entry(req, &e);
}

static void stall_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    (void)fi;
    if (ino != FUSE_ROOT_ID && ino != FILE_INO) {
        fuse_reply_err(req, ENOENT);
        return;
    }
    struct stat st;
    fill_stat(ino, &st);
    fuse_reply_attr(req, &st, 3600);
}

static void stall_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
    if (ino != FILE_INO) {
        fuse_reply_err(req, EISDIR);
        return;
    }
    if ((fi->flags & O_ACCMODE) != O_RDONLY) {
        fuse_reply_err(req, EACCES);
        return;
    }
    fuse_reply_open(req, fi);
}

/*
 * With a delay: answered after it, holding up the (single-threaded) loop, so
 * reads drip one at a time.  Without: taken and never answered, and the
 * reader waits until this process goes.
 */
static void stall_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
    (void)ino;
    (void)fi;
    printf("read %lld %zu\n", (long long)off, size);
    fflush(stdout);
    if (!delay_seconds)
        return;
    sleep(delay_seconds);
    if (off >= STALL_SIZE) {
        fuse_reply_buf(req, NULL, 0);
        return;
    }
    size_t n = size < STALL_SIZE - (size_t)off ? size : STALL_SIZE - (size_t)off;
    char *buf = malloc(n);
    if (!buf) {
        fuse_reply_err(req, ENOMEM);
        return;
    }
    memset(buf, 'x', n);
    fuse_reply_buf(req, buf, n);
    free(buf);
}

static const struct fuse_lowlevel_ops stall_ops = {
    .lookup = stall_lookup,
    .getattr = stall_getattr,
    .open = stall_open,
    .read = stall_read,
};

int main(int argc, char **argv)
{
    if (argc == 4 && strncmp(argv[1], "--delay=", 8) == 0) {
        delay_seconds = (unsigned)strtoul(argv[1] + 8, NULL, 10);
        argv++;
        argc--;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: stall-fs [--delay=SECONDS] MOUNTPOINT READY-FILE\n");
        return 2;
    }
    char *fuse_argv[] = {argv[0], "-o", "allow_other,fsname=stall-fs,subtype=stall", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
    struct fuse_session *se = fuse_session_new(&args, &stall_ops, sizeof stall_ops, NULL);
    if (!se)
        return 1;
    int rc = 1;
    if (fuse_set_signal_handlers(se) != 0)
        goto out;
    if (fuse_session_mount(se, argv[1]) != 0)
        goto out_signals;
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        perror("stall-fs: ready file");
        goto out_unmount;
    }
    close(fd);
    /* Single-threaded is enough: an unanswered read does not hold up the loop. */
    rc = fuse_session_loop(se) == 0 ? 0 : 1;
out_unmount:
    fuse_session_unmount(se);
out_signals:
    fuse_remove_signal_handlers(se);
out:
    fuse_session_destroy(se);
    return rc;
}
