/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "coroner-crash-list.h"

#include "store.h"

struct _CoronerCrashList {
    GObject parent_instance;
    char *store_path;
    uid_t uid;
    CoronerCrashFeed *journal;
    CoronerState *state;
    GPtrArray *items;   /* CoronerCrash*, newest first */
    GHashTable *by_id;  /* id → CoronerCrash* (borrowed from items) */
    gint64 since_usec;
};

static void list_model_iface_init(GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(CoronerCrashList, coroner_crash_list, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_LIST_MODEL, list_model_iface_init))

static GType get_item_type(GListModel *model)
{
    return CORONER_TYPE_CRASH;
}

static guint get_n_items(GListModel *model)
{
    return CORONER_CRASH_LIST(model)->items->len;
}

static gpointer get_item(GListModel *model, guint position)
{
    CoronerCrashList *self = CORONER_CRASH_LIST(model);

    if (position >= self->items->len)
        return NULL;
    return g_object_ref(g_ptr_array_index(self->items, position));
}

static void list_model_iface_init(GListModelInterface *iface)
{
    iface->get_item_type = get_item_type;
    iface->get_n_items = get_n_items;
    iface->get_item = get_item;
}

static void coroner_crash_list_finalize(GObject *object)
{
    CoronerCrashList *self = CORONER_CRASH_LIST(object);

    g_hash_table_unref(self->by_id);
    g_ptr_array_unref(self->items);
    g_clear_object(&self->state);
    g_free(self->store_path);
    G_OBJECT_CLASS(coroner_crash_list_parent_class)->finalize(object);
}

static void coroner_crash_list_class_init(CoronerCrashListClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = coroner_crash_list_finalize;
}

static void coroner_crash_list_init(CoronerCrashList *self)
{
    self->items = g_ptr_array_new_with_free_func(g_object_unref);
    self->by_id = g_hash_table_new(g_str_hash, g_str_equal);
}

CoronerCrashList *coroner_crash_list_new(const char *store_path, uid_t uid, CoronerCrashFeed *journal,
                                         CoronerState *state)
{
    CoronerCrashList *self = g_object_new(CORONER_TYPE_CRASH_LIST, NULL);

    self->store_path = g_strdup(store_path);
    self->uid = uid;
    self->journal = journal;
    self->state = g_object_ref(state);
    return self;
}

const char *coroner_crash_list_get_store_path(CoronerCrashList *self)
{
    return self->store_path;
}

CoronerCrash *coroner_crash_list_lookup(CoronerCrashList *self, const char *id)
{
    return g_hash_table_lookup(self->by_id, id);
}

/* Inserts keeping newest first; takes crash.  Returns the position. */
static guint insert_sorted(CoronerCrashList *self, CoronerCrash *crash)
{
    guint lo = 0, hi = self->items->len;
    gint64 time = coroner_crash_get_time(crash);

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (coroner_crash_get_time(g_ptr_array_index(self->items, mid)) >= time)
            lo = mid + 1;
        else
            hi = mid;
    }
    g_ptr_array_insert(self->items, (gint)lo, crash);
    g_hash_table_insert(self->by_id, (gpointer)coroner_crash_get_id(crash), crash);
    coroner_crash_set_state(crash, coroner_state_get_report(self->state, coroner_crash_get_id(crash)));
    return lo;
}

static gint compare_time(gconstpointer a, gconstpointer b)
{
    gint64 ta = coroner_crash_get_time(*(CoronerCrash **)a);
    gint64 tb = coroner_crash_get_time(*(CoronerCrash **)b);

    return ta < tb ? -1 : ta > tb;
}

static void add_journal_records(CoronerCrashList *self, GPtrArray *added, gboolean notify)
{
    g_autoptr(GPtrArray) records = NULL;

    if (!self->journal)
        return;
    records = coroner_crash_feed_read(self->journal, self->since_usec);
    for (guint i = 0; i < records->len; i++) {
        CoronerCrashRecord *record = g_ptr_array_index(records, i);
        if (!record->id || g_hash_table_contains(self->by_id, record->id))
            continue;
        if (record->timestamp_usec < self->since_usec)
            continue;
        records->pdata[i] = NULL;
        CoronerCrash *crash = coroner_crash_new_from_record(record, CORONER_CRASH_ORIGIN_JOURNAL);
        guint position = insert_sorted(self, crash);
        if (notify)
            g_list_model_items_changed(G_LIST_MODEL(self), position, 0, 1);
        g_ptr_array_add(added, crash);
    }
}

GPtrArray *coroner_crash_list_load(CoronerCrashList *self, gint64 since_usec)
{
    GPtrArray *added = g_ptr_array_new();
    guint before = self->items->len;
    g_autoptr(GError) error = NULL;
    g_autoptr(CoronerStore) store = NULL;

    self->since_usec = since_usec;
    store = self->store_path ? coroner_store_open(self->store_path, FALSE, &error) : NULL;
    if (store) {
        g_autoptr(GPtrArray) entries = coroner_store_list(store, &error);
        for (guint i = 0; entries && i < entries->len; i++) {
            CoronerStoreEntry *entry = g_ptr_array_index(entries, i);
            if (entry->uid != (int64_t)self->uid || !entry->record_name)
                continue;
            if ((gint64)entry->usec < since_usec || g_hash_table_contains(self->by_id, entry->id))
                continue;
            CoronerCrash *crash =
                coroner_crash_new_from_store(self->store_path, entry->id, (gint64)entry->usec, entry->pid);
            insert_sorted(self, crash);
            g_ptr_array_add(added, crash);
        }
        if (!entries)
            g_message("Cannot list %s: %s", self->store_path, error->message);
    } else if (error) {
        g_message("No crash store: %s", error->message);
    }
    add_journal_records(self, added, FALSE);
    if (self->items->len != before)
        g_list_model_items_changed(G_LIST_MODEL(self), 0, before, self->items->len);
    g_ptr_array_sort(added, compare_time);
    return added;
}

CoronerCrash *coroner_crash_list_add_store_record(CoronerCrashList *self, const char *name)
{
    g_autofree char *id = NULL;
    int64_t uid = -1, pid = -1;
    uint64_t usec = 0;
    CoronerStoreFileKind kind;

    if (!coroner_parse_store_name(name, &id, &uid, &pid, &usec, &kind) || kind != CORONER_STORE_FILE_RECORD)
        return NULL;
    if (uid != (int64_t)self->uid || g_hash_table_contains(self->by_id, id))
        return NULL;
    CoronerCrash *crash = coroner_crash_new_from_store(self->store_path, id, (gint64)usec, pid);
    guint position = insert_sorted(self, crash);
    g_list_model_items_changed(G_LIST_MODEL(self), position, 0, 1);
    return crash;
}

GPtrArray *coroner_crash_list_read_journal(CoronerCrashList *self)
{
    GPtrArray *added = g_ptr_array_new();

    add_journal_records(self, added, TRUE);
    return added;
}
