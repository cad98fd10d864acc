#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Watch=yes: coroner-upload, already running and idle, uploads a new crash
# within seconds of the kernel delivering it (inotify on the store, no
# polling); Interval= uploads what Watch= would not see (a crash stored while
# only the timer runs).
TEST_NAME=upload-watch
source "${CORONER_TEST_LIB:?}/harness.sh"
source "$(dirname "$0")/upload-lib.sh"
upload_test_start Watch=yes

upload_daemon_start
wait_for "grep -q 'running: watching the store' '$LOGDIR/upload-daemon.err'" 10 ||
    fail "coroner-upload did not start" "$(cat "$LOGDIR/upload-daemon.err")"
crash_and_wait segv
[ -n "$RECORD" ] || harness_done
START=$(date +%s%N)
KEY=$(bundle_key "$RECORD")
if wait_for "[ \"\$(s3_stores '$KEY')\" = 1 ]" 20; then
    ELAPSED=$((($(date +%s%N) - START) / 1000000))
    pass "Watch=yes: the crash arrived ${ELAPSED} ms after its record"
    assert_le "$ELAPSED" 10000 "Watch=yes uploads within 10 s"
else
    fail "Watch=yes: the crash did not arrive within 10 s" "$(cat "$LOGDIR/upload-daemon.err")"
fi
assert_eq "$KEY" "$(s3_keys)" "the object, listed by s3cmd"
upload_daemon_stop
log "coroner-upload said: $(cat "$LOGDIR/upload-daemon.err")"

# Interval= alone: no inotify, the timer finds it.
config_set "Upload.Watch=no"
config_set "Upload.Interval=2s"
upload_daemon_start
wait_for "grep -q 'running: on an interval' '$LOGDIR/upload-daemon.err'" 10 ||
    fail "coroner-upload did not start" "$(cat "$LOGDIR/upload-daemon.err")"
upload_crash ID2 KEY2 abrt
if wait_for "[ \"\$(s3_stores '$KEY2')\" = 1 ]" 10; then
    pass "Interval=2s: the crash arrived"
else
    fail "Interval=2s: the crash did not arrive within 10 s" "$(cat "$LOGDIR/upload-daemon.err")"
fi
upload_daemon_stop
assert_eq 1 "$(s3_stores "$KEY")" "the first crash still stored once"

# A bad Schedule= is a configuration error.
config_set "Upload.Schedule=61 * * * *"
run_upload
assert_eq 3 "$UPLOAD_RC" "bad Schedule=: exit status 3"
assert_contains "bad minute field" "$UPLOAD_ERR" "bad Schedule=: the reason"
harness_done
