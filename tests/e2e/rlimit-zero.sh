#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A process with RLIMIT_CORE 0 (%c = 0): the crash is recorded and journalled,
# but no core is kept at all (core.state "none", no .zst file).
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_CHECK_CORE"

handler_via_kernel

crash_and_wait rlimit0
assert_eq 139 "$CRASH_STATUS" "crasher died of SIGSEGV"
[ -n "$RECORD" ] || harness_done

verify_record "$CRASH_PID" 11 none
assert_eq 0 "$(rec "$CRASH_PID" .process.rlimit_core)" "record process.rlimit_core"
assert_eq "" "$(rec "$CRASH_PID" .core.file)" "record names no core file"
assert_match '.+' "$(rec "$CRASH_PID" .core.reason)" "record core.reason says why"
assert_eq "$(basename "$RECORD")" "$(entry_files "$CRASH_PID")" "the record is the only file of the entry"
assert_eq "" "$(store_leftovers)" "no temporary files left in the store"
verify_journal "$CRASH_PID" 11 none
E=$(journal_entry "$CRASH_PID")
assert_eq 0 "$(jfield "$E" COREDUMP_RLIMIT)" "journal COREDUMP_RLIMIT"
verify_coredumpctl "$CRASH_PID" 11 none
OUT=$(coredumpctl dump --no-pager -o "$T/nothing" "$CRASH_PID" 2>&1) && RC=0 || RC=$?
assert_ne 0 "$RC" "coredumpctl dump fails when no core was kept"
harness_done
