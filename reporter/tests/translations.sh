#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every translation is valid (msgfmt --check) and the German one is complete:
# a template made now from the sources (xgettext through POTFILES.in, the
# same keywords the build uses) has no message that po/de.po lacks, leaves
# untranslated or marks fuzzy.
set -euo pipefail
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top"
for tool in xgettext msgfmt msgcmp msgattrib; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (gettext; run tools/bootstrap)"; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for po in po/*.po; do
    if msgfmt --check --statistics -o /dev/null "$po" 2>"$tmp/stats"; then
        echo "ok: msgfmt --check $po: $(cat "$tmp/stats")"
    else
        echo "FAIL: msgfmt --check $po"; cat "$tmp/stats"; status=1
    fi
done
# The keywords and flags of meson's i18n "glib" preset.
xgettext --from-code=UTF-8 --add-comments --directory="$top" --files-from=po/POTFILES.in \
    --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dcgettext:2 \
    --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
    --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
    --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
    --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
    --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
    --output="$tmp/coroner.pot" 2>"$tmp/xgettext.log" || { echo "FAIL: xgettext"; cat "$tmp/xgettext.log"; exit 1; }
count=$(grep -c '^msgid ' "$tmp/coroner.pot")
if msgcmp po/de.po "$tmp/coroner.pot" 2>"$tmp/msgcmp"; then
    echo "ok: po/de.po translates all $((count - 1)) messages of the sources"
else
    echo "FAIL: po/de.po is not complete:"; cat "$tmp/msgcmp"; status=1
fi
fuzzy=$(msgattrib --only-fuzzy --no-obsolete po/de.po | grep -c '^msgid ' || true)
untranslated=$(msgattrib --untranslated --no-obsolete po/de.po | grep -c '^msgid ' || true)
if [ "$fuzzy" -gt 0 ] || [ "$untranslated" -gt 0 ]; then
    echo "FAIL: po/de.po has $fuzzy fuzzy and $untranslated untranslated messages (the header aside)"
    status=1
fi
# Format strings must keep their directives in German (msgfmt --check does that for c-format).
exit $status
