#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# coronerctl as an ordinary user on the real handler's store: the handler
# grants a crashing user read access (an ACL) to their own crash only, so
# "nobody" sees its own crash in full and root's crash only by its file
# names, and can dump only its own core.
source "$CORONER_TEST_LIB/../coronerctl/ctl-lib.sh"
ctl_init setpriv getfacl

NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
# The scratch directory must be traversable for nobody, as /var/lib/coroner is.
chmod 0755 "$T"

gdb_crash segv
ROOT_PID=$CRASH_PID
ingest 11
ROOT_RECORD=$RECORD
gdb_release

# The kernel's %u/%g say who crashed: here, nobody.
gdb_crash abrt
NOBODY_PID=$CRASH_PID
rc=0
timeout 120 "$CORONER_HANDLER" --config="$CONFIG" "$CRASH_PID" "$NOBODY_UID" "$NOBODY_GID" 6 \
    "$(date +%s)" 18446744073709551615 "$(hostname)" 1 - "$CRASH_PID" crasher \
    <"$CRASH_CORE" >"$LOGDIR/handler.log" 2>&1 || rc=$?
assert_eq 0 "$rc" "coroner-handler for a crash of nobody"
NOBODY_RECORD=$(record_path "$CRASH_PID")
gdb_release
assert_contains "user:$NOBODY_UID:r--" "$(getfacl -n "$NOBODY_RECORD" 2>/dev/null)" "the handler gave nobody its record"

ROOT_ID=$(short_id "$(entry_id "$ROOT_RECORD")")
NOBODY_ID=$(short_id "$(entry_id "$NOBODY_RECORD")")

as_nobody() {
    setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups -- \
        "$CORONERCTL" --store="$STORE" --journal-directory="$NOJOURNAL" "$@"
}

RC=0
OUT=$(as_nobody list --json) || RC=$?
assert_eq 0 "$RC" "nobody can list the store"
assert_eq "$ROOT_ID $NOBODY_ID" "$(jq -r 'map(.id) | join(" ")' <<<"$OUT")" "nobody sees both crashes"
assert_eq "inaccessible present" "$(jq -r 'map(.core) | join(" ")' <<<"$OUT")" "only its own core is readable"
assert_contains "Permission denied" "$(jq -r '.[0].record_error' <<<"$OUT")" "root's record: permission denied"
assert_eq "$ROOT_PID" "$(jq -r '.[0].pid' <<<"$OUT")" "root's crash: its PID from the file name"
assert_eq "null" "$(jq -r '.[0].exe' <<<"$OUT")" "root's crash: nothing more"
assert_eq "$(readlink -f "$CORONER_CRASHER")" "$(jq -r '.[1].exe' <<<"$OUT")" "its own crash in full"

RC=0
as_nobody dump "$NOBODY_ID" >"$T/own.core" 2>"$LOGDIR/err" || RC=$?
chmod 0644 "$T/own.core" 2>/dev/null || true
assert_eq 0 "$RC" "nobody dumps its own core"
assert_cmd "its own core, intact" -- cmp "$T/own.core" "$GDB_DIR/core"
RC=0
as_nobody dump "$ROOT_ID" >/dev/null 2>"$LOGDIR/err" || RC=$?
assert_eq 3 "$RC" "nobody cannot dump root's core: exit 3"
assert_contains "Permission denied" "$(cat "$LOGDIR/err")" "… because of permissions"
RC=0
as_nobody vacuum --max-use=1 >/dev/null 2>"$LOGDIR/err" || RC=$?
assert_eq 3 "$RC" "nobody cannot vacuum the store: exit 3"
assert_contains "Permission denied" "$(cat "$LOGDIR/err")" "… because of permissions"
assert_eq 2 "$(find "$STORE" -name '*.json' | wc -l)" "the store is intact"

harness_done
