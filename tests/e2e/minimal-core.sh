#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A minimal core through the real kernel: a 64-thread process with a 1 GiB
# heap of random bytes crashes twice, once stored whole and once under an
# all-stacks recept that leaves out the other threads' NT_X86_XSTATE.  The
# minimal core has at most 1/1000 of the full core's non-zero 4 KiB pages
# (both counted by count-pages on the decompressed file), and unmodified
# eu-stack and gdb show all 64 threads with the same frames on both.  The
# record and coronerctl info say the core is minimal and by which recept.
HARNESS_TOOLS=(eu-stack gdb)
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
: "${CORONERCTL:=$CORONER_BUILD_DIR/handler/coronerctl}"
: "${CORONER_COUNT_PAGES:=$CORONER_BUILD_DIR/tests/programs/count-pages}"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_CHECK_CORE" "$CORONERCTL" "$CORONER_COUNT_PAGES"

THREADS=64
# The full core is stored uncompressed (sparse): the scratch tmpfs holds it
# without a second, decompressed copy.
handler_via_kernel Store.Compress=no Store.MaxUse=infinity Store.KeepFree=0

cat >"$T/all-stacks.json" <<'EOF'
{
  "name": "all-stacks",
  "stacks": { "threads": "all", "max_size": "256K" },
  "notes": { "extended_registers": "crashing-thread" }
}
EOF

# One crash, same program and arguments, stored whole and then minimal.
crash_and_wait --big=1024:random threads $((THREADS - 1))
assert_eq 139 "$CRASH_STATUS" "crasher (full) died of SIGSEGV"
FULL_PID=$CRASH_PID
FULL=$(core_path "$FULL_PID")
assert_eq "" "$(rec "$FULL_PID" .core.minimal)" "a full core's record has no core.minimal"

config_set Store.Compress=yes
config_set "Store.Recept=$T/all-stacks.json"
crash_and_wait --big=1024:random threads $((THREADS - 1))
assert_eq 139 "$CRASH_STATUS" "crasher (minimal) died of SIGSEGV"
MIN_PID=$CRASH_PID
[ -n "$RECORD" ] && [ -n "$FULL" ] || harness_done

assert_eq present "$(rec "$MIN_PID" .core.state)" "minimal core.state"
assert_eq all-stacks "$(rec "$MIN_PID" .core.minimal.recept)" "record core.minimal.recept"
assert_eq "$T/all-stacks.json" "$(rec "$MIN_PID" .core.minimal.recept_file)" "record core.minimal.recept_file"
assert_eq $THREADS "$(rec "$MIN_PID" .core.minimal.threads)" "record core.minimal.threads"
assert_eq $THREADS "$(rec "$MIN_PID" .core.minimal.stacks)" "record core.minimal.stacks"
assert_eq $((THREADS - 1)) "$(rec "$MIN_PID" .core.minimal.notes_dropped)" \
    "record: the other threads' NT_X86_XSTATE notes were left out"
assert_le $((1 << 30)) "$(rec "$MIN_PID" .core.minimal.original_size)" "record core.minimal.original_size"
assert_le $((1 << 30)) "$(rec "$MIN_PID" .core.minimal.memory_dropped)" "record core.minimal.memory_dropped"
mkdir -p "$T/nojournal"
OUT=$("$CORONERCTL" --store="$STORE" --journal-directory="$T/nojournal" info "$MIN_PID" 2>&1) || true
assert_match "Minimal core: by recept all-stacks \\($T/all-stacks.json\\)" "$OUT" "coronerctl info"
assert_match "stacks of $THREADS of $THREADS threads" "$OUT" "coronerctl info: stacks"

MIN=$T/minimal.core
zstd -q -d -o "$MIN" "$(core_path "$MIN_PID")"
OUT=$("$CORONER_CHECK_CORE" "$MIN" 2>&1) || true
assert_eq yes "$(kv complete "$OUT")" "the minimal core is a complete ELF core (check-core)"
assert_eq $THREADS "$(kv threads "$OUT")" "the minimal core has an NT_PRSTATUS per thread"
assert_eq "$(rec "$MIN_PID" .process.tid)" "$(kv pid "$OUT")" "minimal core: the crashing thread's NT_PRSTATUS first"
assert_eq 11 "$(kv siginfo_signo "$OUT")" "minimal core: NT_SIGINFO"
NOTES=$(eu-readelf -n "$MIN" 2>&1)
assert_contains "AUXV" "$NOTES" "minimal core: NT_AUXV"
assert_contains "FILE" "$NOTES" "minimal core: NT_FILE"
assert_eq 1 "$(grep -c 'X86_XSTATE' <<<"$NOTES" || true)" "minimal core: one NT_X86_XSTATE (the crashing thread's)"
assert_contains "CORONER" "$NOTES" "minimal core: the note of what was left out"

FULL_PAGES=$("$CORONER_COUNT_PAGES" "$FULL" | sed -n 's/.* pages=\([0-9]*\) .*/\1/p')
MIN_PAGES=$("$CORONER_COUNT_PAGES" "$MIN" | sed -n 's/.* pages=\([0-9]*\) .*/\1/p')
log "non-zero 4 KiB pages: full core $FULL_PAGES, minimal core $MIN_PAGES (1/$((FULL_PAGES / (MIN_PAGES ? MIN_PAGES : 1))))"
assert_le $((1 << 18)) "$FULL_PAGES" "the full core holds the 1 GiB heap"
assert_le $((MIN_PAGES * 1000)) "$FULL_PAGES" "minimal core pages x 1000 <= full core pages"

# Frames without addresses and thread ids: the two runs differ in those only.
normalize_eu() { sed -E '/^PID /d; s/^TID [0-9]+:/TID/; s/0x[0-9a-f]+//g' | awk '/^TID/{if(t!="")print t; t=""; next}{t=t"|"$0}END{print t}' | sort; }
normalize_gdb() {
    grep -E '^(#|Thread )' | sed -E 's/^Thread [0-9]+ \(.*LWP [0-9]+\)\)?:/Thread/; s/0x[0-9a-f]+//g; s/ in / /' |
        awk '/^Thread/{if(seen)print t; t=""; seen=1; next}seen{t=t"|"$0}END{if(seen)print t}' | sort
}
EU_FULL=$(timeout 120 eu-stack --core "$FULL" -e "$CORONER_CRASHER" 2>&1 | normalize_eu)
EU_MIN=$(timeout 120 eu-stack --core "$MIN" -e "$CORONER_CRASHER" 2>&1 | normalize_eu)
assert_eq $THREADS "$(grep -c . <<<"$EU_MIN")" "eu-stack shows every thread of the minimal core"
assert_eq $((THREADS - 2)) "$(grep -c 'pause|.*thread_main|.*start_thread' <<<"$EU_MIN")" "eu-stack: the waiting threads unwind to start_thread"
assert_eq "$EU_FULL" "$EU_MIN" "eu-stack: the same frames on the minimal and the full core"

GDB_FULL=$(timeout 120 gdb -batch -nx -ex 'thread apply all bt' "$CORONER_CRASHER" "$FULL" 2>&1 | normalize_gdb)
GDB_MIN=$(timeout 120 gdb -batch -nx -ex 'thread apply all bt' "$CORONER_CRASHER" "$MIN" 2>&1 | normalize_gdb)
assert_eq $THREADS "$(grep -c . <<<"$GDB_MIN")" "gdb shows every thread of the minimal core"
assert_contains "crash_segv () at" "$GDB_MIN" "gdb: the crashing frame with its source line"
assert_contains "__libc_pause () at" "$GDB_MIN" "gdb: libc's frames symbolized (the link map was kept)"
assert_eq "$GDB_FULL" "$GDB_MIN" "gdb: the same frames on the minimal and the full core"

# coredumpctl finds it through the journal entry, decompresses it and runs gdb on it.
OUT=$(timeout 120 coredumpctl debug --no-pager --debugger-arguments="-batch -nx -ex 'thread apply all bt'" "$MIN_PID" 2>&1 | normalize_gdb)
assert_eq "$GDB_FULL" "$OUT" "coredumpctl debug: the same frames"

# The handler symbolized the minimal core itself.
assert_eq $THREADS "$(rec "$MIN_PID" '.backtrace.threads | length')" "record backtrace from the minimal core: every thread"
assert_eq crash_segv "$(rec "$MIN_PID" '.backtrace.threads[0].frames[0].function')" "record backtrace: the crashing frame"
harness_done
