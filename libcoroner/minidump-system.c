/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The minidump's system info, misc info and Linux streams: what the host and /proc say. */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "minidump-format.h"
#include "minidump-out.h"

#define HOST_FILE_MAX (1u << 20)

/* This machine's details belong in the dump only while it runs the boot that crashed. */
gboolean md_same_boot(const CoronerCrashRecord *record)
{
    g_autofree char *now = NULL;
    if (!record || !record->boot_id ||
        !g_file_get_contents("/proc/sys/kernel/random/boot_id", &now, NULL, NULL))
        return FALSE;
    GString *a = g_string_new(NULL), *b = g_string_new(NULL);
    for (const char *p = now; *p; p++)
        if (g_ascii_isxdigit(*p))
            g_string_append_c(a, g_ascii_tolower(*p));
    for (const char *p = record->boot_id; *p; p++)
        if (g_ascii_isxdigit(*p))
            g_string_append_c(b, g_ascii_tolower(*p));
    gboolean same = a->len == 32 && g_str_equal(a->str, b->str);
    g_string_free(a, TRUE);
    g_string_free(b, TRUE);
    return same;
}

char *md_read_host_file(const char *path)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, NULL) || len > HOST_FILE_MAX)
        return NULL;
    return g_steal_pointer(&data);
}

/* The value of "key : value" in the first block of /proc/cpuinfo. */
static char *cpuinfo_value(const char *cpuinfo, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(cpuinfo, "\n", -1);
    for (char **l = lines; *l && **l; l++) {
        char *colon = strchr(*l, ':');
        if (!colon)
            continue;
        g_autofree char *k = g_strstrip(g_strndup(*l, (gsize)(colon - *l)));
        if (g_str_equal(k, key))
            return g_strstrip(g_strdup(colon + 1));
    }
    return NULL;
}

static guint cpuinfo_count(const char *cpuinfo)
{
    guint n = 0;
    for (const char *p = cpuinfo; p && *p;) {
        if (g_str_has_prefix(p, "processor") && (p[9] == ' ' || p[9] == '\t' || p[9] == ':'))
            n++;
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return n;
}

gboolean md_write_system_info(Out *o, const CoronerElfCore *c, const char *cpuinfo,
                                  const struct utsname *uts, GError **error)
{
    MDRawSystemInfo si = {0};
    si.processor_architecture =
        c->machine == EM_X86_64 ? MD_CPU_ARCHITECTURE_AMD64 : MD_CPU_ARCHITECTURE_ARM64;
    si.platform_id = MD_OS_LINUX;
    if (cpuinfo) {
        si.number_of_processors = (uint8_t)MIN(cpuinfo_count(cpuinfo), 255u);
        if (c->machine == EM_X86_64) {
            g_autofree char *vendor = cpuinfo_value(cpuinfo, "vendor_id");
            g_autofree char *family = cpuinfo_value(cpuinfo, "cpu family");
            g_autofree char *model = cpuinfo_value(cpuinfo, "model");
            g_autofree char *stepping = cpuinfo_value(cpuinfo, "stepping");
            if (vendor && strlen(vendor) == 12)
                memcpy(si.cpu.x86_cpu_info.vendor_id, vendor, 12);
            guint f = family ? (guint)g_ascii_strtoull(family, NULL, 10) : 0;
            guint m = model ? (guint)g_ascii_strtoull(model, NULL, 10) : 0;
            guint s = stepping ? (guint)g_ascii_strtoull(stepping, NULL, 10) : 0;
            si.processor_level = (uint16_t)f;
            si.processor_revision = (uint16_t)((m & 0xff) << 8 | (s & 0xff));
            /* cpuid 1's eax, rebuilt: stepping, model, family, extended model and family. */
            si.cpu.x86_cpu_info.version_information = (s & 0xf) | (m & 0xf) << 4 |
                                                      MIN(f, 15u) << 8 | ((m >> 4) & 0xf) << 16 |
                                                      ((f > 15 ? f - 15 : 0) & 0xff) << 20;
        }
    }
    g_autofree char *csd = NULL;
    if (uts) {
        guint v[3] = {0};
        sscanf(uts->release, "%u.%u.%u", &v[0], &v[1], &v[2]);
        si.major_version = v[0];
        si.minor_version = v[1];
        si.build_number = v[2];
        csd =
            g_strdup_printf("%s %s %s %s", uts->sysname, uts->release, uts->version, uts->machine);
    }
    si.csd_version_rva = md_out_string(o, csd ? csd : "Linux", error);
    if (!si.csd_version_rva)
        return FALSE;
    uint32_t rva = md_out_append(o, &si, sizeof si, error);
    if (!rva)
        return FALSE;
    md_out_stream(o, MD_SYSTEM_INFO_STREAM, rva, sizeof si);
    return TRUE;
}

/* Items separated by separator ("a b c", "A=1\nB=2") as /proc gives them: a NUL after each. */
static GBytes *nul_separated(Out *o, const char *text, char separator)
{
    g_autofree char *scrubbed = o->scrub ? o->scrub(text, o->scrub_data) : NULL;
    GString *s = g_string_new(scrubbed ? scrubbed : text);
    for (gsize i = 0; i < s->len; i++)
        if (s->str[i] == separator)
            s->str[i] = '\0';
    if (s->len > 0 && s->str[s->len - 1] != '\0')
        g_string_append_c(s, '\0');
    return g_string_free_to_bytes(s);
}

gboolean md_write_linux_streams(Out *o, const CoronerElfCore *c,
                                    const CoronerCrashRecord *record,
                                    const CoronerMinidumpOptions *opts, const char *cpuinfo,
                                    gboolean host, GError **error)
{
    const CoronerProcessInfo *p = record ? &record->process : NULL;
    if (cpuinfo && !md_out_raw_stream(o, MD_LINUX_CPU_INFO, cpuinfo, strlen(cpuinfo), error))
        return FALSE;
    if (p && !md_out_text_stream(o, MD_LINUX_PROC_STATUS, p->proc_status, error))
        return FALSE;
    if (host) {
        g_autofree char *release = md_read_host_file("/etc/lsb-release");
        if (!release)
            release = md_read_host_file("/etc/os-release");
        if (!release)
            release = md_read_host_file("/usr/lib/os-release");
        if (!md_out_text_stream(o, MD_LINUX_LSB_RELEASE, release, error))
            return FALSE;
    }
    g_autoptr(GBytes) cmdline = NULL;
    if (p && p->cmdline && *p->cmdline)
        cmdline = nul_separated(o, p->cmdline, ' ');
    else if (c->psargs[0])
        cmdline = nul_separated(o, c->psargs, ' ');
    if (cmdline && !md_out_raw_stream(o, MD_LINUX_CMD_LINE, g_bytes_get_data(cmdline, NULL),
                                   g_bytes_get_size(cmdline), error))
        return FALSE;
    if (opts->include_environ && p && p->environ && *p->environ) {
        g_autoptr(GBytes) env = nul_separated(o, p->environ, '\n');
        if (!md_out_raw_stream(o, MD_LINUX_ENVIRON, g_bytes_get_data(env, NULL), g_bytes_get_size(env),
                            error))
            return FALSE;
    }
    if (c->auxv && !md_out_raw_stream(o, MD_LINUX_AUXV, g_bytes_get_data(c->auxv, NULL),
                                   g_bytes_get_size(c->auxv), error))
        return FALSE;
    if (p && !md_out_text_stream(o, MD_LINUX_MAPS, p->proc_maps, error))
        return FALSE;
    return TRUE;
}

gboolean md_write_misc_info(Out *o, const CoronerElfCore *c, GError **error)
{
    if (!c->pid)
        return TRUE;
    MDRawMiscInfo mi = {sizeof mi, MD_MISCINFO_FLAGS1_PROCESS_ID, c->pid, 0, 0, 0};
    uint32_t rva = md_out_append(o, &mi, sizeof mi, error);
    if (!rva)
        return FALSE;
    md_out_stream(o, MD_MISC_INFO_STREAM, rva, sizeof mi);
    return TRUE;
}
