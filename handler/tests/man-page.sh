#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# coronerctl.1 renders without a single groff or man warning, and documents
# every option coronerctl --help lists.
set -euo pipefail
page=$1
coronerctl=$2
status=0

warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
if [ -n "$warnings" ]; then
    printf 'groff warnings:\n%s\n' "$warnings"
    status=1
fi
warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
if [ -n "$warnings" ]; then
    printf 'man warnings:\n%s\n' "$warnings"
    status=1
fi
text=$(MANWIDTH=200 man -l "$page" 2>/dev/null)
for option in $("$coronerctl" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
    [ "$option" = --help ] && continue
    if ! grep -qF -- "$option" <<<"$text"; then
        echo "the man page does not document $option"
        status=1
    fi
done
for word in "EXIT STATUS" list info backtrace dump minidump debug vacuum submit outbox reporting.conf; do
    grep -qF -- "$word" <<<"$text" || { echo "the man page lacks $word"; status=1; }
done
[ "$status" -eq 0 ] && echo "coronerctl.1: clean"
exit "$status"
