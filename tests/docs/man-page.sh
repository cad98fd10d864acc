#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# man-page.sh PAGE PROGRAM HELP-OPTION [WORD...]
# The man page renders without a single groff or man warning; it documents
# every option and command that `PROGRAM HELP-OPTION` lists, and its OPTIONS
# section names no option the program no longer has; each WORD appears in it.
set -euo pipefail
page=$1
program=$2
help_option=$3
shift 3
name=$(basename "$page")
status=0

warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
if [ -n "$warnings" ]; then
    printf '%s: groff warnings:\n%s\n' "$name" "$warnings"
    status=1
fi
warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
if [ -n "$warnings" ]; then
    printf '%s: man warnings:\n%s\n' "$name" "$warnings"
    status=1
fi

help=$("$program" "$help_option")
text=$(MANWIDTH=200 man --nh --nj -l "$page" 2>/dev/null)

help_options=$(grep -oE -- '--[a-z][a-z0-9-]+' <<<"$help" | sort -u)
for option in $help_options; do
    if ! grep -qF -- "$option" <<<"$text"; then
        echo "$name does not document $option"
        status=1
    fi
done

# The commands: the first word of each line in the help's "Commands:" block.
commands=$(awk '/^Commands:/ { on = 1; next } on && /^$/ { on = 0 } on { print $1 }' <<<"$help")
for command in $commands; do
    if ! grep -qE -- "(^|[^a-z-])$command([^a-z-]|$)" <<<"$text"; then
        echo "$name does not document the command $command"
        status=1
    fi
done

# The options the page's OPTIONS section describes (its tag lines).
documented=$(awk '/^OPTIONS/ { on = 1; next } /^[A-Z]/ { on = 0 } on' <<<"$text" |
    grep -oE -- '^ {7}-[^ ]*( [A-Z]+)?(, -[^ ,]+( [A-Z]+)?)*' |
    grep -oE -- '--[a-z][a-z0-9-]+' | sort -u || true)
for option in $documented; do
    if ! grep -qxF -- "$option" <<<"$help_options"; then
        echo "$name documents $option, which $(basename "$program") $help_option does not list"
        status=1
    fi
done

for word in "$@"; do
    grep -qF -- "$word" <<<"$text" || { echo "$name lacks $word"; status=1; }
done
[ "$status" -eq 0 ] && echo "$name: clean ($(wc -w <<<"$help_options") options, $(wc -w <<<"$commands") commands)"
exit "$status"
