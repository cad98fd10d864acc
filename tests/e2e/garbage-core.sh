#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# What is on stdin is not a core: random bytes, nothing at all, an ELF file
# that is not a core (an executable), a bare ELF core header with no program
# headers.  Each time the crash is still recorded ("missing" with a reason),
# no core or temporary file remains, and the handler does not hang.
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_WITH_PIDFD"

store_and_journal
start_sleeper

head -c $((1 << 20)) /dev/urandom >"$T/random"
: >"$T/empty"
cp "$(readlink -f /bin/true)" "$T/executable"
# An ELF64 ET_CORE header claiming 1000 program headers that never come.
/usr/bin/python3 - "$T/header-only" <<'PY'
import struct, sys
ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
hdr = ident + struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, 1000, 64, 0, 0)
open(sys.argv[1], "wb").write(hdr)
PY

TS=$(date +%s)
declare -A WANT=([random]='not an ELF core' [empty]='no core data|0 bytes' [executable]='not an ELF core'
    [header-only]='truncated|ended')
I=0
for input in random empty executable header-only; do
    I=$((I + 1))
    mapfile -t ARGS < <(kernel_args "$SLEEPER_PID" 11 3 crasher $((TS + I)))
    run_handler --stdin="$T/$input" --pidfd="$SLEEPER_PID" --config="$CONFIG" "${ARGS[@]}"
    assert_eq 0 "$HANDLER_RC" "$input: handler exit status (the crash was recorded)"
    NAME=core.crasher.0.$BOOT_ID.$SLEEPER_PID.$((TS + I))000000
    F=$STORE/$NAME.json
    assert_file "$F" "$input: record"
    [ -f "$F" ] || continue
    assert_eq missing "$(jq -r .core.state "$F")" "$input: record core.state"
    assert_match "${WANT[$input]}" "$(jq -r .core.reason "$F")" "$input: record core.reason"
    assert_eq null "$(jq -r .core.file "$F")" "$input: record names no core"
    assert_no_file "$STORE/$NAME.zst" "$input: core"
    assert_match "${WANT[$input]}" "$HANDLER_STDERR" "$input: stderr explains"
done
assert_eq "" "$(store_leftovers)" "no temporary files left in the store"
E=$(journal_entry "$SLEEPER_PID")
N=$(journalctl --no-pager -o json MESSAGE_ID=$JOURNAL_MESSAGE_ID "COREDUMP_PID=$SLEEPER_PID" | wc -l)
assert_eq 4 "$N" "one journal entry per attempt"
assert_eq 0 "$(journalctl --no-pager -o json MESSAGE_ID=$JOURNAL_MESSAGE_ID "COREDUMP_PID=$SLEEPER_PID" |
    grep -c COREDUMP_FILENAME || true)" "no journal entry names a core file"
harness_done
