#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A program dies of MODE (segv, abrt, bus, fpe, ill) through the real kernel:
# the store holds a core that decompresses to a valid, complete ELF core of
# that PID and signal, a record with the right members, a journal entry with
# systemd-coredump's fields, and an unmodified coredumpctl lists, describes
# and dumps it.
MODE=${1:?usage: signal.sh segv|abrt|bus|fpe|ill}
TEST_NAME=signal-$MODE
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_CHECK_CORE"

case $MODE in
segv) SIG=11 ;;
abrt) SIG=6 ;;
bus) SIG=7 ;;
fpe) SIG=8 ;;
ill) SIG=4 ;;
*) die "unknown mode $MODE" ;;
esac

handler_via_kernel

crash_and_wait "$MODE"
assert_eq $((128 + SIG)) "$CRASH_STATUS" "crasher died of SIG$(signal_name $SIG)"
[ -n "$RECORD" ] || harness_done

verify_crash "$CRASH_PID" "$SIG"
assert_eq "$CRASH_PID" "$(rec "$CRASH_PID" .process.tid)" "record process.tid (single thread)"
assert_eq "$CORONER_CRASHER $MODE" "$(rec "$CRASH_PID" .process.cmdline)" "record process.cmdline"
assert_eq "$PWD" "$(rec "$CRASH_PID" .process.cwd)" "record process.cwd"
assert_eq '[]' "$(rec "$CRASH_PID" '.errors // []')" "record has no collection errors"
assert_eq "" "$(store_leftovers)" "no temporary files left in the store"
assert_eq "json zst" "$(entry_kinds "$CRASH_PID")" "the entry is one record and one core (besides an optional stack core)"
harness_done
