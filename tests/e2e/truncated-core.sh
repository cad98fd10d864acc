#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A real kernel core cut in half, piped to the handler with the arguments the
# kernel would pass for a live process: no core file (and no temporary file)
# may remain, the record says "missing" and why, the journal entry names no
# core, and stderr explains.  A full copy of the same core is then stored
# whole, proving the cut was what made the difference.
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_CHECK_CORE" "$CORONER_WITH_PIDFD"

store_and_journal
make_real_core "$T/real.core" segv
SIZE=$(stat -c %s "$T/real.core")
head -c $((SIZE / 2)) "$T/real.core" >"$T/half.core"
start_sleeper

TS=$(date +%s)
mapfile -t ARGS < <(kernel_args "$SLEEPER_PID" 11 3 crasher "$TS")
run_handler --stdin="$T/half.core" --pidfd="$SLEEPER_PID" --config="$CONFIG" "${ARGS[@]}"
assert_eq 0 "$HANDLER_RC" "handler exit status (the crash was recorded)"
assert_match '[Tt]runcat' "$HANDLER_STDERR" "stderr explains the core is truncated"
wait_record "$SLEEPER_PID" 5 || harness_done

verify_record "$SLEEPER_PID" 11 missing
assert_match '[Tt]runcat' "$(rec "$SLEEPER_PID" .core.reason)" "record core.reason"
assert_match "$((SIZE / 2))" "$(rec "$SLEEPER_PID" .core.reason)" "record core.reason says how many bytes came"
assert_eq "" "$(rec "$SLEEPER_PID" .core.file)" "record names no core file"
assert_eq "$(basename "$RECORD")" "$(entry_files "$SLEEPER_PID")" "no core file for the entry"
assert_eq "" "$(store_leftovers)" "no temporary files left in the store"
assert_eq '[]' "$(rec "$SLEEPER_PID" '.errors // []')" "the pidfd proved /proc/PID (no collection errors)"
verify_journal "$SLEEPER_PID" 11 missing

# The same core, whole, under the next second's name: stored and identical.
mapfile -t ARGS < <(kernel_args "$SLEEPER_PID" 11 3 crasher $((TS + 1)))
run_handler --stdin="$T/real.core" --pidfd="$SLEEPER_PID" --config="$CONFIG" "${ARGS[@]}"
assert_eq 0 "$HANDLER_RC" "handler exit status for the whole core"
WHOLE=$(find "$STORE" -name "core.crasher.0.$BOOT_ID.$SLEEPER_PID.$((TS + 1))000000.zst")
if [ -n "$WHOLE" ] && cmp -s "$T/real.core" <(zstd -q -dc "$WHOLE"); then
    pass "the whole core is stored byte for byte"
else
    fail "the whole core was not stored identically" "$(ls -la "$STORE")"
fi
harness_done
