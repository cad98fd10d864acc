/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the reporter's journal feed makes of the local journal's crash
 * entries, through the same libcoroner call (coroner_journal_entry_record):
 * one line per entry, "record ID dsn=DSN exe=EXE" or "skipped" for an entry
 * that is not trusted.  For tests/coronerctl/forged-entries.sh.
 *
 *   journal-record-tool STORE
 */
#include <stdio.h>
#include <systemd/sd-journal.h>

#include "journal-writer.h"
#include "journal-reader.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s STORE\n", argv[0]);
        return 2;
    }
    sd_journal *j = NULL;
    if (sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY) < 0 ||
        sd_journal_add_match(j, "MESSAGE_ID=" CORONER_COREDUMP_MESSAGE_ID, 0) < 0) {
        fprintf(stderr, "cannot open the journal\n");
        return 1;
    }
    while (sd_journal_next(j) > 0) {
        g_autoptr(CoronerCrashRecord) r = coroner_journal_entry_record(j, argv[1]);
        if (!r) {
            printf("skipped\n");
            continue;
        }
        printf("record %s dsn=%s exe=%s\n", r->id ? r->id : "-",
               r->app && r->app->dsn ? r->app->dsn : "-", r->process.exe ? r->process.exe : "-");
    }
    sd_journal_close(j);
    return 0;
}
