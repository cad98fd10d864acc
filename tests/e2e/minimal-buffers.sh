#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Buffers an application registered with libcoroner-hook go into its minimal
# core as their own PT_LOAD at their real address: gdb's `x` reads the
# sample crasher's 64-byte "state" buffer (bytes 0..63, in its .bss) back
# from a minimal core whose recept keeps no module data, and cannot read it
# when the recept leaves buffers out.
HARNESS_TOOLS=(gdb)
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
use_hook_crasher
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER"

printf '{"name":"with-buffers","modules":{"data":false},"buffers":true}\n' >"$T/with.json"
printf '{"name":"without-buffers","modules":{"data":false},"buffers":false}\n' >"$T/without.json"
handler_via_kernel "Store.Recept=$T/with.json"

# gdb_bytes CORE ADDRESS: the 8 first bytes at ADDRESS as gdb prints them.
gdb_bytes() {
    timeout 60 gdb -batch -nx -ex "x/8xb $2" "$CORONER_CRASHER" "$1" 2>&1 | grep -E '^0x[0-9a-f]+' | head -n 1 |
        sed -E 's/^[^:]*:[[:space:]]*//; s/[[:space:]]+/ /g'
}

crash_and_wait segv
[ -n "$RECORD" ] || harness_done
assert_eq with-buffers "$(rec "$CRASH_PID" .core.minimal.recept)" "record: minimal core by recept with-buffers"
ADDRESS=$(rec "$CRASH_PID" '.app.buffers[] | select(.name == "state") | .address')
assert_match '^0x[0-9a-f]+$' "$ADDRESS" "record: the state buffer's address"
assert_eq 64 "$(rec "$CRASH_PID" '.app.buffers[] | select(.name == "state") | .length')" "record: the state buffer's length"
zstd -q -d -o "$T/with.core" "$(core_path "$CRASH_PID")"
assert_eq "0x00 0x01 0x02 0x03 0x04 0x05 0x06 0x07" "$(gdb_bytes "$T/with.core" "$ADDRESS")" \
    "gdb x/8xb reads the registered buffer from the minimal core"

config_set "Store.Recept=$T/without.json"
crash_and_wait segv
[ -n "$RECORD" ] || harness_done
ADDRESS=$(rec "$CRASH_PID" '.app.buffers[] | select(.name == "state") | .address')
zstd -q -d -o "$T/without.core" "$(core_path "$CRASH_PID")"
OUT=$(timeout 60 gdb -batch -nx -ex "x/8xb $ADDRESS" "$CORONER_CRASHER" "$T/without.core" 2>&1 || true)
assert_not_contains "0x00	0x01	0x02	0x03" "$OUT" "without buffers in the recept the bytes are not in the core"
harness_done
