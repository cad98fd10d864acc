#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Missing or wrong arguments: exit 64 at once (without reading stdin, which
# here never ends), a clear message on stderr, and nothing in the store.
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER"

store_config
# stdin that never reaches EOF: reading it would hang until the timeout.
mkfifo "$T/never"
exec 7<>"$T/never"

H=$(uname -n)
NOW=$(date +%s)
check_usage() {
    local what=$1 pattern=$2
    shift 2
    local rc=0 start end
    start=$(date +%s%N)
    timeout 10 "$CORONER_HANDLER" "$@" <&7 >"$LOGDIR/out" 2>"$LOGDIR/err" || rc=$?
    end=$(date +%s%N)
    local err
    err=$(cat "$LOGDIR/err")
    log "$what: exit $rc, stderr: $err"
    assert_eq 64 "$rc" "$what: exit status"
    assert_match "$pattern" "$err" "$what: stderr"
    assert_le $(((end - start) / 1000000)) 3000 "$what: answered in ms without waiting for stdin"
}

check_usage "no arguments" 'expected 9 to 11 arguments' --config="$CONFIG"
check_usage "five arguments" 'expected 9 to 11 arguments.*got 5' --config="$CONFIG" 1 0 0 11 "$NOW"
check_usage "twelve arguments" 'expected 9 to 11 arguments.*got 12' --config="$CONFIG" \
    1 0 0 11 "$NOW" 0 "$H" 1 - 1 crasher extra
check_usage "PID not a number" 'PID.*abc' --config="$CONFIG" abc 0 0 11 "$NOW" 0 "$H" 1 -
check_usage "PID 0" 'PID' --config="$CONFIG" 0 0 0 11 "$NOW" 0 "$H" 1 -
check_usage "negative UID" 'UID' --config="$CONFIG" 1 -1 0 11 "$NOW" 0 "$H" 1 -
check_usage "signal 0" '[Ss]ignal' --config="$CONFIG" 1 0 0 0 "$NOW" 0 "$H" 1 -
check_usage "signal 99" '[Ss]ignal' --config="$CONFIG" 1 0 0 99 "$NOW" 0 "$H" 1 -
check_usage "timestamp not a number" '[Tt]ime' --config="$CONFIG" 1 0 0 11 yesterday 0 "$H" 1 -
check_usage "RLIMIT not a number" 'RLIMIT' --config="$CONFIG" 1 0 0 11 "$NOW" lots "$H" 1 -
check_usage "empty hostname" '[Hh]ostname' --config="$CONFIG" 1 0 0 11 "$NOW" 0 "" 1 -
check_usage "dump mode 3" 'dump mode' --config="$CONFIG" 1 0 0 11 "$NOW" 0 "$H" 3 -
check_usage "pidfd not a number" 'pidfd' --config="$CONFIG" 1 0 0 11 "$NOW" 0 "$H" 1 x
check_usage "unknown option" 'bogus' --bogus --config="$CONFIG" 1 0 0 11 "$NOW" 0 "$H" 1 -
exec 7>&-

assert_eq "" "$(ls -A "$STORE")" "nothing was written to the store"
harness_done
