#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# coronerctl against a store written by the real coroner-handler: three crashes
# (a SEGV three days ago, an ABRT a minute ago, a SEGV with 64 MiB of zero
# pages now) and every command on them.
source "$CORONER_TEST_LIB/../coronerctl/ctl-lib.sh"
ctl_init script zstd sha256sum du

now=$(date +%s)
a_ts=$((now - 3 * 86400))
b_ts=$((now - 60))

gdb_crash segv
ingest 11 "$a_ts"
A_PID=$CRASH_PID A_RECORD=$RECORD A_CORE_RAW=$CRASH_CORE
gdb_release

gdb_crash abrt
ingest 6 "$b_ts"
B_PID=$CRASH_PID B_RECORD=$RECORD
gdb_release

gdb_crash --big=64:zero segv
ingest 11 "$now"
C_PID=$CRASH_PID C_RECORD=$RECORD
gdb_release

A_ID=$(short_id "$(entry_id "$A_RECORD")")
B_ID=$(short_id "$(entry_id "$B_RECORD")")
C_ID=$(short_id "$(entry_id "$C_RECORD")")
CRASHER=$(readlink -f "$CORONER_CRASHER")

# ---------------------------------------------------------------- list
ctl_run list
assert_eq 0 "$RC" "list exit status"
assert_match '^ID +TIME +PID +UID +SIG +CORE +SIZE +EXE' "$(head -n 1 <<<"$OUT")" "list header"
assert_contains "3 crashes listed." "$OUT" "list footer"
assert_match "^$A_ID .* $A_PID +0 SEGV +present .*$CRASHER\$" "$(sed -n 2p <<<"$OUT")" "oldest row first"
assert_match "^$B_ID .* $B_PID +0 ABRT +present" "$(sed -n 3p <<<"$OUT")" "second row"
assert_match "^$C_ID .* $C_PID +0 SEGV +present" "$(sed -n 4p <<<"$OUT")" "newest row last"
assert_not_contains $'\033[' "$OUT" "no colour when stdout is not a tty"

ctl_run list --no-legend
assert_eq 3 "$(wc -l <<<"$OUT")" "--no-legend: only the rows"
ctl_run list --no-legend -r
assert_match "^$C_ID " "$(head -n 1 <<<"$OUT")" "-r: newest first"
ctl_run list --no-legend -n 1
assert_match "^$C_ID " "$OUT" "-n 1: only the newest"

ctl_run list --json
assert_eq 0 "$RC" "list --json exit status"
assert_eq 3 "$(jq length <<<"$OUT")" "list --json entries"
assert_eq "$A_ID $B_ID $C_ID" "$(jq -r 'map(.id) | join(" ")' <<<"$OUT")" "list --json ids (sha256 prefixes)"
assert_eq "$A_PID" "$(jq '.[0].pid' <<<"$OUT")" "list --json pid"
assert_eq "$(entry_id "$A_RECORD")" "$(jq -r '.[0].entry_id' <<<"$OUT")" "list --json entry_id"
assert_eq "SEGV ABRT SEGV" "$(jq -r 'map(.signal_name) | join(" ")' <<<"$OUT")" "list --json signals"
assert_eq "present" "$(jq -r '.[1].core' <<<"$OUT")" "list --json core state"
assert_eq '["store"]' "$(jq -c '.[0].sources' <<<"$OUT")" "list --json sources"
assert_eq "coroner" "$(jq -r '.[0].handler' <<<"$OUT")" "list --json handler"
assert_eq "$CRASHER" "$(jq -r '.[2].exe' <<<"$OUT")" "list --json exe"
assert_eq "$a_ts" "$(jq '.[0].timestamp_usec / 1000000 | floor' <<<"$OUT")" "list --json timestamp"
assert_eq "$(date -u -d "@$a_ts" +%Y-%m-%dT%H:%M:%S+00:00)" "$(jq -r '.[0].time' <<<"$OUT")" "list --json time"
ctl_run list --json --compact
assert_eq 1 "$(wc -l <<<"$OUT")" "--json --compact: one line"

# ------------------------------------------------------------- matches
ctl_run list --no-legend "$B_PID"
assert_match "^$B_ID " "$OUT" "a number matches a PID"
assert_eq 1 "$(wc -l <<<"$OUT")" "PID match: one crash"
ctl_run list --no-legend crasher
assert_eq 3 "$(wc -l <<<"$OUT")" "a word matches the comm"
ctl_run list --no-legend "$CRASHER"
assert_eq 3 "$(wc -l <<<"$OUT")" "a path matches the exe"
ctl_run list --no-legend /usr/bin/true
assert_eq 1 "$RC" "an exe that never crashed: exit 1"
ctl_run list --no-legend COREDUMP_SIGNAL=6
assert_match "^$B_ID " "$OUT" "FIELD=VALUE (journal field)"
ctl_run list --no-legend signal.name=ABRT
assert_match "^$B_ID " "$OUT" "field=value (record member)"
ctl_run list --no-legend COREDUMP_SIGNAL=6 COREDUMP_SIGNAL=11
assert_eq 3 "$(wc -l <<<"$OUT")" "same field twice: either"
ctl_run list --no-legend COREDUMP_SIGNAL=6 "$A_PID"
assert_eq 1 "$RC" "different fields: both must hold (none does)"
assert_contains "no crashes found" "$ERR" "no match message"
ctl_run list --no-legend nosuchcomm
assert_eq 1 "$RC" "unknown comm: exit 1"

# ---------------------------------------------------------- since/until
a_minute=$(date -d "@$a_ts" '+%Y-%m-%d %H:%M')
after_a=$(date -d "@$((a_ts + 120))" '+%Y-%m-%d %H:%M')
ctl_run list --no-legend --since "$after_a"
assert_eq "$B_ID $C_ID" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "--since \"YYYY-MM-DD HH:MM\""
ctl_run list --no-legend --until "$after_a"
assert_eq "$A_ID" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "--until \"YYYY-MM-DD HH:MM\""
ctl_run list --no-legend --since "$a_minute" --until "$after_a"
assert_eq "$A_ID" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "--since and --until"
ctl_run list --no-legend --since -1h
assert_eq "$B_ID $C_ID" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "--since -1h"
ctl_run list --no-legend --since yesterday
assert_eq "$B_ID $C_ID" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "--since yesterday"
ctl_run list --no-legend --until yesterday
assert_eq "$A_ID" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "--until yesterday"
ctl_run list --no-legend --since "$(date -d "@$a_ts" +%Y-%m-%d)" --until "@$((a_ts + 1))"
assert_eq "$A_ID" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "--since DATE --until @SECONDS"
ctl_run list --since tomorrow
assert_eq 1 "$RC" "--since tomorrow: nothing"
ctl_run list --since "next tuesday-ish"
assert_eq 2 "$RC" "--since garbage: usage error"
assert_contains "cannot parse the time" "$ERR" "--since garbage message"

# ----------------------------------------------------------------- info
ctl_run info -1
assert_eq 0 "$RC" "info -1"
assert_match "ID: $C_ID \\(core\\.crasher\\." "$OUT" "info -1 is the newest"
assert_match "PID: $C_PID \\(crasher\\)" "$OUT" "info PID"
assert_contains "Signal: 11 (SIGSEGV)" "$OUT" "info signal"
assert_contains "Executable: $CRASHER" "$OUT" "info exe"
assert_contains "Command Line: $CRASHER --big=64:zero segv" "$OUT" "info cmdline"
assert_match "Core: present, $STORE/core\\.crasher\\..*\\.zst" "$OUT" "info core"
assert_contains "Source: store, written by coroner-handler" "$OUT" "info source"
ctl_run info
assert_match "ID: $C_ID " "$OUT" "info without an id: the newest"
ctl_run info -3
assert_match "ID: $A_ID " "$OUT" "info -3: the oldest"
ctl_run info "$B_ID"
assert_match "ID: $B_ID " "$OUT" "info SHORT-ID"
assert_contains "Signal: 6 (SIGABRT)" "$OUT" "info SHORT-ID signal"
ctl_run info "${B_ID:0:5}"
assert_match "ID: $B_ID " "$OUT" "info with a 5-digit prefix"
ctl_run info "$(entry_id "$B_RECORD")"
assert_match "ID: $B_ID " "$OUT" "info ENTRY-ID"
ctl_run info "$(basename "$B_RECORD")"
assert_match "ID: $B_ID " "$OUT" "info with the record's file name"
ctl_run info "$A_PID"
assert_match "ID: $A_ID " "$OUT" "info PID"
ctl_run info --json -2
assert_eq "$B_ID" "$(jq -r .id <<<"$OUT")" "info --json id"
assert_eq "coroner.crash-record/1" "$(jq -r .record.schema <<<"$OUT")" "info --json carries the record"
assert_eq "$B_PID" "$(jq -r .record.process.pid <<<"$OUT")" "info --json record pid"

# ------------------------------------------------------------ bad ids
ctl_run info -4
assert_eq 1 "$RC" "info -4 of 3: exit 1"
assert_contains "there are only 3 crashes" "$ERR" "info -4 message"
ctl_run info -0
assert_eq 1 "$RC" "info -0: exit 1"
ctl_run info ffffffffff
assert_eq 1 "$RC" "unknown short id: exit 1"
assert_contains "no crash has the id ffffffffff" "$ERR" "unknown short id message"
ctl_run info 4194303
assert_eq 1 "$RC" "a PID that never crashed: exit 1"
assert_contains "no crash of PID 4194303" "$ERR" "unknown PID message"
ctl_run info core.nope.0.0123456789abcdef0123456789abcdef.1.1
assert_eq 1 "$RC" "unknown entry id: exit 1"
ctl_run info --frobnicate
assert_eq 2 "$RC" "unknown option: exit 2"
assert_contains "unknown option --frobnicate" "$ERR" "unknown option message"
ctl_run frobnicate
assert_eq 2 "$RC" "unknown command: exit 2"

# ------------------------------------------------------------ backtrace
ctl_run backtrace "$A_ID"
assert_eq 0 "$RC" "backtrace exit status"
assert_match "Thread $A_PID \\(crasher\\), crashed:" "$OUT" "backtrace: the crashing thread"
assert_match "#0 +0x[0-9a-f]{16} crash_segv \\(crasher \\+ 0x[0-9a-f]+\\) at [^ ]*crasher\\.c:[0-9]+" "$OUT" "backtrace frame #0"
assert_match "#1 +0x[0-9a-f]{16} main " "$OUT" "backtrace frame #1"
ctl_run backtrace --json "$A_ID"
assert_eq crash_segv "$(jq -r '.threads[0].frames[0].function' <<<"$OUT")" "backtrace --json frame"
assert_eq 1 "$(jq '.threads | length' <<<"$OUT")" "backtrace --json: the crashing thread only"
assert_eq null "$(jq '.modules' <<<"$OUT")" "backtrace --json: no modules without --full"
ctl_run backtrace --json --full "$A_ID"
assert_ne 0 "$(jq '.modules | length' <<<"$OUT")" "backtrace --json --full: modules"
ctl_run backtrace --full "$A_ID"
assert_contains "Modules:" "$OUT" "backtrace --full: modules"
ctl_run info "$A_ID"
assert_contains "crash_segv" "$OUT" "info shows the backtrace"

# ----------------------------------------------------------------- dump
ctl_run dump "$A_ID" -o "$T/a.core"
assert_eq 0 "$RC" "dump -o exit status"
a_zst=$STORE/$(jq -r .core.file "$A_RECORD")
assert_cmd "dump: bytes identical to zstd -dc" -- cmp "$T/a.core" <(zstd -qdc "$a_zst")
assert_cmd "dump: the core gdb made" -- cmp "$T/a.core" "$A_CORE_RAW"
assert_eq 600 "$(stat -c %a "$T/a.core")" "dump: the copy is private"
ctl dump "$A_ID" | cmp - "$T/a.core" && pass "dump to a pipe" || fail "dump to a pipe differs"
ctl dump "$A_ID" -o - >"$T/a2.core" && cmp -s "$T/a2.core" "$T/a.core" && pass "dump -o -" || fail "dump -o - differs"
out=$(on_tty "$CORONERCTL" --store="$STORE" --journal-directory="$NOJOURNAL" dump "$A_ID" || echo "rc=$?")
assert_contains "refusing to write a core to a terminal" "$out" "dump to a tty is refused"
assert_contains "rc=2" "$out" "dump to a tty: exit 2"

ctl_run dump "$C_ID" -o "$T/c.core"
assert_eq 0 "$RC" "dump of the 64 MiB zero core"
c_zst=$STORE/$(jq -r .core.file "$C_RECORD")
assert_cmd "dump (zero pages): identical to zstd -dc" -- cmp "$T/c.core" <(zstd -qdc "$c_zst")
c_size=$(stat -c %s "$T/c.core")
c_disk=$(($(stat -c %b "$T/c.core") * $(stat -c %B "$T/c.core")))
assert_le $((64 << 20)) "$c_size" "the zero core is over 64 MiB"
assert_le "$c_disk" $((c_size - (60 << 20))) "dump is sparse: du $(du -h "$T/c.core" | cut -f1) for $c_size bytes"
ctl dump "$C_ID" >"$T/c2.core"
c2_disk=$(($(stat -c %b "$T/c2.core") * $(stat -c %B "$T/c2.core")))
assert_le "$c2_disk" $((c_size - (60 << 20))) "dump to stdout redirected to a file is sparse too"
ctl_run dump "$A_ID" -o "$T/no/such/dir/core"
assert_eq 3 "$RC" "dump to an impossible path: exit 3"

# ---------------------------------------------------------------- debug
mkdir -p "$T/tmp"
TMPDIR=$T/tmp ctl_run debug "$A_ID" -A "-batch -ex bt"
assert_eq 0 "$RC" "debug with gdb -batch"
assert_contains "crash_segv" "$OUT" "gdb's backtrace names the crashing function"
assert_contains "Program terminated with signal SIGSEGV" "$OUT" "gdb read the core"
assert_eq "" "$(ls -A "$T/tmp")" "debug removes its temporary core from \$TMPDIR"
ctl_run debug "$B_ID" --debugger=echo -A "--flag"
assert_match "^--flag $CRASHER /[^ ]*/coronerctl-core\\.[A-Za-z0-9]+\$" "$OUT" "--debugger: PROGRAM ARGS EXE CORE"
ctl_run debug "$B_ID" --debugger=/bin/false
assert_eq 1 "$RC" "debug exits with the debugger's status"
ctl_run debug -A "'unbalanced"
assert_eq 2 "$RC" "debug with bad --debugger-arguments: exit 2"

# --------------------------------------------------------- store checks
ln -s "$STORE" "$T/store-link"
RC=0
"$CORONERCTL" --store="$T/store-link" --no-journal list >"$LOGDIR/ctl.out" 2>"$LOGDIR/ctl.err" || RC=$?
assert_eq 3 "$RC" "--store through a symlink: exit 3"
assert_contains "symbolic link" "$(cat "$LOGDIR/ctl.err")" "--store through a symlink: refused"
RC=0
"$CORONERCTL" --store="$T/nonexistent" --no-journal list >/dev/null 2>&1 || RC=$?
assert_eq 3 "$RC" "--store that does not exist: exit 3"
RC=0
out=$("$CORONERCTL" --config="$CONFIG" --journal-directory="$NOJOURNAL" list --no-legend) || RC=$?
assert_eq 3 "$(wc -l <<<"$out")" "--config: [Store] Path= is the store"

# -------------------------------------------------------- terminal output
out=$(on_tty "$CORONERCTL" --store="$STORE" --journal-directory="$NOJOURNAL" --no-pager list)
assert_contains $'\033[' "$out" "colour on a tty"
out=$(NO_COLOR=1 on_tty "$CORONERCTL" --store="$STORE" --journal-directory="$NOJOURNAL" --no-pager list)
assert_not_contains $'\033[' "$out" "NO_COLOR: no colour on a tty"
assert_contains "$C_ID" "$out" "NO_COLOR: still the list"
rm -f "$T/paged"
PAGER="touch $T/paged; cat" on_tty "$CORONERCTL" --store="$STORE" --journal-directory="$NOJOURNAL" info -1 >"$T/tty.out"
assert_file "$T/paged" "a pager on a tty"
assert_contains "crasher" "$(cat "$T/tty.out")" "the pager showed the output"
rm -f "$T/paged"
PAGER="touch $T/paged; cat" on_tty "$CORONERCTL" --store="$STORE" --journal-directory="$NOJOURNAL" --no-pager info -1 >/dev/null
assert_no_file "$T/paged" "--no-pager: no pager"
PAGER="touch $T/paged; cat" ctl list >/dev/null
assert_no_file "$T/paged" "no pager when stdout is not a tty"

# --------------------------------------------------------------- vacuum
ctl_run vacuum --max-use=1T
assert_eq 0 "$RC" "vacuum within the limits"
assert_contains "Removed 0 crashes" "$OUT" "vacuum within the limits removes nothing"
ctl_run vacuum --max-use=nonsense
assert_eq 2 "$RC" "vacuum --max-use=nonsense: exit 2"
printf '[Store]\nPath=%s\nMaxUse=1\n' "$STORE" >"$T/tiny.conf"
RC=0
out=$("$CORONERCTL" --config="$T/tiny.conf" vacuum) || RC=$?
assert_eq 0 "$RC" "vacuum with MaxUse=1 from the configuration"
assert_contains "Removed 3 crashes" "$out" "vacuum removes every crash over MaxUse"
assert_eq "" "$(ls -A "$STORE")" "the store is empty after vacuum"
ctl_run list
assert_eq 1 "$RC" "list after vacuum: exit 1"

harness_done
