#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A store on a 2 MiB tmpfs and a crasher with 8 MiB of random (incompressible)
# memory:
#  1. with no space limits configured (KeepFree=0, MaxUse=infinity), where
#     only the file system's free space stops it;
#  2. with the default limits (KeepFree=15%).
# Either way no core, partial core, 0-byte core or temporary file may remain,
# the space is given back, the record says the core is missing and why, and
# the journal entry names no core, and the kernel log (the handler has no
# stderr when the kernel starts it) says why.
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER"

STORE=$T/small
mkdir -m 0755 "$STORE"
mount -t tmpfs -o size=2M,mode=0755 coroner-full "$STORE"
on_exit "umount -l '$STORE'"
private_journal_start

check_full() {
    local what=$1 pattern=$2
    kmsg_mark
    crash_and_wait --big=8:random segv
    assert_eq 139 "$CRASH_STATUS" "$what: crasher died of SIGSEGV"
    [ -n "$RECORD" ] || return 0
    verify_record "$CRASH_PID" 11 missing
    log "$what: core.reason: $(rec "$CRASH_PID" .core.reason)"
    assert_match "$pattern" "$(rec "$CRASH_PID" .core.reason)" "$what: record core.reason"
    assert_eq "" "$(rec "$CRASH_PID" .core.file)" "$what: record names no core"
    assert_eq "$(basename "$RECORD")" "$(entry_files "$CRASH_PID")" "$what: no core file (not even 0 bytes)"
    assert_eq "" "$(find "$STORE" -mindepth 1 ! -name '*.json' -printf '%P\n')" "$what: only records in the store"
    assert_eq "" "$(find "$STORE" -mindepth 1 -size 0 -printf '%P\n')" "$what: no empty files"
    local used
    used=$(df --output=used -B1K "$STORE" | tail -n 1 | tr -d ' ')
    assert_le "$used" 512 "$what: KiB used on the store after the crash (space given back)"
    assert_match "coroner-handler.*$CRASH_PID.*($pattern)" "$(kmsg_since)" "$what: the kernel log explains"
    verify_journal "$CRASH_PID" 11 missing
    verify_coredumpctl "$CRASH_PID" 11 missing
}

store_config Store.KeepFree=0 Store.MaxUse=infinity
core_pattern_use "$CORONER_HANDLER" "$CONFIG"
check_full "no limits" "space"

store_config
check_full "default limits" 'space|limit|KeepFree|MaxUse'
harness_done
