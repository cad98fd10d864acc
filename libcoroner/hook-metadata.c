/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The handler-side reader of libcoroner-hook's region (see hook-metadata.h).
 *
 * The blob read_raw() hands to parse() is private to this file and
 * documented in docs/hook-metadata.md:
 *   BlobHeader (64 bytes) | region bytes | BlobBuffer + bytes (8-aligned) ...
 * The region is hostile data from the crashed application, so nothing here
 * casts into it: fields are copied out by offset after the bounds that make
 * the copy safe have been checked once, in region_validate().
 */
#include "hook-metadata.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <unistd.h>

/* The layout contract is owned by the hook library; both sides compile it. */
#include "coroner-hook-layout.h"
#include "keyed.h"

#define MAPS_MAX_BYTES (64u * 1024u * 1024u)
#define SMALL_PROC_FILE_MAX (64u * 1024u)

#define BLOB_MAGIC "CRNRBLOB"
#define BLOB_VERSION 1u

typedef struct {
    char magic[8];
    uint32_t version;
    uint32_t header_size;
    uint64_t region_address;
    uint64_t region_size;  /* bytes of region that follow the header */
    int64_t start_ticks;   /* /proc/PID/stat starttime as the handler saw it, -1 unknown */
    int64_t nspid;         /* innermost pid from /proc/PID/status NSpid, -1 unknown */
    uint32_t buffer_count; /* BlobBuffer records after the region */
    uint32_t reserved;
    int64_t pid; /* the process read, as the handler sees it ("Pid:"), -1 unknown */
} BlobHeader;
G_STATIC_ASSERT(sizeof(BlobHeader) == 64);

#define BLOB_BUFFER_TEXT 0x1u
#define BLOB_BUFFER_TRUNCATED 0x2u  /* cut at the copy budget */
#define BLOB_BUFFER_UNREADABLE 0x4u /* the memory could not be read (wholly or partly) */

typedef struct {
    uint32_t slot; /* index into the region's buffers table */
    uint32_t flags;
    uint64_t address;
    uint64_t declared_length; /* as the descriptor said */
    uint64_t copied_length;   /* bytes that follow, then padding to 8 */
} BlobBuffer;
G_STATIC_ASSERT(sizeof(BlobBuffer) == 32);

/* A region whose header and tables passed region_validate(): every entry lies inside data. */
typedef struct {
    const guint8 *data;
    gsize size;
    struct coroner_hook_header h;
} Region;

static gboolean invalid(GError **error, const char *what)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "hook metadata: %s", what);
    return FALSE;
}

static gboolean copy_at(const guint8 *base, gsize size, uint64_t offset, void *out, gsize n)
{
    if (offset > size || n > size - offset)
        return FALSE;
    memcpy(out, base + offset, n);
    return TRUE;
}

/* Reads a field of a validated table entry; the caller has checked it lies in the entry. */
static uint32_t u32_at(const Region *r, uint64_t offset)
{
    uint32_t v = 0;
    copy_at(r->data, r->size, offset, &v, sizeof(v));
    return v;
}

static uint64_t u64_at(const Region *r, uint64_t offset)
{
    uint64_t v = 0;
    copy_at(r->data, r->size, offset, &v, sizeof(v));
    return v;
}

static char *text_at(const Region *r, uint64_t offset, uint32_t capacity)
{
    if (offset > r->size || capacity > r->size - offset)
        return NULL;
    const char *p = (const char *)r->data + offset;
    gsize length = strnlen(p, capacity);
    if (length == 0)
        return NULL;
    return g_utf8_make_valid(p, (gssize)length);
}

static gboolean table_valid(const Region *r, const struct coroner_hook_table *t, uint64_t prefix)
{
    if (t->count > CORONER_HOOK_TABLE_MAX_COUNT || t->cap1 > CORONER_HOOK_FIELD_MAX_CAP ||
        t->cap2 > CORONER_HOOK_FIELD_MAX_CAP)
        return FALSE;
    uint64_t minimum = prefix + t->cap1 + t->cap2;
    if (t->entry_size < minimum || t->entry_size > CORONER_HOOK_REGION_MAX_SIZE)
        return FALSE;
    if (t->offset < r->h.header_size)
        return FALSE;
    uint64_t end = (uint64_t)t->offset + (uint64_t)t->count * t->entry_size;
    return end <= r->size;
}

static gboolean region_validate(const guint8 *data, gsize size, Region *ret, GError **error)
{
    Region r = {.data = data, .size = size};
    if (!copy_at(data, size, 0, &r.h, sizeof(r.h)))
        return invalid(error, "region smaller than its header");
    if (memcmp(r.h.magic, CORONER_HOOK_MAGIC, CORONER_HOOK_MAGIC_SIZE) != 0)
        return invalid(error, "bad magic");
    if (r.h.byte_order != CORONER_HOOK_BYTE_ORDER_MARK)
        return invalid(error, "written with another byte order");
    if (r.h.layout_version != CORONER_HOOK_LAYOUT_VERSION)
        return invalid(error, "unsupported layout version");
    if (r.h.header_size < sizeof(r.h) || r.h.header_size > size)
        return invalid(error, "bad header size");
    if (r.h.total_size < r.h.header_size || r.h.total_size > size)
        return invalid(error, "bad total size");
    r.size = (gsize)r.h.total_size;

    if (!table_valid(&r, &r.h.strings, CORONER_HOOK_SLOT_PREFIX) ||
        !table_valid(&r, &r.h.annotations, CORONER_HOOK_SLOT_PREFIX) ||
        !table_valid(&r, &r.h.breadcrumbs, CORONER_HOOK_BREADCRUMB_MESSAGE) ||
        !table_valid(&r, &r.h.buffers, CORONER_HOOK_BUFFER_NAME) || !table_valid(&r, &r.h.crash, 0))
        return invalid(error, "table out of bounds");
    if (r.h.crash.count < 1 || r.h.crash.entry_size < sizeof(struct coroner_hook_crash_block))
        return invalid(error, "bad crash block");
    *ret = r;
    return TRUE;
}

static uint64_t entry_offset(const struct coroner_hook_table *t, uint32_t index)
{
    return (uint64_t)t->offset + (uint64_t)index * t->entry_size;
}

/* -------------------------------------------------------------------------------------------- */
/* find and read_raw: privileged, minimal interpretation.                                        */

static gboolean read_proc_file(int dir_fd, const char *name, gsize max_bytes, GString **ret,
                               GError **error)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        int err = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "opening %s: %s", name,
                    g_strerror(err));
        return FALSE;
    }
    GString *s = g_string_sized_new(4096);
    char chunk[16384];
    while (s->len < max_bytes) {
        ssize_t n = read(fd, chunk, MIN(sizeof(chunk), max_bytes - s->len));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "reading %s: %s", name,
                        g_strerror(err));
            g_string_free(s, TRUE);
            close(fd);
            return FALSE;
        }
        if (n == 0)
            break;
        g_string_append_len(s, chunk, n);
    }
    close(fd);
    *ret = s;
    return TRUE;
}

gboolean coroner_hook_metadata_find(int proc_pid_dir_fd, uint64_t *ret_start, uint64_t *ret_size,
                                    GError **error)
{
    GString *maps = NULL;
    if (!read_proc_file(proc_pid_dir_fd, "maps", MAPS_MAX_BYTES, &maps, error))
        return FALSE;

    gboolean found = FALSE;
    uint64_t start = 0, end = 0;
    char *line = maps->str;
    while (!found && line && *line) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        /* "start-end perms offset dev inode   name": the name follows the fifth field. */
        char *p = line;
        for (int field = 0; field < 5 && p; field++) {
            p = strchr(p, ' ');
            if (p)
                while (*p == ' ')
                    p++;
        }
        if (p && (strcmp(p, CORONER_HOOK_MAPS_ANON_NAME) == 0 ||
                  strcmp(p, CORONER_HOOK_MAPS_MEMFD_NAME) == 0)) {
            char *dash;
            start = g_ascii_strtoull(line, &dash, 16);
            if (*dash == '-') {
                end = g_ascii_strtoull(dash + 1, NULL, 16);
                found = end > start;
            }
        }
        line = next;
    }
    g_string_free(maps, TRUE);

    if (!found) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                            "no libcoroner-hook region in this process");
        return FALSE;
    }
    *ret_start = start;
    *ret_size = end - start;
    return TRUE;
}

/* Reads up to length bytes at address; returns how many were read, -errno if none. */
static gssize read_mem(int fd, guint8 *out, uint64_t address, gsize length)
{
    gsize done = 0;
    while (done < length) {
        ssize_t n = pread(fd, out + done, length - done, (off_t)(address + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return done > 0 ? (gssize)done : -errno;
        if (n == 0)
            break;
        done += (gsize)n;
    }
    return (gssize)done;
}

static void mark_torn(guint8 *first, const guint8 *second, uint64_t off)
{
    uint32_t a, b;
    memcpy(&a, first + off, sizeof(a));
    memcpy(&b, second + off, sizeof(b));
    if (a != b) {
        a |= 1;
        memcpy(first + off, &a, sizeof(a));
    }
}

/*
 * The region was read twice: a slot whose seq differs between the reads was
 * being written meanwhile (possible only while the process still runs), so
 * its bytes in the first copy may be torn: mark it odd, as a writer would.
 */
static void mark_changed_slots(guint8 *first, const guint8 *second, const Region *r)
{
    const struct coroner_hook_table *tables[] = {&r->h.strings, &r->h.annotations,
                                                 &r->h.breadcrumbs, &r->h.buffers};
    for (gsize t = 0; t < G_N_ELEMENTS(tables); t++)
        for (uint32_t i = 0; i < tables[t]->count; i++)
            mark_torn(first, second, entry_offset(tables[t], i) + CORONER_HOOK_SLOT_SEQ);
    const uint64_t crash = r->h.crash.offset;
    mark_torn(first, second, crash + offsetof(struct coroner_hook_crash_block, seq));
    mark_torn(first, second, crash + offsetof(struct coroner_hook_crash_block, exception_seq));
}

static int64_t proc_start_ticks(int dir_fd)
{
    GString *stat = NULL;
    if (!read_proc_file(dir_fd, "stat", SMALL_PROC_FILE_MAX, &stat, NULL))
        return -1;
    int64_t ticks = -1;
    char *p = strrchr(stat->str, ')');
    if (p) {
        int field = 2;
        for (p++; *p && field < 22; p++)
            if (*p == ' ')
                field++;
        if (g_ascii_isdigit(*p))
            ticks = (int64_t)g_ascii_strtoull(p, NULL, 10);
    }
    g_string_free(stat, TRUE);
    return ticks;
}

/* The pid as the handler sees it, and the innermost one, as the process sees itself. */
static void proc_pids(int dir_fd, int64_t *ret_pid, int64_t *ret_nspid)
{
    *ret_pid = *ret_nspid = -1;
    GString *status = NULL;
    if (!read_proc_file(dir_fd, "status", SMALL_PROC_FILE_MAX, &status, NULL))
        return;
    g_auto(GStrv) lines = g_strsplit(status->str, "\n", -1);
    g_string_free(status, TRUE);
    for (char **line = lines; *line; line++) {
        if (g_str_has_prefix(*line, "Pid:")) {
            *ret_pid = (int64_t)g_ascii_strtoll(*line + strlen("Pid:"), NULL, 10);
        } else if (g_str_has_prefix(*line, "NSpid:")) {
            g_auto(GStrv) fields = g_strsplit_set(*line + strlen("NSpid:"), " \t", -1);
            for (char **f = fields; *f; f++)
                if (**f)
                    *ret_nspid = (int64_t)g_ascii_strtoll(*f, NULL, 10);
        }
    }
}

static void append_padded(GByteArray *out, const guint8 *data, gsize length)
{
    static const guint8 zeros[8] = {0};
    if (length > 0)
        g_byte_array_append(out, data, (guint)length);
    if (length % 8)
        g_byte_array_append(out, zeros, (guint)(8 - length % 8));
}

GBytes *coroner_hook_metadata_read_raw(int proc_pid_dir_fd, uint64_t start, uint64_t size,
                                       GError **error)
{
    if (size < sizeof(struct coroner_hook_header) || size > CORONER_HOOK_REGION_MAX_SIZE ||
        start > (uint64_t)G_MAXINT64 - size) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "hook metadata: implausible region %#" G_GINT64_MODIFIER "x+%" G_GUINT64_FORMAT,
                    (guint64)start, (guint64)size);
        return NULL;
    }
    int fd = openat(proc_pid_dir_fd, "mem", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        int err = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "opening mem: %s",
                    g_strerror(err));
        return NULL;
    }

    guint8 *first = g_malloc(size);
    guint8 *second = g_malloc(size);
    GByteArray *out = NULL;
    Region r;
    gssize n = read_mem(fd, first, start, size);
    if (n != (gssize)size) {
        int err = n < 0 ? (int)-n : EIO;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "reading the region: %s",
                    g_strerror(err));
        goto out;
    }
    if (!region_validate(first, size, &r, error))
        goto out;
    if (read_mem(fd, second, start, size) == (gssize)size)
        mark_changed_slots(first, second, &r);

    BlobHeader header = {.version = BLOB_VERSION, .header_size = sizeof(BlobHeader)};
    memcpy(header.magic, BLOB_MAGIC, sizeof(header.magic));
    header.region_address = start;
    header.region_size = size;
    header.start_ticks = proc_start_ticks(proc_pid_dir_fd);
    proc_pids(proc_pid_dir_fd, &header.pid, &header.nspid);

    out = g_byte_array_sized_new((guint)(sizeof(header) + size + 4096));
    g_byte_array_append(out, (const guint8 *)&header, sizeof(header));
    append_padded(out, first, size);

    gsize budget = CORONER_HOOK_READ_BUFFER_BUDGET;
    uint32_t count = 0;
    for (uint32_t i = 0; i < r.h.buffers.count; i++) {
        uint64_t e = entry_offset(&r.h.buffers, i);
        uint32_t seq = u32_at(&r, e + CORONER_HOOK_SLOT_SEQ);
        uint32_t flags = u32_at(&r, e + CORONER_HOOK_SLOT_FLAGS);
        if ((seq & 1) || !(flags & CORONER_HOOK_SLOT_USED))
            continue;
        BlobBuffer b = {.slot = i};
        b.address = u64_at(&r, e + CORONER_HOOK_BUFFER_ADDRESS);
        b.declared_length = u64_at(&r, e + CORONER_HOOK_BUFFER_LENGTH);
        b.flags = (flags & CORONER_HOOK_SLOT_TEXT) ? BLOB_BUFFER_TEXT : 0;
        gsize want = (gsize)MIN(b.declared_length, (uint64_t)budget);
        if (want < b.declared_length)
            b.flags |= BLOB_BUFFER_TRUNCATED;

        g_autofree guint8 *data = NULL;
        if (want > 0 && b.address <= (uint64_t)G_MAXINT64 - want) {
            data = g_malloc(want);
            gssize got = read_mem(fd, data, b.address, want);
            b.copied_length = got > 0 ? (uint64_t)got : 0;
            if (b.copied_length < want)
                b.flags |= BLOB_BUFFER_UNREADABLE;
        } else if (want > 0) {
            b.flags |= BLOB_BUFFER_UNREADABLE;
        }
        budget -= (gsize)b.copied_length;
        g_byte_array_append(out, (const guint8 *)&b, sizeof(b));
        append_padded(out, data, (gsize)b.copied_length);
        count++;
    }
    memcpy(out->data + offsetof(BlobHeader, buffer_count), &count, sizeof(count));

out:
    close(fd);
    g_free(first);
    g_free(second);
    return out ? g_byte_array_free_to_bytes(out) : NULL;
}

/* -------------------------------------------------------------------------------------------- */
/* parse: unprivileged, hostile input.                                                          */

/* The names the record uses for the hook's states; "unknown" for one this reader does not know. */
static const char *const save_states[] = {
    [CORONER_HOOK_SAVE_NONE] = "none",
    [CORONER_HOOK_SAVE_PENDING] = "pending",
    [CORONER_HOOK_SAVE_RUNNING] = "running",
    [CORONER_HOOK_SAVE_DONE] = "done",
    [CORONER_HOOK_SAVE_TIMED_OUT] = "timed-out",
    [CORONER_HOOK_SAVE_CRASHED] = "crashed",
};
static const char *const chain_states[] = {
    [CORONER_HOOK_CHAIN_NONE] = "none",
    [CORONER_HOOK_CHAIN_CALLED] = "called",
    [CORONER_HOOK_CHAIN_RETURNED] = "returned",
    [CORONER_HOOK_CHAIN_CRASHED] = "crashed",
};
static const char *const restart_states[] = {
    [CORONER_HOOK_RESTART_OFF] = "off",
    [CORONER_HOOK_RESTART_STARTED] = "started",
    [CORONER_HOOK_RESTART_LOOP] = "crash-loop",
    [CORONER_HOOK_RESTART_FAILED] = "failed",
};
static const char *const transports[] = {
    [CORONER_HOOK_TRANSPORT_ANON_NAME] = "anon-name",
    [CORONER_HOOK_TRANSPORT_MEMFD] = "memfd",
};

static const char *state_name(uint32_t state, const char *const *names, size_t n)
{
    return state < n && names[state] ? names[state] : "unknown";
}

#define STATE_NAME(state, names) state_name((state), (names), G_N_ELEMENTS(names))

/* A slot is usable when no write was in progress (even seq) and it holds data. */
static gboolean slot_usable(const Region *r, uint64_t entry, guint *dropped, uint32_t *ret_flags)
{
    uint32_t seq = u32_at(r, entry + CORONER_HOOK_SLOT_SEQ);
    uint32_t flags = u32_at(r, entry + CORONER_HOOK_SLOT_FLAGS);
    if (seq & 1) {
        (*dropped)++;
        return FALSE;
    }
    if (ret_flags)
        *ret_flags = flags;
    return (flags & CORONER_HOOK_SLOT_USED) != 0;
}

static void parse_strings(const Region *r, CoronerAppInfo *app, guint *dropped)
{
    char **targets[CORONER_HOOK_STRING_COUNT] = {
        [CORONER_HOOK_STRING_APP_ID] = &app->app_id,
        [CORONER_HOOK_STRING_NAME] = &app->name,
        [CORONER_HOOK_STRING_VERSION] = &app->version,
        [CORONER_HOOK_STRING_BUG_ADDRESS] = &app->bug_address,
        [CORONER_HOOK_STRING_DSN] = &app->dsn,
        [CORONER_HOOK_STRING_GROUP] = &app->group,
    };
    const struct coroner_hook_table *t = &r->h.strings;
    for (uint32_t i = 0; i < t->count && i < CORONER_HOOK_STRING_COUNT; i++) {
        uint64_t e = entry_offset(t, i);
        if (slot_usable(r, e, dropped, NULL))
            *targets[i] = text_at(r, e + CORONER_HOOK_SLOT_PREFIX, t->cap1);
    }
}

static void parse_annotations(const Region *r, CoronerAppInfo *app, guint *dropped)
{
    const struct coroner_hook_table *t = &r->h.annotations;
    for (uint32_t i = 0; i < t->count; i++) {
        uint64_t e = entry_offset(t, i);
        if (!slot_usable(r, e, dropped, NULL))
            continue;
        char *key = text_at(r, e + CORONER_HOOK_SLOT_PREFIX, t->cap1);
        if (!key)
            continue;
        CoronerAnnotation *a = g_new0(CoronerAnnotation, 1);
        a->key = key;
        a->value = text_at(r, e + CORONER_HOOK_SLOT_PREFIX + t->cap1, t->cap2);
        if (!a->value)
            a->value = g_strdup("");
        g_ptr_array_add(app->annotations, a);
    }
}

static void parse_breadcrumbs(const Region *r, CoronerAppInfo *app, guint *dropped)
{
    const struct coroner_hook_table *t = &r->h.breadcrumbs;
    /* The ring's slots are in no order: its ordinals say which crumb came first. */
    GArray *crumbs = g_array_new(FALSE, FALSE, sizeof(CoronerKeyed));
    for (uint32_t i = 0; i < t->count; i++) {
        uint64_t e = entry_offset(t, i);
        if (!slot_usable(r, e, dropped, NULL))
            continue;
        CoronerBreadcrumb *crumb = g_new0(CoronerBreadcrumb, 1);
        crumb->timestamp_usec = (int64_t)u64_at(r, e + CORONER_HOOK_BREADCRUMB_TIMESTAMP);
        crumb->message = text_at(r, e + CORONER_HOOK_BREADCRUMB_MESSAGE, t->cap1);
        if (!crumb->message)
            crumb->message = g_strdup("");
        /* An ordinal is a count from 0; one past INT64_MAX (the app's memory says so) sorts last. */
        uint64_t ordinal = u64_at(r, e + CORONER_HOOK_BREADCRUMB_ORDINAL);
        CoronerKeyed c = {(int64_t)MIN(ordinal, (uint64_t)INT64_MAX), crumb};
        g_array_append_val(crumbs, c);
    }
    g_array_sort(crumbs, coroner_keyed_compare);
    for (guint i = 0; i < crumbs->len; i++)
        g_ptr_array_add(app->breadcrumbs, g_array_index(crumbs, CoronerKeyed, i).item);
    g_array_free(crumbs, TRUE);
}

static GBytes *buffer_bytes(const guint8 *data, gsize length, gboolean is_text)
{
    if (!is_text)
        return g_bytes_new(data, length);
    /* Text buffers are C strings in the app: they end at the first NUL. */
    const guint8 *nul = memchr(data, '\0', length);
    if (nul)
        length = (gsize)(nul - data);
    char *valid = g_utf8_make_valid((const char *)data, (gssize)length);
    return g_bytes_new_take(valid, strlen(valid));
}

static void parse_buffers(const Region *r, const guint8 *blob, gsize blob_size, gsize offset,
                          uint32_t count, CoronerAppInfo *app, CoronerHookCrash *crash)
{
    const struct coroner_hook_table *t = &r->h.buffers;
    gsize total = 0;
    for (uint32_t i = 0; i < count && i < t->count; i++) {
        BlobBuffer b;
        if (!copy_at(blob, blob_size, offset, &b, sizeof(b)))
            return;
        offset += sizeof(b);
        if (b.copied_length > blob_size - offset ||
            b.copied_length > CORONER_HOOK_READ_BUFFER_BUDGET - total)
            return;
        const guint8 *data = blob + offset;
        gsize length = (gsize)b.copied_length;
        offset += length;
        if (length % 8)
            offset += 8 - length % 8;
        total += length;

        if (b.slot >= t->count)
            continue;
        uint64_t e = entry_offset(t, b.slot);
        uint32_t flags = 0;
        if (!slot_usable(r, e, &crash->dropped_slots, &flags) ||
            u64_at(r, e + CORONER_HOOK_BUFFER_ADDRESS) != b.address)
            continue;
        CoronerBuffer *buf = g_new0(CoronerBuffer, 1);
        buf->name = text_at(r, e + CORONER_HOOK_BUFFER_NAME, t->cap1);
        if (!buf->name)
            buf->name = g_strdup("");
        buf->is_text = (flags & CORONER_HOOK_SLOT_TEXT) != 0;
        buf->data = buffer_bytes(data, length, buf->is_text);
        buf->address = b.address;
        buf->length = length;
        if (b.flags & (BLOB_BUFFER_TRUNCATED | BLOB_BUFFER_UNREADABLE) ||
            b.copied_length < b.declared_length)
            crash->truncated_buffers++;
        g_ptr_array_add(app->buffers, buf);
    }
}

static void parse_crash(const Region *r, CoronerAppInfo *app, CoronerHookCrash *crash)
{
    const uint64_t base = r->h.crash.offset;
#define FIELD(name) (base + offsetof(struct coroner_hook_crash_block, name))
    uint32_t seq = u32_at(r, FIELD(seq));
    if (seq & 1) {
        crash->dropped_slots++;
    } else if (u32_at(r, FIELD(state)) == CORONER_HOOK_CRASH_WRITTEN) {
        crash->signal_number = (int)u32_at(r, FIELD(signo));
        crash->code = (int)u32_at(r, FIELD(code));
        crash->has_code = TRUE;
        uint32_t flags = u32_at(r, FIELD(flags));
        if (flags & CORONER_HOOK_CRASH_HAS_ADDRESS) {
            crash->address = u64_at(r, FIELD(address));
            crash->has_address = TRUE;
        }
        if (flags & CORONER_HOOK_CRASH_HAS_SENDER) {
            crash->sender_pid = (int64_t)u64_at(r, FIELD(sender_pid));
            crash->sender_uid = u32_at(r, FIELD(sender_uid));
            crash->has_sender = TRUE;
        }
        crash->tid = (int64_t)u64_at(r, FIELD(tid));
        crash->time_usec = (int64_t)u64_at(r, FIELD(time_usec));
        app->crashed_thread_name = text_at(r, FIELD(thread_name), CORONER_HOOK_THREAD_NAME_SIZE);
    }
    /* Single words, written after the seqlocked part: readable on their own. */
    crash->emergency_save = STATE_NAME(u32_at(r, FIELD(save_state)), save_states);
    crash->previous_handler = STATE_NAME(u32_at(r, FIELD(chain_state)), chain_states);
    crash->restart = STATE_NAME(u32_at(r, FIELD(restart_state)), restart_states);

    uint32_t exception_seq = u32_at(r, FIELD(exception_seq));
    if (exception_seq & 1) {
        crash->dropped_slots++;
    } else if (u32_at(r, FIELD(exception_flags)) & CORONER_HOOK_SLOT_USED) {
        app->exception_type = text_at(r, FIELD(exception_type), CORONER_HOOK_EXCEPTION_TYPE_SIZE);
        app->exception_what = text_at(r, FIELD(exception_what), CORONER_HOOK_EXCEPTION_WHAT_SIZE);
    }
#undef FIELD
}

CoronerAppInfo *coroner_hook_metadata_parse_full(GBytes *raw, int64_t expected_pid,
                                                 CoronerHookCrash *ret_crash, GError **error)
{
    if (!raw) {
        invalid(error, "no data");
        return NULL;
    }
    gsize blob_size = 0;
    const guint8 *blob = g_bytes_get_data(raw, &blob_size);
    BlobHeader header;
    if (!blob || !copy_at(blob, blob_size, 0, &header, sizeof(header))) {
        invalid(error, "blob smaller than its header");
        return NULL;
    }
    if (memcmp(header.magic, BLOB_MAGIC, sizeof(header.magic)) != 0 ||
        header.version != BLOB_VERSION || header.header_size < sizeof(header) ||
        header.header_size > blob_size) {
        invalid(error, "bad blob header");
        return NULL;
    }
    if (header.region_size > blob_size - header.header_size ||
        header.region_size > CORONER_HOOK_REGION_MAX_SIZE) {
        invalid(error, "region larger than the blob");
        return NULL;
    }

    Region r;
    if (!region_validate(blob + header.header_size, (gsize)header.region_size, &r, error))
        return NULL;

    /*
     * The blob must come from the process the handler means, and the region
     * must name that process: by the pid the handler knows, or (inside a pid
     * namespace, e.g. Flatpak) by the innermost pid the process knows itself by.
     */
    if ((header.pid > 0 && header.pid != expected_pid) ||
        (r.h.pid != expected_pid && !(header.nspid > 0 && r.h.pid == header.nspid))) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "hook metadata: the region belongs to pid %" G_GINT64_FORMAT
                    ", not %" G_GINT64_FORMAT,
                    (gint64)r.h.pid, (gint64)expected_pid);
        return NULL;
    }
    if (r.h.start_ticks != 0 && header.start_ticks >= 0 &&
        r.h.start_ticks != (uint64_t)header.start_ticks) {
        invalid(error, "the region belongs to an earlier process with the same pid");
        return NULL;
    }

    CoronerHookCrash crash = {
        .tid = -1,
        .emergency_save = "none",
        .previous_handler = "none",
        .restart = "off",
        .transport = STATE_NAME(r.h.transport, transports),
    };
    CoronerAppInfo *app = coroner_app_info_new();
    parse_strings(&r, app, &crash.dropped_slots);
    parse_annotations(&r, app, &crash.dropped_slots);
    parse_breadcrumbs(&r, app, &crash.dropped_slots);
    parse_crash(&r, app, &crash);

    gsize buffers = header.header_size + (gsize)header.region_size;
    if (buffers % 8)
        buffers += 8 - buffers % 8;
    if (buffers <= blob_size)
        parse_buffers(&r, blob, blob_size, buffers, header.buffer_count, app, &crash);

    if (ret_crash)
        *ret_crash = crash;
    return app;
}

CoronerAppInfo *coroner_hook_metadata_parse(GBytes *raw, int64_t expected_pid, GError **error)
{
    return coroner_hook_metadata_parse_full(raw, expected_pid, NULL, error);
}

gboolean coroner_hook_crash_apply_signal(const CoronerHookCrash *crash, CoronerSignalInfo *signal)
{
    if (!crash || !signal || crash->signal_number == 0 || crash->signal_number != signal->number)
        return FALSE;
    signal->code = crash->code;
    signal->has_code = crash->has_code;
    if (crash->has_address) {
        signal->address = crash->address;
        signal->has_address = TRUE;
    }
    return TRUE;
}
