/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Container and sandbox labels from cgroup paths, /.flatpak-info and mountinfo. */
#include <fcntl.h>
#include <glib.h>
#include <unistd.h>

#include "container.h"
#include "crash-record.h"
#include "coroner-test.h"

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef struct {
    const char *path;
    const char *runtime; /* NULL: no runtime */
    const char *engine;
    const char *id;
    const char *pod_uid;
    const char *app_id;
} Case;

static void test_cgroup_shapes(void)
{
    static const Case cases[] = {
        {"/machine.slice/libpod-" ID64 ".scope", "podman", NULL, ID64, NULL, NULL},
        {"/machine.slice/libpod-" ID64 ".scope/container", "podman", NULL, ID64, NULL, NULL},
        {"/machine.slice/libpod-conmon-" ID64 ".scope", NULL, NULL, NULL, NULL, NULL},
        {"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID64 ".scope",
         "podman", NULL, ID64, NULL, NULL},
        /* This machine is itself a container: a prefix must not matter. */
        {"/docker/fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
         "/machine.slice/libpod-" ID64 ".scope",
         "podman", NULL, ID64, NULL, NULL},
        {"/system.slice/docker-" ID64 ".scope", "docker", NULL, ID64, NULL, NULL},
        {"/docker/" ID64, "docker", NULL, ID64, NULL, NULL},
        {"/system.slice/containerd.service", NULL, NULL, NULL, NULL, NULL},
        {"/kubepods.slice/kubepods-burstable.slice/"
         "kubepods-burstable-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/cri-containerd-" ID64
         ".scope",
         "kubernetes", "containerd", ID64, "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901", NULL},
        {"/kubepods/burstable/pod1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901/" ID64, "kubernetes", NULL,
         ID64, "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901", NULL},
        {"/kubepods.slice/kubepods-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/crio-" ID64
         ".scope",
         "kubernetes", "cri-o", ID64, "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901", NULL},
        {"/machine.slice/systemd-nspawn@debian.service/payload", "systemd-nspawn", NULL, "debian",
         NULL, NULL},
        {"/machine.slice/machine-fedora.scope", "systemd-nspawn", NULL, "fedora", NULL, NULL},
        {"/lxc.payload.web1/system.slice", "lxc", NULL, "web1", NULL, NULL},
        {"/user.slice/user-1000.slice/user@1000.service/app.slice/"
         "app-flatpak-org.gnome.Text\\x2dEditor-12345.scope",
         "flatpak", NULL, NULL, NULL, "org.gnome.Text-Editor"},
        {"/user.slice/user-1000.slice/user@1000.service/app.slice/"
         "snap.firefox.firefox-0b9e2a36-27a4-4c1c-a41f-0ed7a9e8b8f2.scope",
         "snap", NULL, NULL, NULL, "firefox"},
        {"/user.slice/user-1000.slice/session-2.scope", NULL, NULL, NULL, NULL, NULL},
        {"/", NULL, NULL, NULL, NULL, NULL},
        /* Too short to be an id, or not hex: not a container. */
        {"/machine.slice/libpod-abc.scope", NULL, NULL, NULL, NULL, NULL},
        {"/machine.slice/libpod-" ID64 "zz.scope", NULL, NULL, NULL, NULL, NULL},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        const Case *c = &cases[i];
        CoronerContainerInfo *info = coroner_container_info_new();
        gboolean found = coroner_container_from_cgroup(c->path, info);
        g_test_message("%s", c->path);
        g_assert_cmpint(found, ==, c->runtime != NULL);
        g_assert_cmpstr(info->runtime, ==, c->runtime);
        g_assert_cmpstr(info->engine, ==, c->engine);
        g_assert_cmpstr(info->id, ==, c->id);
        g_assert_cmpstr(info->pod_uid, ==, c->pod_uid);
        g_assert_cmpstr(info->app_id, ==, c->app_id);
        if (found)
            g_assert_cmpstr(info->cgroup, ==, c->path);
        coroner_container_info_free(info);
    }
}

static void test_flatpak_info(void)
{
    const char *good = "[Application]\nname=org.example.Crasher\nruntime=runtime/org.gnome.Platform/x86_64/45\n"
                       "\n[Instance]\ninstance-id=1234567890\n";
    g_autofree char *instance = NULL;
    g_autofree char *app = coroner_flatpak_info_app_id(good, strlen(good), &instance);
    g_assert_cmpstr(app, ==, "org.example.Crasher");
    g_assert_cmpstr(instance, ==, "1234567890");

    static const char *const bad[] = {
        "[Application]\nname=crasher\n",                /* not reverse DNS */
        "[Application]\nname=org.example.Cra sher\n",   /* a space */
        "[Application]\nname=org..example.Crasher\n",   /* an empty element */
        "[Application]\nname=org.example.Crasher/../x\n",
        "[Runtime]\nname=org.gnome.Platform\n",         /* a runtime, not an app */
        "not a key file at all\n",
    };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *none = coroner_flatpak_info_app_id(bad[i], strlen(bad[i]), NULL);
        g_assert_null(none);
    }
}

static void test_cgroup2_mount(void)
{
    const char *hybrid =
        "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
        "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
    g_autofree char *m = coroner_cgroup2_mount(hybrid);
    g_assert_cmpstr(m, ==, "/sys/fs/cgroup/unified");
    const char *unified = "25 20 0:22 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";
    g_autofree char *u = coroner_cgroup2_mount(unified);
    g_assert_cmpstr(u, ==, "/sys/fs/cgroup");
    const char *legacy = "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n";
    g_assert_null(coroner_cgroup2_mount(legacy));
}

/* This process, through the real /proc: no runtime recognised or one, but always pid and namespaces. */
static void test_collect_self(void)
{
    g_autoptr(CoronerCrashRecord) r = coroner_crash_record_new();
    r->process.pid = getpid();
    r->process.tid = getpid();
    int fd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    coroner_container_collect(fd, NULL, r);
    close(fd);
    g_assert_nonnull(r->container);
    g_assert_nonnull(r->container->runtime);
    g_assert_cmpint(r->container->pid, >, 0);
    g_assert_cmpuint(r->container->namespaces->len, >=, 6);
    for (guint i = 0; i < r->container->namespaces->len; i++) {
        const CoronerNamespace *ns = r->container->namespaces->pdata[i];
        g_assert_false(ns->own); /* our own namespaces are the collector's */
    }
    g_assert_cmpstr(r->container->runtime, ==, "none");

    /* The record's JSON form round-trips. */
    gsize len;
    g_autofree char *json = coroner_crash_record_to_json(r, &len);
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerCrashRecord) back = coroner_crash_record_from_json(json, (gssize)len, &error);
    g_assert_no_error(error);
    g_assert_nonnull(back->container);
    g_assert_cmpstr(back->container->runtime, ==, "none");
    g_assert_cmpint(back->container->pid, ==, r->container->pid);
    g_assert_cmpuint(back->container->namespaces->len, ==, r->container->namespaces->len);
}

static const CoronerTestCase tests[] = {
    {"/container/cgroup-shapes", test_cgroup_shapes},
    {"/container/flatpak-info", test_flatpak_info},
    {"/container/cgroup2-mount", test_cgroup2_mount},
    {"/container/collect-self", test_collect_self},
};

CORONER_TEST_MAIN(tests)
