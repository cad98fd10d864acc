/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "crash-index.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs-util.h"
#include "str-util.h"
#include "trust.h"

G_DEFINE_QUARK(coroner-crash-index-error-quark, coroner_crash_index_error)

/* Prefixes shorter than this are too likely to be a word or a number meant as something else. */
#define LOOKUP_PREFIX_MIN 4
/* Linux PIDs stay below 2^22 (7 digits); all-digit text that long or longer is a hash prefix. */
#define PID_DIGITS_MAX 7

static void entry_free(CoronerCrashEntry *e)
{
    if (!e)
        return;
    g_free(e->id);
    g_free(e->hash);
    g_free(e->short_id);
    coroner_crash_record_free(e->record);
    g_free(e->record_error);
    coroner_store_entry_free(e->store_entry);
    coroner_journal_crash_free(e->journal);
    g_free(e);
}

void coroner_crash_index_free(CoronerCrashIndex *index)
{
    if (!index)
        return;
    g_clear_pointer(&index->entries, g_ptr_array_unref);
    g_free(index);
}

/* What the store's file names alone say, for an entry whose record is missing or unreadable. */
static CoronerCrashRecord *record_from_store_entry(const CoronerStoreEntry *se)
{
    CoronerCrashRecord *r = coroner_crash_record_new();
    r->id = g_strdup(se->id);
    r->timestamp_usec = (int64_t)se->usec;
    r->process.uid = se->uid;
    r->process.pid = se->pid;
    (void)coroner_parse_entry_id(se->id, &r->process.comm, NULL, &r->boot_id, NULL, NULL);
    if (se->core_name) {
        r->core.state = CORONER_CORE_PRESENT;
        r->core.file = g_strdup(se->core_name);
        r->core.compression = g_strdup(g_str_has_suffix(se->core_name, ".zst") ? "zstd" : "none");
    } else {
        r->core.state = CORONER_CORE_MISSING;
    }
    return r;
}

static gboolean readable_at(int dir_fd, const char *name)
{
    return faccessat(dir_fd, name, R_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW) == 0;
}

static void compute_core_status(const CoronerCrashIndex *index, CoronerCrashEntry *e)
{
    const CoronerCoreInfo *core = &e->record->core;
    const char *kept = core->state == CORONER_CORE_TRUNCATED ? "truncated" : "present";
    if (e->unverified) {
        e->core_status = "unverified";
    } else if (core->state == CORONER_CORE_NONE) {
        e->core_status = "none";
    } else if (core->state == CORONER_CORE_MISSING) {
        e->core_status = "missing";
    } else if (e->store_entry) {
        if (!e->store_entry->core_name) {
            e->core_status = "missing";
        } else {
            e->core_disk_bytes = e->store_entry->core_bytes;
            e->core_status =
                readable_at(index->store->dir_fd, e->store_entry->core_name) ? kept : "inaccessible";
        }
    } else if (e->journal && e->journal->core_path) {
        struct stat st;
        if (lstat(e->journal->core_path, &st) < 0) {
            e->core_status = errno == ENOENT ? "missing" : "inaccessible";
        } else {
            e->core_disk_bytes = (uint64_t)st.st_blocks * 512;
            e->core_status = readable_at(AT_FDCWD, e->journal->core_path) ? kept : "inaccessible";
        }
    } else if (e->journal && e->journal->core_in_journal) {
        e->core_status = "journal";
    } else {
        e->core_status = "missing";
    }
}

static gint compare_by_time(gconstpointer a, gconstpointer b)
{
    const CoronerCrashEntry *x = *(CoronerCrashEntry *const *)a;
    const CoronerCrashEntry *y = *(CoronerCrashEntry *const *)b;
    if (x->record->timestamp_usec != y->record->timestamp_usec)
        return x->record->timestamp_usec < y->record->timestamp_usec ? -1 : 1;
    return g_strcmp0(x->id, y->id);
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static guint common_prefix(const char *a, const char *b)
{
    guint n = 0;
    while (a[n] && a[n] == b[n])
        n++;
    return n;
}

guint *coroner_short_id_lengths(const char *const *hashes, guint n, guint min_length)
{
    /* Sorted, a hash's longest shared prefix is with one of its two neighbours. */
    g_autofree const char **sorted = g_new(const char *, n ? n : 1);
    memcpy(sorted, hashes, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_strings);
    g_autoptr(GHashTable) need = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < n; i++) {
        guint shared = 0;
        if (i > 0)
            shared = MAX(shared, common_prefix(sorted[i], sorted[i - 1]));
        if (i + 1 < n)
            shared = MAX(shared, common_prefix(sorted[i], sorted[i + 1]));
        guint length = MIN(MAX(min_length, shared + 1), (guint)strlen(sorted[i]));
        g_hash_table_insert(need, (gpointer)sorted[i], GUINT_TO_POINTER(length));
    }
    guint *lengths = g_new(guint, n ? n : 1);
    for (guint i = 0; i < n; i++)
        lengths[i] = GPOINTER_TO_UINT(g_hash_table_lookup(need, hashes[i]));
    return lengths;
}

static void assign_short_ids(GPtrArray *entries)
{
    g_autofree const char **hashes = g_new(const char *, entries->len ? entries->len : 1);
    for (guint i = 0; i < entries->len; i++) {
        CoronerCrashEntry *e = entries->pdata[i];
        e->hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, e->id, -1);
        hashes[i] = e->hash;
    }
    g_autofree guint *lengths = coroner_short_id_lengths(hashes, entries->len, CORONER_SHORT_ID_MIN);
    for (guint i = 0; i < entries->len; i++) {
        CoronerCrashEntry *e = entries->pdata[i];
        e->short_id = g_strndup(e->hash, lengths[i]);
    }
}

static gboolean load_store(CoronerCrashIndex *index, GHashTable *by_id, GError **error)
{
    g_autoptr(GPtrArray) listed = coroner_store_list(index->store, error);
    if (!listed)
        return FALSE;
    /* The entries move into the index one by one. */
    g_ptr_array_set_free_func(listed, NULL);
    for (guint i = 0; i < listed->len; i++) {
        CoronerStoreEntry *se = listed->pdata[i];
        CoronerCrashEntry *e = g_new0(CoronerCrashEntry, 1);
        e->id = g_strdup(se->id);
        e->store_entry = se;
        e->sources = CORONER_CRASH_FROM_STORE;
        e->by_coroner = TRUE;
        if (se->record_name) {
            g_autoptr(GError) local = NULL;
            e->record = coroner_crash_record_load_at(index->store->dir_fd, se->record_name, &local);
            if (!e->record)
                e->record_error = g_strdup(local->message);
            else if (g_strcmp0(e->record->id, se->id) != 0)
                coroner_crash_record_add_error(e->record,
                                               "the record names entry %s, but is stored as %s",
                                               e->record->id ? e->record->id : "(none)", se->id);
        } else {
            e->record_error = g_strdup("the store has no record for this crash");
        }
        if (!e->record)
            e->record = record_from_store_entry(se);
        g_hash_table_insert(by_id, e->id, e);
        g_ptr_array_add(index->entries, e);
    }
    return TRUE;
}

static gboolean load_journal(CoronerCrashIndex *index, GHashTable *by_id,
                             gboolean include_unverified, GError **error)
{
    g_autoptr(GPtrArray) crashes =
        coroner_journal_read_crashes(index->journal, include_unverified, error);
    if (!crashes)
        return FALSE;
    g_ptr_array_set_free_func(crashes, NULL);
    for (guint i = 0; i < crashes->len; i++) {
        CoronerJournalCrash *jc = crashes->pdata[i];
        CoronerCrashEntry *e = g_hash_table_lookup(by_id, jc->record->id);
        if (e && e->journal) {
            /* The same crash twice (the same file opened twice, or a resent entry). */
            coroner_journal_crash_free(jc);
            continue;
        }
        if (e) {
            e->journal = jc;
            e->sources |= CORONER_CRASH_FROM_JOURNAL;
            /* The journal knows more than a file name does. */
            if (e->record_error) {
                coroner_crash_record_free(e->record);
                e->record = g_steal_pointer(&jc->record);
            }
            continue;
        }
        e = g_new0(CoronerCrashEntry, 1);
        e->id = g_strdup(jc->record->id);
        e->journal = jc;
        e->record = g_steal_pointer(&jc->record);
        e->sources = CORONER_CRASH_FROM_JOURNAL;
        e->by_coroner = jc->record_id != NULL;
        e->unverified = !jc->trusted;
        g_hash_table_insert(by_id, e->id, e);
        g_ptr_array_add(index->entries, e);
    }
    return TRUE;
}

CoronerCrashIndex *coroner_crash_index_new(CoronerStore *store, sd_journal *journal)
{
    CoronerCrashIndex *index = g_new0(CoronerCrashIndex, 1);
    index->store = store;
    index->journal = journal;
    index->entries = g_ptr_array_new_with_free_func((GDestroyNotify)entry_free);
    return index;
}

CoronerCrashIndex *coroner_crash_index_load(CoronerStore *store, sd_journal *journal,
                                            gboolean include_unverified, GError **error)
{
    g_autoptr(CoronerCrashIndex) index = coroner_crash_index_new(store, journal);
    g_autoptr(GHashTable) by_id = g_hash_table_new(g_str_hash, g_str_equal);

    if (store && !load_store(index, by_id, error))
        return NULL;
    if (journal && !load_journal(index, by_id, include_unverified, error))
        return NULL;
    g_ptr_array_sort(index->entries, compare_by_time);
    assign_short_ids(index->entries);
    for (guint i = 0; i < index->entries->len; i++)
        compute_core_status(index, index->entries->pdata[i]);
    return g_steal_pointer(&index);
}

static CoronerCrashEntry *lookup_by_prefix(CoronerCrashIndex *index, const char *text,
                                           GError **error)
{
    g_autofree char *prefix = g_ascii_strdown(text, -1);
    g_autoptr(GPtrArray) found = g_ptr_array_new();
    for (guint i = 0; i < index->entries->len; i++) {
        CoronerCrashEntry *e = index->entries->pdata[i];
        if (g_str_has_prefix(e->hash, prefix))
            g_ptr_array_add(found, e);
    }
    if (found->len == 1)
        return found->pdata[0];
    if (found->len == 0) {
        g_set_error(error, CORONER_CRASH_INDEX_ERROR, CORONER_CRASH_INDEX_ERROR_NOT_FOUND,
                    "no crash has the id %s", text);
        return NULL;
    }
    GString *list = g_string_new(NULL);
    for (guint i = 0; i < found->len && i < 8; i++) {
        CoronerCrashEntry *e = found->pdata[i];
        g_string_append_printf(list, "%s%s", i ? ", " : "", e->short_id);
    }
    g_set_error(error, CORONER_CRASH_INDEX_ERROR, CORONER_CRASH_INDEX_ERROR_AMBIGUOUS,
                "the id %s is ambiguous: it could be %s%s", text, list->str,
                found->len > 8 ? ", …" : "");
    g_string_free(list, TRUE);
    return NULL;
}

CoronerCrashEntry *coroner_crash_index_lookup(CoronerCrashIndex *index, const char *text,
                                              GError **error)
{
    GPtrArray *entries = index->entries;

    if (text[0] == '-' && coroner_str_is_digits(text + 1)) {
        guint64 back;
        if (!g_ascii_string_to_unsigned(text + 1, 10, 1, G_MAXUINT, &back, NULL)) {
            g_set_error(error, CORONER_CRASH_INDEX_ERROR, CORONER_CRASH_INDEX_ERROR_NOT_FOUND,
                        "%s: counting back starts at -1 (the newest crash)", text);
            return NULL;
        }
        if (back > entries->len) {
            g_set_error(error, CORONER_CRASH_INDEX_ERROR, CORONER_CRASH_INDEX_ERROR_NOT_FOUND,
                        "%s: there %s only %u crash%s", text, entries->len == 1 ? "is" : "are",
                        entries->len, entries->len == 1 ? "" : "es");
            return NULL;
        }
        return entries->pdata[entries->len - back];
    }

    if (g_str_has_prefix(text, "core.")) {
        g_autofree char *base = g_path_get_basename(text);
        g_autofree char *id = NULL;
        if (!coroner_parse_store_name(base, &id, NULL, NULL, NULL, NULL))
            id = g_strdup(base);
        for (guint i = 0; i < entries->len; i++) {
            CoronerCrashEntry *e = entries->pdata[i];
            if (g_str_equal(e->id, id))
                return e;
        }
        g_set_error(error, CORONER_CRASH_INDEX_ERROR, CORONER_CRASH_INDEX_ERROR_NOT_FOUND,
                    "no crash has the entry id %s", id);
        return NULL;
    }

    if (coroner_str_is_digits(text) && strlen(text) <= PID_DIGITS_MAX) {
        guint64 pid;
        if (!g_ascii_string_to_unsigned(text, 10, 1, G_MAXINT32, &pid, NULL)) {
            g_set_error(error, CORONER_CRASH_INDEX_ERROR, CORONER_CRASH_INDEX_ERROR_NOT_FOUND,
                        "%s is not a valid PID", text);
            return NULL;
        }
        for (guint i = entries->len; i > 0; i--) {
            CoronerCrashEntry *e = entries->pdata[i - 1];
            if (e->record->process.pid == (int64_t)pid)
                return e;
        }
        /*
         * A hash starts with only decimal digits often enough (one in ten
         * for 5 characters) that a prefix typed from a short id like
         * 01276cbc must still find it when no crash has that PID.
         */
        if (strlen(text) >= LOOKUP_PREFIX_MIN) {
            CoronerCrashEntry *e = lookup_by_prefix(index, text, NULL);
            if (e)
                return e;
        }
        g_set_error(error, CORONER_CRASH_INDEX_ERROR, CORONER_CRASH_INDEX_ERROR_NOT_FOUND,
                    "no crash of PID %s", text);
        return NULL;
    }

    if (coroner_str_is_hex(text) && strlen(text) >= LOOKUP_PREFIX_MIN && strlen(text) <= 64)
        return lookup_by_prefix(index, text, error);

    g_set_error(error, CORONER_CRASH_INDEX_ERROR, CORONER_CRASH_INDEX_ERROR_NOT_AN_ID,
                "%s is not a crash id (an id is -1 for the newest, a short id like %s, an entry "
                "id core.…, or a PID)",
                text, entries->len ? ((CoronerCrashEntry *)entries->pdata[0])->short_id
                                   : "1a2b3c4d");
    return NULL;
}

char *coroner_crash_entry_core_path(const CoronerCrashIndex *index, const CoronerCrashEntry *e)
{
    if (e->store_entry && e->store_entry->core_name)
        return g_build_filename(index->store->path, e->store_entry->core_name, NULL);
    if (e->journal && e->journal->core_path)
        return g_strdup(e->journal->core_path);
    return NULL;
}

/* A core a journal entry names: only in our store or systemd-coredump's, and only that crash's. */
static int open_journal_core(const CoronerCrashIndex *index, const CoronerCrashEntry *e,
                             GError **error)
{
    const char *dirs[] = {CORONER_SYSTEMD_COREDUMP_DIR, NULL, NULL};
    if (index->store)
        dirs[1] = index->store->path;
    int fd = coroner_open_store_file(e->journal->core_path, dirs, e->id, error);
    if (fd >= 0 && !coroner_core_check_magic(fd, error)) {
        close(fd);
        return -1;
    }
    return fd;
}

int coroner_crash_entry_open_core(const CoronerCrashIndex *index, const CoronerCrashEntry *e,
                                  GError **error)
{
    if (e->store_entry && e->store_entry->core_name)
        return coroner_open_regular_at(index->store->dir_fd, e->store_entry->core_name, "the core",
                                       error);
    if (e->journal && e->journal->core_path)
        return open_journal_core(index, e, error);
    if (e->journal && e->journal->core_in_journal && index->journal)
        return coroner_journal_core_memfd(index->journal, e->journal->cursor, error);
    const char *why = e->record->core.reason;
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no core was kept for this crash%s%s",
                why ? ": " : "", why ? why : "");
    return -1;
}

const char *coroner_crash_entry_sources(const CoronerCrashEntry *e)
{
    switch (e->sources) {
    case CORONER_CRASH_FROM_STORE:
        return "store";
    case CORONER_CRASH_FROM_JOURNAL:
        return "journal";
    default:
        return "store+journal";
    }
}
