#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# config-keys.sh SOURCE_ROOT
# Every key the coroner.conf reader accepts is in the shipped, commented
# data/coroner.conf (in its group) and in coroner.conf(5); and neither names
# a key that the reader does not know.  The reader is the code in the
# components' *config*.c files that reads a key file with literal group and
# key names, e.g. load_bool(kf, "Store", "Compress", ...) or
# g_key_file_get_value(kf, "Journal", "Timeout", NULL).
set -euo pipefail
root=$1
conf=$root/data/coroner.conf
page=$root/data/coroner.conf.5
status=0

shopt -s nullglob
readers=("$root"/libcoroner/*config*.c "$root"/handler/*config*.c "$root"/uploader/*config*.c)
# "Group Key" per line.
read_keys=$(cat "${readers[@]}" | tr '\n' ' ' |
    grep -oE '\(\s*[a-z_]+,\s*"[A-Z][A-Za-z]*",\s*"[A-Z][A-Za-z]*"' |
    sed -E 's/.*"([A-Za-z]+)",\s*"([A-Za-z]+)"/\1 \2/' | sort -u)
if [ -z "$read_keys" ]; then
    echo "found no keys in ${readers[*]}: has the reader changed its form?"
    exit 1
fi

# The shipped file: "Group Key" for each "Key=" or "#Key=" line.
shipped=$(awk '/^\[[A-Za-z]+\]/ { group = substr($0, 2, length($0) - 2); next }
    /^#?[A-Z][A-Za-z]*=/ { sub(/^#/, ""); sub(/=.*/, ""); print group, $0 }' "$conf" | sort -u)
# The man page: its sections are the groups, its tags the keys.
text=$(MANWIDTH=200 man --nh --nj -l "$page" 2>/dev/null)
# ([App:ID], a group per application, is not a fixed group: left out.)
documented=$(awk '/^\[/ { group = /^\[[A-Za-z]+\]$/ ? substr($0, 2, length($0) - 2) : ""; next }
    /^[A-Z]/ { group = ""; next }
    group != "" && /^       [A-Z][A-Za-z]*=/ { key = $1; sub(/=.*/, "", key); print group, key }' \
    <<<"$text" | sort -u)

while read -r group key; do
    [ -n "$group" ] || continue
    grep -qxF "$group $key" <<<"$shipped" ||
        { echo "data/coroner.conf lacks [$group] $key="; status=1; }
    grep -qxF "$group $key" <<<"$documented" ||
        { echo "coroner.conf(5) does not document [$group] $key="; status=1; }
done <<<"$read_keys"
while read -r group key; do
    [ -n "$group" ] || continue
    grep -qxF "$group $key" <<<"$read_keys" ||
        { echo "data/coroner.conf names [$group] $key=, which the reader does not know"; status=1; }
done <<<"$shipped"
while read -r group key; do
    [ -n "$group" ] || continue
    grep -qxF "$group $key" <<<"$read_keys" ||
        { echo "coroner.conf(5) documents [$group] $key=, which the reader does not know"; status=1; }
done <<<"$documented"

[ "$status" -eq 0 ] && echo "coroner.conf: all $(wc -l <<<"$read_keys") keys shipped and documented"
exit "$status"
