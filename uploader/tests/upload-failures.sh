#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# What goes wrong on the way to the bucket, through the real verifier:
#  * a wrong secret, a wrong region: refused, with S3's reason on stderr and
#    a non-zero exit; nothing is marked uploaded;
#  * a body changed in transit, an x-amz header added in transit (a tamper
#    proxy between us and the verifier): refused, nothing marked;
#  * the server down: coroner-upload (Watch=yes) keeps the crash and tries
#    again with backoff; once the server is back the crash arrives exactly
#    once, and a restart sends nothing more.
TEST_NAME=upload-failures
source "${CORONER_TEST_LIB:?}/harness.sh"
source "$(dirname "$0")/upload-lib.sh"
upload_test_start

upload_crash ID KEY segv

# A wrong secret.
printf 'not-the-secret' >"$T/wrong-secret"
config_set "Upload.SecretAccessKeyFile=$T/wrong-secret"
run_upload --once
assert_eq 1 "$UPLOAD_RC" "wrong secret: exit status 1"
assert_contains "SignatureDoesNotMatch" "$UPLOAD_ERR" "wrong secret: S3's reason is shown"
assert_contains "$ID not uploaded" "$UPLOAD_ERR" "wrong secret: the crash is named"
assert_eq 1 "$(s3_refusals SignatureDoesNotMatch)" "wrong secret: refused once, not retried"
assert_no_file "$T/upload-state/uploaded/$ID" "wrong secret: not marked uploaded"
config_set "Upload.SecretAccessKeyFile=$T/upload-secret"

# A missing secret file: a configuration error before anything is sent.
config_set "Upload.SecretAccessKeyFile=$T/no-such-file"
run_upload --once
assert_eq 3 "$UPLOAD_RC" "missing secret file: exit status 3"
assert_contains "SecretAccessKeyFile=$T/no-such-file" "$UPLOAD_ERR" "missing secret file is named"
config_set "Upload.SecretAccessKeyFile=$T/upload-secret"

# A wrong region.
config_set "Upload.Region=eu-west-1"
run_upload --once
assert_eq 1 "$UPLOAD_RC" "wrong region: exit status 1"
assert_contains "the region 'eu-west-1' is wrong; expecting '$S3_REGION'" "$UPLOAD_ERR" "wrong region: S3's reason is shown"
config_set "Upload.Region=$S3_REGION"

# Tampering in transit.
tamper_start body
config_set "Upload.Endpoint=http://127.0.0.1:$TAMPER_PORT"
run_upload --once
assert_eq 1 "$UPLOAD_RC" "changed body: exit status 1"
assert_contains "XAmzContentSHA256Mismatch" "$UPLOAD_ERR" "changed body: refused for its SHA-256"
tamper_stop
tamper_start header
config_set "Upload.Endpoint=http://127.0.0.1:$TAMPER_PORT"
run_upload --once
assert_eq 1 "$UPLOAD_RC" "added header: exit status 1"
assert_contains "not signed: x-amz-meta-injected" "$UPLOAD_ERR" "added header: refused as unsigned"
tamper_stop
assert_eq "" "$(s3_keys)" "nothing reached the bucket"
assert_no_file "$T/upload-state/uploaded/$ID" "still not marked uploaded"

# The server down: the crash waits, then arrives exactly once.
config_set "Upload.Endpoint=http://127.0.0.1:$S3_PORT"
config_set "Upload.Watch=yes"
PORT=$S3_PORT
s3_stop
upload_daemon_start
upload_crash ID2 KEY2 abrt
if wait_for "grep -q 'will try again' '$LOGDIR/upload-daemon.err'" 30; then
    pass "server down: the failure is logged as one to retry"
else
    fail "server down: no retry logged" "$(cat "$LOGDIR/upload-daemon.err")"
fi
assert_no_file "$T/upload-state/uploaded/$ID" "server down: not marked uploaded"
s3_start --port="$PORT"
if wait_for "[ -e '$T/upload-state/uploaded/$ID' ] && [ -e '$T/upload-state/uploaded/$(rec "$CRASH_PID" .id)' ]" 60; then
    pass "server back: both crashes uploaded"
else
    fail "server back: not uploaded within 60 s" "$(tail -n 20 "$LOGDIR/upload-daemon.err")"
fi
upload_daemon_stop
assert_eq 1 "$(s3_stores "$KEY")" "the first crash was stored exactly once"
assert_eq 1 "$(s3_stores "$KEY2")" "the second crash was stored exactly once"
run_upload --once
assert_eq 0 "$UPLOAD_RC" "a restart succeeds"
assert_eq 1 "$(s3_stores "$KEY")" "a restart sends nothing again"
assert_eq "$(printf '%s\n' "$KEY" "$KEY2" | sort)" "$(s3_keys)" "the bucket holds the two crashes"
harness_done
