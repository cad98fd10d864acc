#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# po/POTFILES.in lists exactly the files with translatable strings: every
# reporter/*.c using _( or N_(, every .ui with translatable="yes", and the
# data files merged with translations; and it is sorted.
set -euo pipefail
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
listed=$(grep -v '^#' po/POTFILES.in | sed '/^$/d')
expected=$(
    {
        grep -l -E '\<N?_\(' reporter/*.c
        grep -l 'translatable="yes"' reporter/*.ui
        ls data/org.coroner.Reporter.desktop.in data/org.coroner.Reporter-autostart.desktop.in \
            data/org.coroner.Reporter.metainfo.xml.in data/org.coroner.Reporter.gschema.xml
    } | LC_ALL=C sort
)
status=0
missing=$(comm -13 <(printf '%s\n' "$listed" | LC_ALL=C sort) <(printf '%s\n' "$expected"))
extra=$(comm -23 <(printf '%s\n' "$listed" | LC_ALL=C sort) <(printf '%s\n' "$expected"))
if [ -n "$missing" ]; then
    echo "FAIL: files with translatable strings missing from po/POTFILES.in:"
    printf '  %s\n' $missing
    status=1
fi
if [ -n "$extra" ]; then
    echo "FAIL: po/POTFILES.in lists files without translatable strings (or that do not exist):"
    printf '  %s\n' $extra
    status=1
fi
if [ "$listed" != "$(printf '%s\n' "$listed" | LC_ALL=C sort)" ]; then
    echo "FAIL: po/POTFILES.in is not sorted (LC_ALL=C sort)"
    status=1
fi
# A user-visible string passed to a widget or notification without _( ) is a bug.
untranslated=$(grep -n -E '(gtk_label_set_text|gtk_button_set_label|adw_window_title_set_title|coroner_window_toast|set_status|show_hint)\([^,]*, *"[A-Za-z]' reporter/*.c || true)
if [ -n "$untranslated" ]; then
    echo "FAIL: literal user-visible strings without _( ):"
    printf '%s\n' "$untranslated"
    status=1
fi
[ $status -eq 0 ] && echo "ok: po/POTFILES.in lists all $(printf '%s\n' "$listed" | wc -l) files with translatable strings"
exit $status
