#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A bundle bigger than 64 MiB (a core of 80 MiB of random bytes, which zstd
# cannot shrink) arrives whole: as a multipart upload of 16 MiB parts, each
# signed with its own SHA-256; the object s3cmd fetches has the size and
# SHA-256 of the bundle `coronerctl bundle` writes, and of what
# coroner-upload noted in its state; the zip's own CRCs check out.
TEST_NAME=upload-big
source "${CORONER_TEST_LIB:?}/harness.sh"
source "$(dirname "$0")/upload-lib.sh"
upload_test_start PartSize=16M

upload_crash ID KEY --big=80:random segv
run_upload --once
assert_eq 0 "$UPLOAD_RC" "coroner-upload --once succeeds ($UPLOAD_ERR)"
assert_contains "multipart" "$UPLOAD_ERR" "sent as a multipart upload"
PARTS=$(jq -r 'select(.verdict == "ok" and .method == "PUT" and (.url | contains("partNumber="))) | .url' "$LOGDIR/s3.log" | wc -l)
assert_le 5 "$PARTS" "at least five parts for more than 64 MiB"
assert_eq 1 "$(s3_stores "$KEY")" "completed exactly once"

s3_get "$KEY" "$T/got.zip"
mkdir -p "$T/local"
"$CORONER_CTL" --config="$CONFIG" --no-journal bundle "$CRASH_PID" -o "$T/local" >/dev/null 2>"$LOGDIR/ctl.err" ||
    fail "coronerctl bundle failed" "$(cat "$LOGDIR/ctl.err")"
SIZE=$(stat -c %s "$T/got.zip")
assert_le $((64 << 20)) "$SIZE" "the object is bigger than 64 MiB"
assert_eq "$(stat -c %s "$T/local/$KEY")" "$SIZE" "object size = the bundle's"
SUM=$(sha256sum <"$T/got.zip" | cut -c1-64)
assert_eq "$(sha256sum <"$T/local/$KEY" | cut -c1-64)" "$SUM" "object SHA-256 = the bundle's"
assert_contains "size=$SIZE" "$(cat "$T/upload-state/uploaded/$ID")" "the state notes the size"
assert_contains "sha256=$SUM" "$(cat "$T/upload-state/uploaded/$ID")" "the state notes the SHA-256"
assert_cmd "the zip's CRCs check out" -- unzip -tq "$T/got.zip"
harness_done
