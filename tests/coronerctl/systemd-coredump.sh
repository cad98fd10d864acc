#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# coronerctl as a better coredumpctl: crashes that Debian's systemd-coredump
# (252) handled, in a private journald, next to one that coroner-handler
# handled with its journal entry on.
#
# systemd-coredump is fed the way the kernel feeds it, and run the way
# systemd runs it: invoked with the kernel's arguments and the core on stdin
# while the crashed process is alive, it reads /proc/PID and forwards
# everything over /run/systemd/coredump, where systemd-socket-activate (as
# systemd-coredump.socket would) starts the instance that stores the core and
# writes the journal entry.  All of it happens in the harness's private mount
# namespace: /run/systemd, the journal, /var/lib/systemd/coredump and
# /etc/systemd/coredump.conf are private; kernel settings are never touched
# (checked at the end).
source "$CORONER_TEST_LIB/../coronerctl/ctl-lib.sh"
HARNESS_TOOLS=(systemd-socket-activate journalctl zstd)
ctl_init_namespace "$@"

SYSTEMD_COREDUMP=/lib/systemd/systemd-coredump
[ -x "$SYSTEMD_COREDUMP" ] || SYSTEMD_COREDUMP=/usr/lib/systemd/systemd-coredump
[ -x "$SYSTEMD_COREDUMP" ] || die "systemd-coredump is not installed (run tools/bootstrap)"

# Other tests and benchmarks on this machine set kernel.core_pattern for
# themselves while this one runs, so only what systemd-coredump itself would
# write (its own pattern, or "|/bin/false" when it turns dumps off) counts, and
# only that is put back.
KERNEL_BEFORE=$(cat /proc/sys/kernel/core_pattern)
check_kernel_settings() {
    local now
    now=$(cat /proc/sys/kernel/core_pattern)
    if [ "$now" != "$KERNEL_BEFORE" ] && [[ $now == *systemd-coredump* || $now == "|/bin/false" ]]; then
        fail "systemd-coredump changed kernel.core_pattern" "before: $KERNEL_BEFORE" "after: $now"
        printf '%s\n' "$KERNEL_BEFORE" >/proc/sys/kernel/core_pattern
    else
        pass "systemd-coredump left kernel.core_pattern alone"
    fi
}
on_exit check_kernel_settings

private_journal_start
mkdir -p /var/lib/systemd/coredump
mount -t tmpfs -o mode=0755 coroner-ctl /var/lib/systemd/coredump
# systemd-coredump reads its configuration afresh for every crash.
SDC_CONF=$T/coredump.conf
printf '[Coredump]\n' >"$SDC_CONF"
mount --bind "$SDC_CONF" /etc/systemd/coredump.conf
mkdir -p "$T/empty"
for d in /etc/systemd/coredump.conf.d /run/systemd/coredump.conf.d; do
    [ -d "$d" ] && mount --bind "$T/empty" "$d"
done

systemd-socket-activate --seqpacket --accept -l /run/systemd/coredump "$SYSTEMD_COREDUMP" \
    >"$LOGDIR/socket-activate.log" 2>&1 9>&- &
SOCKET_ACTIVATE_PID=$!
on_exit "kill $SOCKET_ACTIVATE_PID 2>/dev/null; wait $SOCKET_ACTIVATE_PID 2>/dev/null"
for ((i = 0; i < 50; i++)); do
    [ -S /run/systemd/coredump ] && break
    sleep 0.1
done
[ -S /run/systemd/coredump ] || die "systemd-socket-activate did not listen: $(cat "$LOGDIR/socket-activate.log")"

# sdc_crash STORAGE COMPRESS: a crash handled by systemd-coredump with that
# configuration; sets CRASH_PID once its journal entry is there.
sdc_crash() {
    printf '[Coredump]\nStorage=%s\nCompress=%s\n' "$1" "$2" >"$SDC_CONF"
    gdb_crash segv
    local rc=0
    timeout 60 "$SYSTEMD_COREDUMP" "$CRASH_PID" 0 0 11 "$(date +%s)" 18446744073709551615 \
        "$(hostname)" <"$CRASH_CORE" >"$LOGDIR/systemd-coredump.$CRASH_PID.log" 2>&1 || rc=$?
    assert_eq 0 "$rc" "systemd-coredump (Storage=$1, Compress=$2) took the core"
    local entry
    entry=$(journal_entry "$CRASH_PID")
    gdb_release
    [ -n "$entry" ] || fail "no journal entry from systemd-coredump for pid $CRASH_PID" \
        "$(cat "$LOGDIR/socket-activate.log")"
}

sdc_crash external yes
EXT_PID=$CRASH_PID EXT_RAW=$CRASH_CORE
sdc_crash journal yes
JRN_PID=$CRASH_PID JRN_RAW=$CRASH_CORE
sdc_crash external no
RAW_PID=$CRASH_PID RAW_RAW=$CRASH_CORE

# One crash through coroner-handler, with its journal entry on: it must be
# listed once, from the store and the journal.
printf '[Store]\nPath=%s\n[Journal]\nEnabled=yes\nTimeout=5\n' "$STORE" >"$CONFIG"
gdb_crash abrt
ingest 6
OURS_PID=$CRASH_PID OURS_RECORD=$RECORD
gdb_release
[ -n "$(journal_entry "$OURS_PID")" ] || fail "no journal entry from coroner-handler"
journal_sync

EXT_ID=$(jq -r --argjson p "$EXT_PID" '.[] | select(.pid == $p) | .id' <<<"$("$CORONERCTL" --store="$STORE" list --json)")
OURS_ID=$(short_id "$(entry_id "$OURS_RECORD")")

# ----------------------------------------------------------------- list
# The default journal: the system journal, which here is the private journald's.
RC=0
OUT=$("$CORONERCTL" --store="$STORE" list --json) || RC=$?
assert_eq 0 "$RC" "list over the store and the system journal"
assert_eq 4 "$(jq length <<<"$OUT")" "four crashes, ours listed once"
assert_eq "$EXT_PID $JRN_PID $RAW_PID $OURS_PID" "$(jq -r 'map(.pid | tostring) | join(" ")' <<<"$OUT")" "in time order"
assert_eq "systemd-coredump systemd-coredump systemd-coredump coroner" \
    "$(jq -r 'map(.handler) | join(" ")' <<<"$OUT")" "who handled each"
assert_eq '["journal"]' "$(jq -c '.[0].sources' <<<"$OUT")" "systemd-coredump's crash: from the journal"
assert_eq '["store","journal"]' "$(jq -c '.[3].sources' <<<"$OUT")" "our crash: store and journal merged"
assert_eq "present journal present present" "$(jq -r 'map(.core) | join(" ")' <<<"$OUT")" "core states"
assert_match '^/var/lib/systemd/coredump/core\.crasher\.0\.[0-9a-f]{32}\.'"$EXT_PID"'\.[0-9]+\.zst$' \
    "$(jq -r '.[0].core_path' <<<"$OUT")" "systemd-coredump's core file"
assert_eq "$OURS_ID" "$(jq -r '.[3].id' <<<"$OUT")" "our crash keeps its store id"
expected_ext_id=$(short_id "$(basename "$(jq -r '.[0].core_path' <<<"$OUT")" .zst)")
assert_eq "$expected_ext_id" "$EXT_ID" "systemd-coredump's crash: id from its core's file name"

RC=0
OUT=$("$CORONERCTL" --store="$STORE" list) || RC=$?
assert_match "^$EXT_ID .* $EXT_PID +0 SEGV +present " "$(sed -n 2p <<<"$OUT")" "table row of systemd-coredump's crash"
assert_match " $JRN_PID +0 SEGV +journal " "$(sed -n 3p <<<"$OUT")" "table row of a core in the journal"

# The journal alone, from a directory and from a file.
RC=0
OUT=$("$CORONERCTL" --store="$T/nostore-here" list 2>&1) || RC=$?
assert_eq 3 "$RC" "an explicit --store that is missing is an error"
RC=0
OUT=$("$CORONERCTL" --config=/nonexistent.conf list --json 2>&1) || RC=$?
assert_eq 3 "$RC" "an explicit --config whose store is missing is an error"
journal_file=$(find /var/log/journal /run/log/journal -name 'system*.journal' 2>/dev/null | head -n 1)
RC=0
OUT=$("$CORONERCTL" --store="$NOJOURNAL" --file="$journal_file" list --json) || RC=$?
assert_eq 0 "$RC" "--file $journal_file"
assert_eq 4 "$(jq length <<<"$OUT")" "--file: every crash of the journal"
assert_eq '["journal"]' "$(jq -c '.[3].sources' <<<"$OUT")" "--file without our store: our crash from the journal alone"
assert_eq "$OURS_ID" "$(jq -r '.[3].id' <<<"$OUT")" "our crash has the same id from the journal alone"
RC=0
OUT=$("$CORONERCTL" --store="$NOJOURNAL" -D "$(dirname "$journal_file")" list --no-legend "$EXT_PID") || RC=$?
assert_match "^$EXT_ID " "$OUT" "--journal-directory and a PID match"
RC=0
OUT=$("$CORONERCTL" --store="$STORE" --no-journal list --no-legend) || RC=$?
assert_eq 1 "$(wc -l <<<"$OUT")" "--no-journal: the store alone"
RC=0
OUT=$("$CORONERCTL" --store="$STORE" -D "$T/nonexistent" list 2>&1) || RC=$?
assert_eq 3 "$RC" "--journal-directory that does not exist: exit 3"

# Matches on journal fields only systemd-coredump wrote.
RC=0
OUT=$("$CORONERCTL" --store="$STORE" list --no-legend SYSLOG_IDENTIFIER=systemd-coredump) || RC=$?
assert_eq 3 "$(wc -l <<<"$OUT")" "match on a journal field"

# ----------------------------------------------------------------- info
RC=0
OUT=$("$CORONERCTL" --store="$STORE" info "$EXT_ID") || RC=$?
assert_eq 0 "$RC" "info of systemd-coredump's crash"
assert_contains "PID: $EXT_PID (crasher)" "$OUT" "info PID"
assert_contains "Signal: 11 (SIGSEGV)" "$OUT" "info signal"
assert_contains "Executable: $(readlink -f "$CORONER_CRASHER")" "$OUT" "info exe"
assert_contains "Source: journal, written by systemd-coredump" "$OUT" "info source"
assert_match "Core: present, /var/lib/systemd/coredump/core\\.crasher\\." "$OUT" "info core"
assert_match "#0 +0x[0-9a-f]{16} crash_segv \\(crasher \\+ 0x[0-9a-f]+\\)" "$OUT" "info shows the backtrace"
RC=0
OUT=$("$CORONERCTL" --store="$STORE" info "$OURS_ID") || RC=$?
assert_contains "Source: store+journal, written by coroner-handler" "$OUT" "info of our merged crash"
RC=0
OUT=$("$CORONERCTL" --store="$STORE" backtrace --json "$EXT_ID") || RC=$?
assert_eq 0 "$RC" "backtrace of systemd-coredump's crash"
assert_eq crash_segv "$(jq -r '.threads[0].frames[0].function' <<<"$OUT")" "backtrace --json frame #0"
assert_eq main "$(jq -r '.threads[0].frames[1].function' <<<"$OUT")" "backtrace --json frame #1"

# Better than systemd-coredump's own: symbolized again from the core, with files and lines.
for pid in "$EXT_PID" "$JRN_PID" "$RAW_PID"; do
    RC=0
    OUT=$("$CORONERCTL" --store="$STORE" backtrace --json "$pid") || RC=$?
    assert_match '/crasher\.c$' "$(jq -r '.threads[0].frames[0].file' <<<"$OUT")" \
        "backtrace of systemd-coredump's crash $pid: the source file"
    assert_ne 0 "$(jq -r '.threads[0].frames[0].line' <<<"$OUT")" "… and line"
done

# ----------------------------------------------------------------- dump
for pair in "$EXT_PID:$EXT_RAW:zstd file" "$JRN_PID:$JRN_RAW:in the journal" "$RAW_PID:$RAW_RAW:uncompressed file"; do
    IFS=: read -r pid raw what <<<"$pair"
    RC=0
    "$CORONERCTL" --store="$STORE" dump "$pid" -o "$T/dump.$pid" 2>"$LOGDIR/dump.err" || RC=$?
    assert_eq 0 "$RC" "dump of a core $what"
    assert_cmd "dump of a core $what: the core gdb made" -- cmp "$T/dump.$pid" "$raw"
done
ext_file=$(jq -r --argjson p "$EXT_PID" '.[] | select(.pid == $p) | .core_path' <<<"$("$CORONERCTL" --store="$STORE" list --json)")
assert_cmd "dump equals zstd -dc of systemd-coredump's file" -- cmp "$T/dump.$EXT_PID" <(zstd -qdc "$ext_file")

RC=0
OUT=$("$CORONERCTL" --store="$STORE" debug "$EXT_ID" -A "-batch -ex bt" 2>&1) || RC=$?
assert_eq 0 "$RC" "debug of systemd-coredump's crash"
assert_contains "crash_segv" "$OUT" "gdb's backtrace of systemd-coredump's core"

# A core file that went away: listed as missing, nothing to dump.
rm -f "$ext_file"
RC=0
OUT=$("$CORONERCTL" --store="$STORE" list --json) || RC=$?
assert_eq missing "$(jq -r '.[0].core' <<<"$OUT")" "a removed core is missing"
RC=0
"$CORONERCTL" --store="$STORE" dump "$EXT_ID" -o "$T/gone" 2>"$LOGDIR/dump.err" || RC=$?
assert_eq 4 "$RC" "dump of a missing core: exit 4"
assert_contains "no core" "$(cat "$LOGDIR/dump.err")" "dump of a missing core says so"
assert_no_file "$T/gone" "no output file for a missing core"

harness_done
