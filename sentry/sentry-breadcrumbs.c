/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sentry-breadcrumbs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <gio/gio.h>
#include <systemd/sd-journal.h>

/* One message longer than this is cut: breadcrumbs are context, not logs. */
#define MAX_MESSAGE_BYTES 1024

void coroner_sentry_journal_line_free(CoronerSentryJournalLine *line)
{
    if (!line)
        return;
    g_free(line->message);
    g_free(line);
}

static char *field(sd_journal *j, const char *name)
{
    const void *data = NULL;
    size_t length = 0;
    if (sd_journal_get_data(j, name, &data, &length) < 0)
        return NULL;
    size_t prefix = strlen(name) + 1; /* "NAME=" */
    if (length < prefix)
        return NULL;
    size_t n = MIN(length - prefix, (size_t)MAX_MESSAGE_BYTES);
    char *value = g_strndup((const char *)data + prefix, n);
    /* Binary messages are possible; keep only what JSON can carry as text. */
    if (!g_utf8_validate(value, -1, NULL)) {
        char *valid = g_utf8_make_valid(value, -1);
        g_free(value);
        value = valid;
    }
    return value;
}

GPtrArray *coroner_sentry_breadcrumbs_from_journal(int64_t pid, int64_t uid, const char *boot_id,
                                                   int64_t before_usec, guint max_lines,
                                                   const char *directory, GError **error)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(
        (GDestroyNotify)coroner_sentry_journal_line_free);
    if (pid <= 0 || uid < 0 || max_lines == 0)
        return lines;

    sd_journal *j = NULL;
    int r = directory ? sd_journal_open_directory(&j, directory, 0)
                      : sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
    if (r < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), "Cannot open the journal: %s",
                    g_strerror(-r));
        g_ptr_array_unref(lines);
        return NULL;
    }
    g_autofree char *pid_match = g_strdup_printf("_PID=%" G_GINT64_FORMAT, pid);
    sd_journal_add_match(j, pid_match, 0);
    /* The crashed process's own lines only: never another user's (or root's) with that PID. */
    g_autofree char *uid_match = g_strdup_printf("_UID=%" G_GINT64_FORMAT, uid);
    sd_journal_add_match(j, uid_match, 0);
    if (boot_id && strlen(boot_id) == 32) {
        g_autofree char *boot_match = g_strdup_printf("_BOOT_ID=%s", boot_id);
        sd_journal_add_match(j, boot_match, 0);
    }

    /* Walk backwards from the crash; the handler's own entry is logged by another PID. */
    if (before_usec > 0)
        r = sd_journal_seek_realtime_usec(j, (uint64_t)before_usec + 1);
    else
        r = sd_journal_seek_tail(j);
    while (r >= 0 && lines->len < max_lines && sd_journal_previous(j) > 0) {
        uint64_t when = 0;
        if (sd_journal_get_realtime_usec(j, &when) < 0)
            continue;
        if (before_usec > 0 && (int64_t)when > before_usec)
            continue;
        g_autofree char *message = field(j, "MESSAGE");
        if (!message)
            continue;
        g_autofree char *priority = field(j, "PRIORITY");
        CoronerSentryJournalLine *line = g_new0(CoronerSentryJournalLine, 1);
        line->timestamp_usec = (int64_t)when;
        line->priority = priority ? atoi(priority) : -1;
        line->message = g_steal_pointer(&message);
        g_ptr_array_add(lines, line);
    }
    sd_journal_close(j);

    /* Collected newest first; breadcrumbs go oldest first. */
    for (guint i = 0; i < lines->len / 2; i++) {
        gpointer tmp = lines->pdata[i];
        lines->pdata[i] = lines->pdata[lines->len - 1 - i];
        lines->pdata[lines->len - 1 - i] = tmp;
    }
    return lines;
}
