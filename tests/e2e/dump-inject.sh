#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# coronerctl dump --inject: the buffers the application registered with
# libcoroner-hook, recorded beside its core, go into a copy of a core that
# lacks them as their own PT_LOAD at their real address, and gdb's `x` reads
# them there: a minimal core whose recept left buffers out, and a full core
# of a process whose coredump_filter dumped no private memory.
HARNESS_TOOLS=(gdb)
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
use_hook_crasher
: "${CORONERCTL:=$CORONER_BUILD_DIR/handler/coronerctl}"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONERCTL"

printf '{"name":"without-buffers","modules":{"data":false},"buffers":false}\n' >"$T/without.json"
handler_via_kernel "Store.Recept=$T/without.json"
mkdir -p "$T/nojournal"
ctl() { "$CORONERCTL" --store="$STORE" --journal-directory="$T/nojournal" "$@"; }

# gdb_x CORE ADDRESS: gdb's x/8xb at ADDRESS (its first line, or its error).
gdb_x() {
    timeout 60 gdb -batch -nx -ex "x/8xb $2" "$CORONER_CRASHER" "$1" 2>&1 | grep -E '^0x[0-9a-f]+|Cannot access' | head -n 1 |
        sed -E 's/^[^:]*:[[:space:]]*//; s/[[:space:]]+/ /g'
}
BYTES="0x00 0x01 0x02 0x03 0x04 0x05 0x06 0x07"

# check_inject PID WHAT: the stored core lacks the state buffer, the injected copy has it.
check_inject() {
    local pid=$1 what=$2 address
    address=$(rec "$pid" '.app.buffers[] | select(.name == "state") | .address')
    assert_match '^0x[0-9a-f]+$' "$address" "$what: the record has the state buffer's address"
    zstd -q -d -o "$T/$pid.core" "$(core_path "$pid")"
    assert_ne "$BYTES" "$(gdb_x "$T/$pid.core" "$address")" "$what: the stored core lacks the buffer"
    assert_cmd "$what: dump --inject" -- ctl dump --inject -o "$T/$pid.injected" "$pid"
    assert_eq "$BYTES" "$(gdb_x "$T/$pid.injected" "$address")" \
        "$what: gdb x/8xb reads the injected buffer at its address"
}

crash_and_wait segv
[ -n "$RECORD" ] || harness_done
assert_eq without-buffers "$(rec "$CRASH_PID" .core.minimal.recept)" "record: minimal core without buffers"
check_inject "$CRASH_PID" "minimal core"
# Nothing else is lost: the crashing thread still unwinds.
assert_contains "crash_segv" "$(timeout 60 gdb -batch -nx -ex bt "$CORONER_CRASHER" "$T/$CRASH_PID.injected" 2>&1)" \
    "minimal core: gdb still unwinds the injected copy"

# A full core without private memory (the crasher inherits this shell's filter).
config_set "Store.Recept="
OLD_FILTER=$(cat /proc/$$/coredump_filter)
echo 0x10 >/proc/$$/coredump_filter
crash_and_wait segv
echo "$OLD_FILTER" >/proc/$$/coredump_filter
[ -n "$RECORD" ] || harness_done
assert_eq "" "$(rec "$CRASH_PID" .core.minimal.recept)" "record: a full core"
check_inject "$CRASH_PID" "full core"

# A core that already has the buffer: the copy says so and still reads it.
crash_and_wait segv
[ -n "$RECORD" ] || harness_done
OUT=$(ctl dump --inject -o "$T/full.injected" "$CRASH_PID" 2>&1)
assert_contains "already holds" "$OUT" "a core with the buffers: dump --inject says so"
harness_done
