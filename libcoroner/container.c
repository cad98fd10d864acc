/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc-info.h"

/* /.flatpak-info is a few hundred bytes; anything much larger is not one. */
#define FLATPAK_INFO_MAX (64u << 10)
#define SMALL_MAX (64u << 10)

static gboolean is_hex_id(const char *s, gsize length)
{
    if (length < 12 || length > 128)
        return FALSE;
    for (gsize i = 0; i < length; i++)
        if (!g_ascii_isxdigit(s[i]))
            return FALSE;
    return TRUE;
}

/* A machine, snap or pod name: printable, no separators that could mislead a reader. */
static gboolean is_plain_name(const char *s, gsize length)
{
    if (length == 0 || length > 255)
        return FALSE;
    for (gsize i = 0; i < length; i++)
        if (!g_ascii_isalnum(s[i]) && !strchr("-_.:+@", s[i]))
            return FALSE;
    return TRUE;
}

/* "prefix<id>suffix" → id, when component has that shape and id is a hex container id. */
static char *hex_between(const char *component, const char *prefix, const char *suffix)
{
    if (!g_str_has_prefix(component, prefix) || !g_str_has_suffix(component, suffix))
        return NULL;
    gsize plen = strlen(prefix), slen = strlen(suffix), clen = strlen(component);
    if (clen <= plen + slen)
        return NULL;
    const char *id = component + plen;
    gsize idlen = clen - plen - slen;
    return is_hex_id(id, idlen) ? g_strndup(id, idlen) : NULL;
}

/* systemd escapes "-" in slice names as "_" (kubepods-pod<uid with _>.slice). */
static char *pod_uid_from(const char *component)
{
    const char *p = g_strrstr(component, "pod");
    if (!p || (p != component && p[-1] != '-'))
        return NULL;
    p += 3;
    g_autofree char *uid = g_strdup(p);
    if (g_str_has_suffix(uid, ".slice"))
        uid[strlen(uid) - strlen(".slice")] = '\0';
    g_strdelimit(uid, "_", '-');
    if (strlen(uid) != 36)
        return NULL;
    for (const char *c = uid; *c; c++)
        if (!g_ascii_isxdigit(*c) && *c != '-')
            return NULL;
    return g_steal_pointer(&uid);
}

static void set_result(CoronerContainerInfo *ret, const char *runtime, const char *engine,
                       char *id, const char *path)
{
    g_free(ret->runtime);
    g_free(ret->engine);
    g_free(ret->id);
    g_free(ret->cgroup);
    ret->runtime = g_strdup(runtime);
    ret->engine = g_strdup(engine);
    ret->id = id;
    ret->cgroup = g_strdup(path);
}

/* One component: a container scope of a known runtime ("libpod-<id>.scope", …). */
static gboolean match_scope(const char *c, const char **ret_engine, char **ret_id)
{
    static const struct {
        const char *prefix, *suffix, *engine;
    } shapes[] = {
        {"libpod-", ".scope", "podman"},
        {"docker-", ".scope", "docker"},
        {"cri-containerd-", ".scope", "containerd"},
        {"crio-", ".scope", "cri-o"},
    };
    if (g_str_has_prefix(c, "libpod-conmon-") || g_str_has_prefix(c, "crio-conmon-"))
        return FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(shapes); i++) {
        char *id = hex_between(c, shapes[i].prefix, shapes[i].suffix);
        if (id) {
            *ret_engine = shapes[i].engine;
            *ret_id = id;
            return TRUE;
        }
    }
    return FALSE;
}

gboolean coroner_container_from_cgroup(const char *path, CoronerContainerInfo *ret)
{
    if (!path || path[0] != '/')
        return FALSE;
    g_auto(GStrv) parts = g_strsplit(path + 1, "/", -1);
    int n = (int)g_strv_length(parts);

    /* Kubernetes: a kubepods component anywhere, the pod below it, the container below that. */
    for (int i = 0; i < n; i++) {
        if (!g_str_has_prefix(parts[i], "kubepods"))
            continue;
        g_autofree char *pod_uid = NULL;
        char *id = NULL;
        const char *engine = NULL;
        for (int j = i; j < n; j++) {
            g_autofree char *uid = pod_uid_from(parts[j]);
            if (uid) {
                g_free(pod_uid);
                pod_uid = g_steal_pointer(&uid);
                continue;
            }
            if (pod_uid && !id) {
                if (!match_scope(parts[j], &engine, &id) && is_hex_id(parts[j], strlen(parts[j])))
                    id = g_strdup(parts[j]); /* the cgroupfs driver: the bare id */
            }
        }
        if (!pod_uid)
            continue;
        set_result(ret, "kubernetes", engine, id, path);
        g_free(ret->pod_uid);
        ret->pod_uid = g_steal_pointer(&pod_uid);
        return TRUE;
    }

    /* The innermost known shape wins: this machine may itself be inside a container. */
    for (int i = n - 1; i >= 0; i--) {
        const char *c = parts[i];
        const char *engine = NULL;
        char *id = NULL;
        if (match_scope(c, &engine, &id)) {
            set_result(ret, engine, NULL, id, path);
            return TRUE;
        }
        /* Docker's and podman's cgroupfs drivers: /docker/<id>, /libpod_parent/libpod-<id>. */
        if (i > 0 && strcmp(parts[i - 1], "docker") == 0 && is_hex_id(c, strlen(c))) {
            set_result(ret, "docker", NULL, g_strdup(c), path);
            return TRUE;
        }
        if ((id = hex_between(c, "libpod-", ""))) {
            set_result(ret, "podman", NULL, id, path);
            return TRUE;
        }
        /* systemd-nspawn: machine.slice/systemd-nspawn@NAME.service or machine-NAME.scope. */
        if (g_str_has_prefix(c, "systemd-nspawn@") && g_str_has_suffix(c, ".service")) {
            gsize len = strlen(c) - strlen("systemd-nspawn@") - strlen(".service");
            const char *name = c + strlen("systemd-nspawn@");
            if (is_plain_name(name, len)) {
                set_result(ret, "systemd-nspawn", NULL, g_strndup(name, len), path);
                return TRUE;
            }
        }
        if (i > 0 && strcmp(parts[i - 1], "machine.slice") == 0 &&
            g_str_has_prefix(c, "machine-") && g_str_has_suffix(c, ".scope")) {
            gsize len = strlen(c) - strlen("machine-") - strlen(".scope");
            const char *name = c + strlen("machine-");
            if (is_plain_name(name, len)) {
                set_result(ret, "systemd-nspawn", NULL, g_strndup(name, len), path);
                return TRUE;
            }
        }
        /* LXC: lxc.payload.NAME (lxc ≥ 4) or lxc/NAME. */
        if (g_str_has_prefix(c, "lxc.payload.") && is_plain_name(c + 12, strlen(c + 12))) {
            set_result(ret, "lxc", NULL, g_strdup(c + 12), path);
            return TRUE;
        }
        /* Flatpak (app-flatpak-APPID-NNN.scope) and snap (snap.NAME.APP-UUID.scope) apps. */
        if (g_str_has_prefix(c, "app-flatpak-") && g_str_has_suffix(c, ".scope")) {
            g_autofree char *rest = g_strndup(c + 12, strlen(c) - 12 - strlen(".scope"));
            char *dash = strrchr(rest, '-');
            if (dash) {
                *dash = '\0';
                /* systemd escapes the app id's "-" as "\x2d". */
                g_auto(GStrv) bits = g_strsplit(rest, "\\x2d", -1);
                g_autofree char *app = g_strjoinv("-", bits);
                if (is_plain_name(app, strlen(app))) {
                    set_result(ret, "flatpak", NULL, NULL, path);
                    g_free(ret->app_id);
                    ret->app_id = g_steal_pointer(&app);
                    return TRUE;
                }
            }
        }
        if (g_str_has_prefix(c, "snap.") && g_str_has_suffix(c, ".scope")) {
            g_auto(GStrv) bits = g_strsplit(c, ".", -1);
            if (g_strv_length(bits) >= 4 && is_plain_name(bits[1], strlen(bits[1]))) {
                set_result(ret, "snap", NULL, NULL, path);
                g_free(ret->app_id);
                ret->app_id = g_strdup(bits[1]);
                return TRUE;
            }
        }
    }
    return FALSE;
}

/* A Flatpak app id: reverse DNS, at least three elements, [A-Za-z0-9_-] (flatpak's rule). */
static gboolean is_app_id(const char *s)
{
    gsize len = strlen(s);
    if (len == 0 || len > 255 || s[0] == '.' || s[len - 1] == '.')
        return FALSE;
    int dots = 0;
    for (const char *c = s; *c; c++) {
        if (*c == '.') {
            if (c[1] == '.' || g_ascii_isdigit(c[1]))
                return FALSE;
            dots++;
        } else if (!g_ascii_isalnum(*c) && *c != '_' && *c != '-') {
            return FALSE;
        }
    }
    return dots >= 2 && !g_ascii_isdigit(s[0]);
}

char *coroner_flatpak_info_app_id(const char *text, gsize length, char **ret_instance)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    if (!g_key_file_load_from_data(kf, text, length, G_KEY_FILE_NONE, NULL))
        return NULL;
    g_autofree char *name = g_key_file_get_string(kf, "Application", "name", NULL);
    if (!name || !is_app_id(g_strstrip(name)))
        return NULL;
    if (ret_instance) {
        g_autofree char *instance = g_key_file_get_string(kf, "Instance", "instance-id", NULL);
        *ret_instance = instance && is_plain_name(g_strstrip(instance), strlen(instance))
                            ? g_steal_pointer(&instance)
                            : NULL;
    }
    return g_steal_pointer(&name);
}

char *coroner_cgroup2_mount(const char *mountinfo)
{
    if (!mountinfo)
        return NULL;
    g_auto(GStrv) lines = g_strsplit(mountinfo, "\n", -1);
    for (char **l = lines; *l; l++) {
        /* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER" */
        const char *sep = strstr(*l, " - ");
        if (!sep || !g_str_has_prefix(sep + 3, "cgroup2 "))
            continue;
        g_auto(GStrv) f = g_strsplit(*l, " ", 6);
        if (g_strv_length(f) < 5)
            continue;
        /* Mount points escape space, tab, newline and backslash as octal. */
        return g_strcompress(f[4]);
    }
    return NULL;
}

/*
 * The cgroup paths of /proc/PID/cgroup worth looking at, best first: the v2
 * path when a v2 hierarchy is mounted (hybrid or unified), then systemd's
 * named v1 hierarchy, then every v1 controller's (Docker's cgroupfs driver
 * on a legacy machine uses them all).  On a legacy machine the "0::" line is
 * still printed but says "/" whatever the process's place.
 */
static GPtrArray *cgroup_candidates(const char *proc_cgroup, gboolean have_v2)
{
    GPtrArray *v2 = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) named = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(proc_cgroup ? proc_cgroup : "", "\n", -1);
    for (char **l = lines; *l; l++) {
        g_auto(GStrv) f = g_strsplit(*l, ":", 3);
        if (g_strv_length(f) != 3 || f[2][0] != '/')
            continue;
        if (strcmp(f[0], "0") == 0 && f[1][0] == '\0') {
            if (have_v2)
                g_ptr_array_add(v2, g_strdup(f[2]));
        } else if (strcmp(f[1], "name=systemd") == 0) {
            g_ptr_array_add(named, g_strdup(f[2]));
        } else {
            g_ptr_array_add(others, g_strdup(f[2]));
        }
    }
    for (guint i = 0; i < named->len; i++)
        g_ptr_array_add(v2, g_strdup(named->pdata[i]));
    for (guint i = 0; i < others->len; i++)
        g_ptr_array_add(v2, g_strdup(others->pdata[i]));
    return v2;
}

/* "NSpid:\t4242\t7" → 7, the pid in the innermost namespace. */
static int64_t innermost_nspid(const char *status, const char *key)
{
    if (!status)
        return -1;
    g_autofree char *needle = g_strdup_printf("\n%s:", key);
    const char *line = strstr(status, needle);
    if (!line)
        return -1;
    line += strlen(needle);
    const char *end = strchr(line, '\n');
    g_autofree char *values = end ? g_strndup(line, (gsize)(end - line)) : g_strdup(line);
    g_auto(GStrv) f = g_strsplit_set(g_strstrip(values), " \t", -1);
    int64_t last = -1;
    for (char **v = f; *v; v++)
        if (**v)
            last = g_ascii_strtoll(*v, NULL, 10);
    return last > 0 ? last : -1;
}

static uint64_t ns_inode_at(int dir_fd, const char *name)
{
    struct stat st;
    if (fstatat(dir_fd, name, &st, 0) < 0)
        return 0;
    return (uint64_t)st.st_ino;
}

static void collect_namespaces(int proc_fd, CoronerContainerInfo *c)
{
    static const char *const types[] = {"pid", "mnt", "net", "user", "uts", "ipc", "cgroup"};
    int self = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
    for (guint i = 0; i < G_N_ELEMENTS(types); i++) {
        g_autofree char *name = g_strconcat("ns/", types[i], NULL);
        uint64_t inode = ns_inode_at(proc_fd, name);
        if (inode == 0)
            continue;
        uint64_t ours = self >= 0 ? ns_inode_at(self, name) : 0;
        coroner_container_info_add_namespace(c, types[i], inode, ours != 0 && ours != inode);
    }
    if (self >= 0)
        close(self);
}

static gboolean has_own_namespace(const CoronerContainerInfo *c)
{
    for (guint i = 0; i < c->namespaces->len; i++) {
        const CoronerNamespace *ns = c->namespaces->pdata[i];
        if (ns->own && (strcmp(ns->type, "pid") == 0 || strcmp(ns->type, "mnt") == 0))
            return TRUE;
    }
    return FALSE;
}

/*
 * /.flatpak-info as the process sees its root.  Opened without following a
 * symlink and only when it is a small regular file: the crashed process's
 * root is its own to arrange, and we read it as root.
 */
static char *read_flatpak_info(int proc_fd, gsize *ret_length)
{
    int root = openat(proc_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return NULL;
    int fd = openat(root, ".flatpak-info", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    close(root);
    if (fd < 0)
        return NULL;
    struct stat st;
    char *text = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= FLATPAK_INFO_MAX) {
        text = g_malloc((gsize)st.st_size + 1);
        ssize_t n = pread(fd, text, (size_t)st.st_size, 0);
        if (n < 0) {
            g_clear_pointer(&text, g_free);
        } else {
            text[n] = '\0';
            *ret_length = (gsize)n;
        }
    }
    close(fd);
    return text;
}

/* What the record already holds of /proc/PID/name, else the file (owned by *ret_read). */
static const char *text_or_read(const char *have, int proc_fd, const char *name, char **ret_read)
{
    gsize len;
    if (have)
        return have;
    if (!coroner_read_proc_file_at(proc_fd, name, SMALL_MAX, ret_read, &len, NULL))
        return NULL;
    return *ret_read;
}

void coroner_container_collect(int proc_fd, const char *mountinfo, CoronerCrashRecord *record)
{
    CoronerContainerInfo *c = coroner_container_info_new();
    const CoronerProcessInfo *p = &record->process;

    g_autofree char *own_mountinfo = NULL;
    if (!mountinfo) {
        gsize len;
        if (coroner_read_proc_file_at(AT_FDCWD, "/proc/self/mountinfo", 1u << 20, &own_mountinfo,
                                      &len, NULL))
            mountinfo = own_mountinfo;
    }
    g_autofree char *v2_mount = coroner_cgroup2_mount(mountinfo);

    g_autofree char *proc_cgroup = NULL;
    const char *cgroup_text = text_or_read(p->proc_cgroup, proc_fd, "cgroup", &proc_cgroup);
    g_autoptr(GPtrArray) paths = cgroup_candidates(cgroup_text, v2_mount != NULL);
    for (guint i = 0; i < paths->len; i++)
        if (coroner_container_from_cgroup(paths->pdata[i], c))
            break;

    g_autofree char *status = NULL;
    const char *status_text = text_or_read(p->proc_status, proc_fd, "status", &status);
    g_autofree char *status_nl = status_text ? g_strconcat("\n", status_text, NULL) : NULL;
    c->pid = innermost_nspid(status_nl, "NSpid");
    if (p->tid > 0 && p->tid != p->pid) {
        /* The crashing thread's own status file carries its NStgid/NSpid. */
        g_autofree char *task = g_strdup_printf("task/%" G_GINT64_FORMAT "/status", p->tid);
        g_autofree char *tstatus = NULL;
        gsize len;
        if (coroner_read_proc_file_at(proc_fd, task, SMALL_MAX, &tstatus, &len, NULL)) {
            g_autofree char *t_nl = g_strconcat("\n", tstatus, NULL);
            c->tid = innermost_nspid(t_nl, "NSpid");
        }
    } else {
        c->tid = c->pid;
    }

    collect_namespaces(proc_fd, c);

    gsize info_len = 0;
    g_autofree char *info = read_flatpak_info(proc_fd, &info_len);
    if (info) {
        g_autofree char *instance = NULL;
        g_autofree char *app_id = coroner_flatpak_info_app_id(info, info_len, &instance);
        if (app_id) {
            g_free(c->app_id);
            c->app_id = g_steal_pointer(&app_id);
            g_free(c->instance);
            c->instance = g_steal_pointer(&instance);
            if (!c->runtime)
                c->runtime = g_strdup("flatpak");
        } else {
            coroner_crash_record_add_error(record, "container: /.flatpak-info names no valid "
                                                   "application id");
        }
    }

    if (!c->runtime)
        c->runtime = g_strdup(has_own_namespace(c) ? "unknown" : "none");
    coroner_container_info_free(record->container);
    record->container = c;
}
