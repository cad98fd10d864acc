#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A crash through the real kernel goes into the bucket: coroner-upload --once
# sends one object whose name follows the default FilenameTemplate; s3cmd
# lists and fetches it; the zip opens, its record has no environment, and
# eu-stack unwinds its core to the crashing function.  The object is the
# same bytes `coronerctl bundle` writes.  A second run sends nothing (the
# state remembers); with DeleteAfterUpload=yes the entry leaves the store.
TEST_NAME=upload-basic
source "${CORONER_TEST_LIB:?}/harness.sh"
source "$(dirname "$0")/upload-lib.sh"
upload_test_start

upload_crash ID KEY segv
log "expected key $KEY"

run_upload --once
assert_eq 0 "$UPLOAD_RC" "coroner-upload --once succeeds ($UPLOAD_ERR)"
assert_eq "$KEY" "$(s3_keys)" "the bucket holds one object, named by the template"
assert_match "^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-dump-[0-9]{8}T[0-9]{6}Z-$(uname -n)-crasher-$CRASH_PID-SEGV\.zip\$" \
    "$KEY" "object name: {uuid}-dump-{timestamp}-{hostname}-{exe}-{pid}-{signal}"
assert_eq 1 "$(s3_stores "$KEY")" "stored exactly once"
assert_eq 0 "$(s3_refusals SignatureDoesNotMatch)" "the verifier accepted every signature"

mkdir -p "$T/got" && s3_get "$KEY" "$T/got/bundle.zip"
assert_file "$T/got/bundle.zip" "fetched with s3cmd"
MEMBERS=$(unzip -Z1 "$T/got/bundle.zip" | sort | tr '\n' ' ')
assert_eq "backtrace.txt core.zst crash.json journal.txt proc/auxv proc/cgroup proc/limits proc/maps proc/mountinfo proc/open_fds proc/status " \
    "$MEMBERS" "bundle members"
(cd "$T/got" && unzip -q bundle.zip)
assert_eq "$ID" "$(jq -r .id "$T/got/crash.json")" "crash.json is the crash's record"
assert_eq "null" "$(jq -r .process.proc.environ "$T/got/crash.json")" "the environment stays on the machine"
assert_cmd "the core is the stored one" -- cmp "$T/got/core.zst" "$STORE/$(rec "$CRASH_PID" .core.file)"
zstd -q -d "$T/got/core.zst" -o "$T/got/core"
STACK=$(eu-stack --core="$T/got/core" -e "$(readlink -f "$CORONER_CRASHER")" 2>&1 || true)
printf '%s\n' "$STACK" >"$LOGDIR/eu-stack.txt"
assert_contains "crash_segv" "$STACK" "eu-stack unwinds the bundled core"
assert_contains "main" "$STACK" "eu-stack reaches main"
assert_contains "crash_segv" "$(cat "$T/got/backtrace.txt")" "backtrace.txt"

# coronerctl bundle writes the same bytes under the same name.
mkdir -p "$T/local"
OUT=$("$CORONER_CTL" --config="$CONFIG" --no-journal bundle "$CRASH_PID" -o "$T/local" 2>"$LOGDIR/ctl.err") || true
assert_eq "$T/local/$KEY" "$OUT" "coronerctl bundle prints the bundle's path"
assert_eq "$(sha256sum <"$T/got/bundle.zip")" "$(sha256sum <"$T/local/$KEY" 2>/dev/null)" \
    "coronerctl bundle writes the object's bytes"
assert_file "$T/upload-state/uploaded/$ID" "the state remembers the upload"
assert_contains "sha256=$(sha256sum <"$T/got/bundle.zip" | cut -c1-64)" "$(cat "$T/upload-state/uploaded/$ID")" \
    "the state holds the object's SHA-256"

# Nothing twice.
run_upload --once
assert_eq 0 "$UPLOAD_RC" "a second run succeeds"
assert_eq 1 "$(s3_stores "$KEY")" "a second run sends nothing"

# A template with a prefix, and DeleteAfterUpload.
config_set "Upload.FilenameTemplate=fleet/{hostname}/{exe}-{signal}-{container}-{uuid}"
config_set "Upload.DeleteAfterUpload=yes"
upload_crash ID2 KEY2 abrt
CORE2=$STORE/$(rec "$CRASH_PID" .core.file)
run_upload --once
assert_eq 0 "$UPLOAD_RC" "upload with DeleteAfterUpload"
assert_match "^fleet/$(uname -n)/crasher-ABRT-none-[0-9a-f-]{36}\.zip\$" "$(s3_keys | grep '^fleet/')" \
    "prefixed template"
assert_no_file "$RECORD" "DeleteAfterUpload removed the record"
assert_no_file "$CORE2" "DeleteAfterUpload removed the core"
assert_eq "" "$(ls "$T/upload-state/uploaded/" | grep -F "$ID2")" "the marker of a removed entry is pruned"
assert_file "$T/upload-state/uploaded/$ID" "the first crash's marker stays"

# As the service runs it: an unprivileged user whose only privilege is
# CAP_DAC_READ_SEARCH (coroner-upload.service's AmbientCapabilities=, less
# the DAC_OVERRIDE that DeleteAfterUpload= needs).
config_set "Upload.DeleteAfterUpload=no"
crash_and_wait bus
[ -n "$RECORD" ] || harness_done
# Its state is the same memory (what root's runs sent is not sent again).
cp -a "$T/upload-state" "$T/nobody-state" && chown -R nobody:nogroup "$T/nobody-state"
chmod 0644 "$CONFIG" "$T/upload-secret"
UPLOAD_RC=0
setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=+dac_read_search \
    --ambient-caps=+dac_read_search -- "$CORONER_UPLOAD" --once --config="$CONFIG" \
    --state-directory="$T/nobody-state" >"$LOGDIR/nobody.out" 2>"$LOGDIR/nobody.err" 9>&- || UPLOAD_RC=$?
assert_eq 0 "$UPLOAD_RC" "as nobody with CAP_DAC_READ_SEARCH: $(cat "$LOGDIR/nobody.err")"
assert_match "fleet/$(uname -n)/crasher-BUS-none-" "$(s3_keys | tr '\n' ' ')" "the unprivileged uploader's object is listed"
assert_eq 2 "$(s3_keys | grep -c "^fleet/")" "nothing else went up: the ABRT crash and this one carry the prefix"
harness_done
