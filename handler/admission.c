/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "admission.h"

#include <string.h>

typedef struct {
    uid_t uid;
    char *exe;
    int64_t window_start;
    unsigned dumped;
    unsigned rejected_recorded;
    AdmissionSummary *summary; /* NULL until something is suppressed */
} KeyWindow;

struct Admission {
    unsigned burst, global_burst;
    int64_t interval_usec;
    GHashTable *keys; /* "uid\nexe" → KeyWindow */
    int64_t global_start;
    unsigned global_dumped;
};

void admission_summary_free(AdmissionSummary *s)
{
    if (!s)
        return;
    g_free(s->exe);
    g_free(s->comm);
    g_free(s);
}

static void key_window_free(gpointer p)
{
    KeyWindow *k = p;
    g_free(k->exe);
    admission_summary_free(k->summary);
    g_free(k);
}

Admission *admission_new(unsigned burst, unsigned global_burst, unsigned interval_sec)
{
    Admission *a = g_new0(Admission, 1);
    a->burst = burst;
    a->global_burst = global_burst;
    a->interval_usec = (int64_t)MAX(interval_sec, 1u) * G_USEC_PER_SEC;
    a->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, key_window_free);
    a->global_start = -1;
    return a;
}

void admission_free(Admission *a)
{
    if (!a)
        return;
    g_hash_table_unref(a->keys);
    g_free(a);
}

static KeyWindow *key_window(Admission *a, uid_t uid, const char *exe, int64_t now)
{
    g_autofree char *key = g_strdup_printf("%u\n%s", (unsigned)uid, exe ? exe : "");
    KeyWindow *k = g_hash_table_lookup(a->keys, key);
    if (!k) {
        k = g_new0(KeyWindow, 1);
        k->uid = uid;
        k->exe = g_strdup(exe ? exe : "");
        k->window_start = now;
        g_hash_table_insert(a->keys, g_steal_pointer(&key), k);
    }
    return k;
}

static AdmissionVerdict reject(Admission *a, KeyWindow *k, const char *comm, pid_t pid, int64_t now)
{
    /* The storm threshold: as many records without a core as dumps are allowed. */
    if (k->rejected_recorded < MAX(a->burst, 1u)) {
        k->rejected_recorded++;
        return ADMISSION_RECORD_ONLY;
    }
    if (!k->summary) {
        k->summary = g_new0(AdmissionSummary, 1);
        k->summary->uid = k->uid;
        k->summary->exe = g_strdup(k->exe);
        k->summary->comm = g_strdup(comm ? comm : "");
        k->summary->start_usec = now;
        k->summary->first_pid = pid;
    }
    k->summary->suppressed++;
    k->summary->end_usec = now;
    return ADMISSION_SUPPRESS;
}

AdmissionVerdict admission_decide(Admission *a, uid_t uid, const char *exe, const char *comm,
                                  pid_t pid, int64_t now, char **ret_reason)
{
    if (a->global_start < 0 || now - a->global_start >= a->interval_usec) {
        a->global_start = now;
        a->global_dumped = 0;
    }
    KeyWindow *k = key_window(a, uid, exe, now);
    unsigned interval_sec = (unsigned)(a->interval_usec / G_USEC_PER_SEC);
    if (a->burst && k->dumped >= a->burst) {
        if (ret_reason)
            *ret_reason = g_strdup_printf("rate limit: %u dumps of %s by uid %u within %u s (Burst=)",
                                          k->dumped, k->exe, (unsigned)uid, interval_sec);
        return reject(a, k, comm, pid, now);
    }
    if (a->global_burst && a->global_dumped >= a->global_burst) {
        if (ret_reason)
            *ret_reason = g_strdup_printf("global rate limit: %u dumps within %u s (GlobalBurst=)",
                                          a->global_dumped, interval_sec);
        return reject(a, k, comm, pid, now);
    }
    k->dumped++;
    a->global_dumped++;
    return ADMISSION_DUMP;
}

AdmissionVerdict admission_reject(Admission *a, uid_t uid, const char *exe, const char *comm,
                                  pid_t pid, int64_t now)
{
    KeyWindow *k = key_window(a, uid, exe, now);
    /* It was counted as a dump when admitted; it is not one. */
    if (k->dumped > 0)
        k->dumped--;
    if (a->global_dumped > 0)
        a->global_dumped--;
    return reject(a, k, comm, pid, now);
}

GPtrArray *admission_take_summaries(Admission *a, int64_t now, gboolean flush_all)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)admission_summary_free);
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, a->keys);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        KeyWindow *k = value;
        if (!flush_all && now - k->window_start < a->interval_usec)
            continue;
        if (k->summary)
            g_ptr_array_add(out, g_steal_pointer(&k->summary));
        g_hash_table_iter_remove(&it);
    }
    return out;
}

int64_t admission_next_deadline(Admission *a)
{
    int64_t next = 0;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, a->keys);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        KeyWindow *k = value;
        int64_t end = k->window_start + a->interval_usec;
        if (next == 0 || end < next)
            next = end;
    }
    return next;
}
