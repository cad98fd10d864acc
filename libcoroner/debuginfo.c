/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the symbolizer finds a module's files (see symbolize-internal.h):
 * build-ids, the debug info lookup (the inflated cache first, then libdwfl's
 * standard places and debuginfod), and whether debug info is here at all.
 */
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "symbolize-internal.h"

#include "str-util.h"

char *symbolize_module_build_id(Dwfl_Module *mod)
{
    const unsigned char *bits;
    GElf_Addr vaddr;
    int len = dwfl_module_build_id(mod, &bits, &vaddr);
    if (len <= 0)
        return NULL;
    return coroner_hex_encode(bits, (gsize)len);
}

char *symbolize_fd_build_id(int fd)
{
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    const void *id = NULL;
    ssize_t len = elf ? dwelf_elf_gnu_build_id(elf, &id) : -1;
    char *hex = len > 0 ? coroner_hex_encode(id, (gsize)len) : NULL;
    if (elf)
        elf_end(elf);
    return hex;
}

/* The GNU build-id of an ELF file, as lowercase hex; NULL when it has none or cannot be read. */
char *symbolize_file_build_id(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char *id = symbolize_fd_build_id(fd);
    close(fd);
    return id;
}

static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, GElf_Addr base,
                          const char *file_name, const char *debuglink_file,
                          GElf_Word debuglink_crc, char **debuginfo_file_name)
{
    g_autofree char *build_id = symbolize_module_build_id(mod);
    g_autofree char *dir =
        build_id && strlen(build_id) > 2 ? symbolize_debuginfo_cache_dir() : NULL;
    if (dir) {
        int fd = symbolize_debuginfo_cache_open(dir, build_id, debuginfo_file_name);
        if (fd >= 0)
            return fd;
    }
    int fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
                                          debuglink_crc, debuginfo_file_name);
    if (fd >= 0 && dir && *debuginfo_file_name)
        symbolize_debuginfo_cache_note(fd, *debuginfo_file_name, build_id);
    return fd;
}

static char *debuginfo_path_storage;

const Dwfl_Callbacks symbolize_core_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = find_debuginfo,
    .debuginfo_path = &debuginfo_path_storage,
};

static gboolean elf_has_debug_info(Elf *elf)
{
    size_t shstrndx;
    if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
        return FALSE;
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr shdr;
        const char *name =
            gelf_getshdr(scn, &shdr) ? elf_strptr(elf, shstrndx, shdr.sh_name) : NULL;
        if (name && (strcmp(name, ".debug_info") == 0 || strcmp(name, ".zdebug_info") == 0))
            return shdr.sh_type != SHT_NOBITS;
    }
    return FALSE;
}

/*
 * Whether a module outside the backtrace has debug info here, without
 * loading it (libdw decompresses every debug section as it opens them, which
 * for libc alone costs more than the whole unwinding): DWARF in the file
 * itself, or a debug file under the standard build-id path.
 */
gboolean symbolize_has_local_debug_info(Dwfl_Module *m, const char *build_id)
{
    Dwarf_Addr bias;
    if (elf_has_debug_info(dwfl_module_getelf(m, &bias)))
        return TRUE;
    if (!build_id || strlen(build_id) < 3)
        return FALSE;
    g_autofree char *path =
        g_strdup_printf("/usr/lib/debug/.build-id/%.2s/%s.debug", build_id, build_id + 2);
    return access(path, R_OK) == 0;
}
