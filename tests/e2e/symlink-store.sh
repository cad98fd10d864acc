#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Symlinks where the store writes:
#  1. the store path itself is a symlink: refused with a clear error (stderr
#     by hand, the kernel log through the kernel), exit 1, nothing written
#     through the link;
#  2. symlinks planted in a real store under the exact names the next entry
#     will take: never followed, their targets never created.
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_CHECK_CORE" "$CORONER_WITH_PIDFD"

store_and_journal
make_real_core "$T/real.core" segv
start_sleeper

mkdir -m 0755 "$T/elsewhere"
ln -s "$T/elsewhere" "$T/link"
cp "$CONFIG" "$T/good.conf"
config_set "Store.Path=$T/link"

# 1a. By hand.
mapfile -t ARGS < <(kernel_args "$SLEEPER_PID" 11 3 crasher)
run_handler --stdin="$T/real.core" --pidfd="$SLEEPER_PID" --config="$CONFIG" "${ARGS[@]}"
assert_eq 1 "$HANDLER_RC" "exit status when nothing could be recorded"
assert_match 'symbolic link|symlink' "$HANDLER_STDERR" "stderr says the store is a symlink"
assert_contains "$T/link" "$HANDLER_STDERR" "stderr names the store path"
assert_eq "" "$(ls -A "$T/elsewhere")" "nothing written through the link (by hand)"
assert_eq "$T/elsewhere" "$(readlink "$T/link")" "the link itself is untouched"

# 1b. Through the kernel: the error goes to the kernel log.
core_pattern_use "$CORONER_HANDLER" "$CONFIG"
kmsg_mark
run_crasher segv
wait_handler "$CRASH_PID" || true
assert_eq "" "$(ls -A "$T/elsewhere")" "nothing written through the link (kernel)"
KMSG=$(kmsg_since)
assert_match "coroner-handler.*$CRASH_PID.*(symbolic link|symlink)" "$KMSG" "kernel log explains"
E=$(journal_entry "$CRASH_PID")
assert_match '.' "$E" "the journal still hears of the crash"
assert_eq "" "$(jfield "$E" COREDUMP_FILENAME)" "the journal entry names no core"

# 2. Planted symlinks in a real store, named for the next entry.
cp "$T/good.conf" "$CONFIG"
TS=$(($(date +%s) + 10))
NAME=core.crasher.0.$BOOT_ID.$SLEEPER_PID.${TS}000000
ln -s "$T/victim-core" "$STORE/$NAME.zst"
ln -s "$T/victim-record" "$STORE/$NAME.json"
mapfile -t ARGS < <(kernel_args "$SLEEPER_PID" 11 3 crasher "$TS")
run_handler --stdin="$T/real.core" --pidfd="$SLEEPER_PID" --config="$CONFIG" "${ARGS[@]}"
assert_no_file "$T/victim-core" "symlink target of the core name"
assert_no_file "$T/victim-record" "symlink target of the record name"
assert_eq "$T/victim-core" "$(readlink "$STORE/$NAME.zst")" "the planted core symlink is untouched"
assert_eq "$T/victim-record" "$(readlink "$STORE/$NAME.json")" "the planted record symlink is untouched"
assert_match '.' "$HANDLER_STDERR" "stderr says something went wrong"
assert_eq "" "$(store_leftovers | grep -v "^$NAME" || true)" "no temporary files left in the store"
harness_done
