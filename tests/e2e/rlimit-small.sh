#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A process with RLIMIT_CORE 64 KiB (%c = 65536): exactly the first 65536
# bytes of the core are kept (its headers and notes still readable), the
# record says "truncated" with the limit, the journal says COREDUMP_TRUNCATED=1
# and coredumpctl dump returns those bytes.
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_CHECK_CORE"

handler_via_kernel

LIMIT=65536
crash_and_wait rlimit-small $LIMIT
assert_eq 139 "$CRASH_STATUS" "crasher died of SIGSEGV"
[ -n "$RECORD" ] || harness_done

verify_record "$CRASH_PID" 11 truncated
assert_eq $LIMIT "$(rec "$CRASH_PID" .process.rlimit_core)" "record process.rlimit_core"
assert_match '.+' "$(rec "$CRASH_PID" .core.reason)" "record core.reason says why"
verify_core "$CRASH_PID" 11 1 $LIMIT
verify_journal "$CRASH_PID" 11 truncated
E=$(journal_entry "$CRASH_PID")
assert_eq $LIMIT "$(jfield "$E" COREDUMP_RLIMIT)" "journal COREDUMP_RLIMIT"
verify_coredumpctl "$CRASH_PID" 11 truncated
assert_eq "" "$(store_leftovers)" "no temporary files left in the store"
harness_done
