#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The handler is told about a PID that no longer exists (no pidfd, as from an
# older kernel): the crash is still recorded with what the arguments and the
# core say, and the record's errors say /proc was not available.  Then a pidfd
# that belongs to another process than the PID argument (PID reuse): /proc of
# the PID must not be trusted, so nothing of that other process lands in the
# record, and the errors say why.
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_CHECK_CORE" "$CORONER_WITH_PIDFD"

store_and_journal
make_real_core "$T/real.core" segv
DEAD=$CRASH_PID
kill -0 "$DEAD" 2>/dev/null && die "pid $DEAD was reused already"

mapfile -t ARGS < <(kernel_args "$DEAD" 11 - crasher)
run_handler --stdin="$T/real.core" --config="$CONFIG" "${ARGS[@]}"
assert_eq 0 "$HANDLER_RC" "handler exit status (the crash was recorded)"
wait_record "$DEAD" 5 || harness_done
assert_eq "$DEAD" "$(rec "$DEAD" .process.pid)" "record process.pid"
assert_eq 11 "$(rec "$DEAD" .signal.number)" "record signal.number"
assert_eq crasher "$(rec "$DEAD" .process.comm)" "record process.comm (from %e)"
assert_match "$DEAD" "$(rec "$DEAD" '.errors | join(" / ")')" "record errors name the pid"
assert_match 'no longer exists|No such process|not exist' "$(rec "$DEAD" '.errors | join(" / ")')" \
    "record errors say the process is gone"
assert_eq present "$(rec "$DEAD" .core.state)" "the (valid) core is still stored"
verify_core "$DEAD" 11
E=$(journal_entry "$DEAD")
assert_eq "$DEAD" "$(jfield "$E" COREDUMP_PID)" "journal COREDUMP_PID"
assert_eq 11 "$(jfield "$E" COREDUMP_SIGNAL)" "journal COREDUMP_SIGNAL"
assert_eq "$(core_path "$DEAD")" "$(jfield "$E" COREDUMP_FILENAME)" "journal COREDUMP_FILENAME"
assert_eq "$RECORD" "$(jfield "$E" CORONER_RECORD)" "journal CORONER_RECORD"

# PID reuse: the PID argument is this shell, the pidfd is the sleeper's.
start_sleeper
mapfile -t ARGS < <(kernel_args $$ 11 3 crasher)
run_handler --stdin="$T/real.core" --pidfd="$SLEEPER_PID" --config="$CONFIG" "${ARGS[@]}"
assert_eq 0 "$HANDLER_RC" "handler exit status with a mismatched pidfd"
wait_record $$ 5 || harness_done
assert_eq "" "$(rec $$ .process.exe)" "nothing of the process now holding the PID (no exe)"
assert_eq "" "$(rec $$ .process.cmdline)" "nothing of the process now holding the PID (no cmdline)"
assert_not_contains "$(readlink /proc/$$/exe)" "$(cat "$RECORD")" "the record never mentions this shell's exe"
assert_match "pidfd.*$SLEEPER_PID|$SLEEPER_PID.*pidfd" "$(rec $$ '.errors | join(" / ")')" \
    "record errors explain the pidfd mismatch"
harness_done
