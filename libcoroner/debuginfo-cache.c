/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The decompressed debug info cache (see symbolize-internal.h).
 *
 * Distributions ship debug info with compressed sections (Debian's libc:
 * 4 MiB on disk, 10 MiB inflated), and libdw inflates every one of them each
 * time it opens the file: for a typical backtrace that is more than half of
 * the time.  So the sandbox keeps an inflated copy of each compressed debug
 * file it used, keyed by build-id, in the user's cache
 * ($CORONER_DEBUGINFO_CACHE, else $XDG_CACHE_HOME/coroner/debuginfo, else
 * ~/.cache/coroner/debuginfo; an empty $CORONER_DEBUGINFO_CACHE turns it off),
 * written by the sandbox child after it has sent its answer (still under its
 * deadline), and capped in size.  Readers use a copy only when its build-id is the module's.
 */
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "symbolize-internal.h"

#define DEBUGINFO_CACHE_MAX ((guint64)1 << 30)

typedef struct {
    char *source; /* the compressed debug file that was used */
    char *build_id;
} CacheTodo;

/*
 * Compressed debug files the sandbox child used, to inflate into the cache
 * once it has answered.  Only the child writes the cache: in-process callers
 * (and their memory) are left alone.
 */
static GPtrArray *cache_todo;
static gboolean cache_writer;

char *symbolize_debuginfo_cache_dir(void)
{
    const char *env = g_getenv("CORONER_DEBUGINFO_CACHE");
    if (env)
        return *env ? g_strdup(env) : NULL;
    const char *xdg = g_getenv("XDG_CACHE_HOME");
    if (xdg && g_path_is_absolute(xdg))
        return g_build_filename(xdg, "coroner", "debuginfo", NULL);
    /*
     * $HOME only when it is ours: the handler's sandbox inherits the kernel's
     * HOME=/ and runs as the crashing user, whose cache is in their passwd home.
     */
    const char *home = g_getenv("HOME");
    struct stat st;
    if (!home || !g_path_is_absolute(home) || stat(home, &st) < 0 || st.st_uid != geteuid()) {
        struct passwd *pw = getpwuid(geteuid());
        home = pw ? pw->pw_dir : NULL;
    }
    if (!home || !g_path_is_absolute(home) || access(home, W_OK) != 0)
        return NULL;
    return g_build_filename(home, ".cache", "coroner", "debuginfo", NULL);
}

static char *cache_path(const char *dir, const char *build_id)
{
    g_autofree char *name = g_strconcat(build_id + 2, ".debug", NULL);
    g_autofree char *prefix = g_strndup(build_id, 2);
    return g_build_filename(dir, prefix, name, NULL);
}

int symbolize_debuginfo_cache_open(const char *dir, const char *build_id, char **ret_path)
{
    g_autofree char *cached = cache_path(dir, build_id);
    int fd = open(cached, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    g_autofree char *id = symbolize_fd_build_id(fd);
    if (!id || strcmp(id, build_id) != 0) {
        close(fd);
        return -1;
    }
    /* Recently used: the last to be evicted. */
    (void)futimens(fd, NULL);
    *ret_path = strdup(cached);
    return fd;
}

static gboolean has_compressed_debug(int fd)
{
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    size_t shstrndx;
    gboolean compressed = FALSE;
    if (elf && elf_getshdrstrndx(elf, &shstrndx) == 0) {
        for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn && !compressed;
             scn = elf_nextscn(elf, scn)) {
            GElf_Shdr shdr;
            if (!gelf_getshdr(scn, &shdr))
                continue;
            const char *name = elf_strptr(elf, shstrndx, shdr.sh_name);
            compressed =
                (shdr.sh_flags & SHF_COMPRESSED) || (name && g_str_has_prefix(name, ".zdebug"));
        }
    }
    if (elf)
        elf_end(elf);
    return compressed;
}

void symbolize_debuginfo_cache_note(int fd, const char *path, const char *build_id)
{
    if (!cache_writer || !has_compressed_debug(fd))
        return;
    if (!cache_todo)
        cache_todo = g_ptr_array_new();
    CacheTodo *todo = g_new0(CacheTodo, 1);
    todo->source = g_strdup(path);
    todo->build_id = g_strdup(build_id);
    g_ptr_array_add(cache_todo, todo);
}

void symbolize_debuginfo_cache_enable_writer(void)
{
    cache_writer = TRUE;
}

static gboolean copy_file(const char *from, int to_fd)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return FALSE;
    char buf[65536];
    ssize_t n;
    gboolean ok = TRUE;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (coroner_write_all(to_fd, buf, (size_t)n) < 0) {
            ok = FALSE;
            break;
        }
    close(in);
    return ok && n == 0;
}

/* Writes an inflated copy of source as the cache's file for build_id. */
static void cache_store(const char *dir, const CacheTodo *todo)
{
    g_autofree char *dest = cache_path(dir, todo->build_id);
    if (access(dest, F_OK) == 0)
        return;
    g_autofree char *parent = g_path_get_dirname(dest);
    if (g_mkdir_with_parents(parent, 0700) < 0)
        return;
    g_autofree char *tmp = g_strconcat(dest, ".XXXXXX", NULL);
    int fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    gboolean ok = copy_file(todo->source, fd);
    Elf *elf = ok ? elf_begin(fd, ELF_C_RDWR, NULL) : NULL;
    ok = elf != NULL;
    for (Elf_Scn *scn = elf ? elf_nextscn(elf, NULL) : NULL; ok && scn;
         scn = elf_nextscn(elf, scn)) {
        GElf_Shdr shdr;
        if (gelf_getshdr(scn, &shdr) && (shdr.sh_flags & SHF_COMPRESSED))
            ok = elf_compress(scn, 0, 0) >= 0;
    }
    ok = ok && elf_update(elf, ELF_C_WRITE) >= 0;
    if (elf)
        elf_end(elf);
    close(fd);
    if (!ok || rename(tmp, dest) < 0)
        unlink(tmp);
}

/* Deletes the least recently used files until the cache is under its cap. */
static void cache_trim(const char *dir)
{
    typedef struct {
        char *path;
        gint64 mtime;
        guint64 size;
    } Entry;
    g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(Entry));
    guint64 total = 0;
    g_autoptr(GDir) top = g_dir_open(dir, 0, NULL);
    const char *sub;
    while (top && (sub = g_dir_read_name(top))) {
        g_autofree char *subdir = g_build_filename(dir, sub, NULL);
        g_autoptr(GDir) d = g_dir_open(subdir, 0, NULL);
        const char *name;
        while (d && (name = g_dir_read_name(d))) {
            Entry e = {g_build_filename(subdir, name, NULL), 0, 0};
            struct stat st;
            if (lstat(e.path, &st) == 0 && S_ISREG(st.st_mode)) {
                e.mtime = st.st_mtime;
                e.size = (guint64)st.st_blocks * 512;
                total += e.size;
                g_array_append_val(entries, e);
            } else {
                g_free(e.path);
            }
        }
    }
    while (total > DEBUGINFO_CACHE_MAX && entries->len > 0) {
        guint oldest = 0;
        for (guint i = 1; i < entries->len; i++)
            if (g_array_index(entries, Entry, i).mtime <
                g_array_index(entries, Entry, oldest).mtime)
                oldest = i;
        Entry *e = &g_array_index(entries, Entry, oldest);
        unlink(e->path);
        total -= e->size;
        g_free(e->path);
        g_array_remove_index_fast(entries, oldest);
    }
    for (guint i = 0; i < entries->len; i++)
        g_free(g_array_index(entries, Entry, i).path);
}

/* The sandbox's after_answer: the answer is already on its way. */
void symbolize_debuginfo_cache_flush(gpointer data)
{
    (void)data;
    if (!cache_todo || cache_todo->len == 0)
        return;
    g_autofree char *dir = symbolize_debuginfo_cache_dir();
    if (!dir)
        return;
    (void)nice(10);
    for (guint i = 0; i < cache_todo->len; i++)
        cache_store(dir, cache_todo->pdata[i]);
    cache_trim(dir);
}
