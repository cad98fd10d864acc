# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# What coroner-upload's tests share, on top of tests/lib/harness.sh (real
# kernel crashes into a private store): an S3-compatible server on loopback
# (s3rver, npm) behind our own SigV4 verifier (node/sigv4-proxy.mjs), which
# recomputes every signature with the known secret; s3cmd (Debian's, an
# independent S3 client with its own signer) to list and fetch what arrived.

: "${CORONER_UPLOAD:?}" "${CORONER_CTL:?}" "${UPLOAD_NODE_DIR:?}"
HARNESS_TOOLS=(node s3cmd unzip eu-stack sha256sum python3)
S3_SECRET=uploader-test-secret-0123456789abcdef
S3_KEY=S3RVER   # s3rver knows only this access key id (and checks nothing else)
S3_BUCKET=crashes
S3_REGION=us-east-1
S3_PID=
TAMPER_PID=
UPLOAD_DAEMON_PID=
# The namespace of coroner_bundle_uuid() (libcoroner/bundle-name.c).
BUNDLE_UUID_NAMESPACE=6b1d3c5e-0f7a-4b2c-9e51-d283406fa719

# s3_start [--port=N]: the verifier and s3rver, data in $T/s3data; sets S3_PORT.
s3_start() {
    [ -d "$UPLOAD_NODE_DIR/node_modules/s3rver" ] ||
        die "s3rver is not installed in $UPLOAD_NODE_DIR (run tools/bootstrap)"
    printf '%s' "$S3_SECRET" >"$T/s3-secret"
    rm -f "$T/s3-port"
    node "$UPLOAD_NODE_DIR/sigv4-proxy.mjs" ${1:+"$1"} --port-file="$T/s3-port" --log="$LOGDIR/s3.log" \
        --region=$S3_REGION --access-key=$S3_KEY --secret-file="$T/s3-secret" \
        --data="$T/s3data" --bucket=$S3_BUCKET >>"$LOGDIR/s3-proxy.out" 2>&1 9>&- &
    S3_PID=$!
    on_exit "s3_stop"
    local i
    for ((i = 0; i < 100; i++)); do
        [ -s "$T/s3-port" ] && break
        kill -0 "$S3_PID" 2>/dev/null || die "the S3 verifier exited: $(cat "$LOGDIR/s3-proxy.out")"
        sleep 0.1
    done
    [ -s "$T/s3-port" ] || die "the S3 verifier did not start within 10 s"
    S3_PORT=$(cat "$T/s3-port")
    cat >"$T/s3cfg" <<CFG
[default]
access_key = $S3_KEY
secret_key = $S3_SECRET
host_base = 127.0.0.1:$S3_PORT
host_bucket = 127.0.0.1:$S3_PORT
use_https = False
bucket_location = $S3_REGION
signature_v2 = False
CFG
    log "S3 verifier + s3rver on 127.0.0.1:$S3_PORT (pid $S3_PID)"
}

s3_stop() { stop_process S3_PID; }

# tamper_start body|header: a man in the middle in front of the verifier; sets TAMPER_PORT.
tamper_start() {
    rm -f "$T/tamper-port"
    node "$UPLOAD_NODE_DIR/sigv4-proxy.mjs" --tamper="$1" --port-file="$T/tamper-port" \
        --upstream="http://127.0.0.1:$S3_PORT" >>"$LOGDIR/tamper.out" 2>&1 9>&- &
    TAMPER_PID=$!
    on_exit "tamper_stop"
    wait_for "[ -s '$T/tamper-port' ]" 10 || true
    TAMPER_PORT=$(cat "$T/tamper-port")
}

tamper_stop() { stop_process TAMPER_PID; }

# upload_config [Key=Value…]: the [Upload] section of $CONFIG, for the running server.
upload_config() {
    printf '%s' "$S3_SECRET" >"$T/upload-secret"
    config_set "Upload.Endpoint=http://127.0.0.1:$S3_PORT"
    config_set "Upload.Bucket=$S3_BUCKET"
    config_set "Upload.Region=$S3_REGION"
    config_set "Upload.AccessKeyId=$S3_KEY"
    config_set "Upload.SecretAccessKeyFile=$T/upload-secret"
    config_set "Upload.PathStyle=yes"
    local kv
    for kv in "$@"; do config_set "Upload.$kv"; done
}

# upload_crash ID_VAR KEY_VAR CRASHER-ARGS…: a crash through the kernel (as crash_and_wait);
# sets $ID_VAR to its record's id and $KEY_VAR to the object key it gets in the bucket.
upload_crash() {
    local id_var=$1 key_var=$2
    shift 2
    crash_and_wait "$@"
    [ -n "$RECORD" ] || harness_done
    printf -v "$id_var" '%s' "$(rec "$CRASH_PID" .id)"
    printf -v "$key_var" '%s' "$(bundle_key "$RECORD")"
}

# run_upload ARGS…: coroner-upload --once (or ARGS) with a time limit; sets UPLOAD_RC, UPLOAD_ERR.
run_upload() {
    UPLOAD_RC=0
    timeout 120 "$CORONER_UPLOAD" --config="$CONFIG" --state-directory="$T/upload-state" "$@" \
        >"$LOGDIR/upload.out" 2>"$LOGDIR/upload.err" 9>&- || UPLOAD_RC=$?
    UPLOAD_ERR=$(cat "$LOGDIR/upload.err")
    cat "$LOGDIR/upload.err" >>"$LOGDIR/upload.all"
    log "coroner-upload $* -> exit $UPLOAD_RC"
}

# upload_daemon_start: coroner-upload running (Watch=/Interval= from $CONFIG), log in upload-daemon.err.
upload_daemon_start() {
    "$CORONER_UPLOAD" --config="$CONFIG" --state-directory="$T/upload-state" \
        >"$LOGDIR/upload-daemon.out" 2>>"$LOGDIR/upload-daemon.err" 9>&- &
    UPLOAD_DAEMON_PID=$!
    on_exit "upload_daemon_stop"
}

upload_daemon_stop() { stop_process UPLOAD_DAEMON_PID; }

# s3_keys: the bucket's object keys, one a line, through s3cmd.
s3_keys() {
    s3cmd -c "$T/s3cfg" ls -r "s3://$S3_BUCKET/" 2>>"$LOGDIR/s3cmd.err" |
        sed -n "s|.* s3://$S3_BUCKET/||p" | sort
}

# s3_get KEY FILE: fetch an object through s3cmd.
s3_get() {
    s3cmd -c "$T/s3cfg" get --force "s3://$S3_BUCKET/$1" "$2" >>"$LOGDIR/s3cmd.out" 2>&1
}

# s3_stores KEY: how many times an object was stored (PUT of a whole object or a completed multipart).
s3_stores() {
    [ -f "$LOGDIR/s3.log" ] || { echo 0; return; }
    jq -r --arg p "/$S3_BUCKET/$1" 'select(.verdict == "ok" and (.status // 0) < 300 and
        ((.method == "PUT" and .url == $p) or
         (.method == "POST" and (.url | startswith($p + "?uploadId=")))))' "$LOGDIR/s3.log" |
        grep -c '"url"' || true
}

# s3_refusals CODE: how many requests the verifier refused with CODE.
s3_refusals() {
    [ -f "$LOGDIR/s3.log" ] || { echo 0; return; }
    jq -r --arg c "$1" 'select(.verdict == "refused" and .code == $c) | .url' "$LOGDIR/s3.log" | wc -l
}

# bundle_key RECORD [TEMPLATE-FORM]: the default template's name for a record, computed here.
bundle_key() {
    python3 - "$1" "$BUNDLE_UUID_NAMESPACE" <<'PY'
import json, sys, uuid, os, datetime, re
r = json.load(open(sys.argv[1]))
def clean(v):
    v = str(v) if v not in (None, "") else "unknown"
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_" or (c == "." and i)) else "_"
                   for i, c in enumerate(v))
ts = datetime.datetime.fromtimestamp(r["timestamp_usec"] // 1000000, datetime.timezone.utc)
fields = [str(uuid.uuid5(uuid.UUID(sys.argv[2]), r["id"])), "dump", ts.strftime("%Y%m%dT%H%M%SZ"),
          r["hostname"], os.path.basename(r["process"]["exe"]), r["process"]["pid"], r["signal"]["name"]]
print("-".join([clean(fields[0]), "dump"] + [clean(f) for f in fields[2:]]) + ".zip")
PY
}

# upload_test_start [Key=Value…]: what every upload test starts with — the
# harness (lock, private namespace, scratch), the built programs, a private
# store and journald, core_pattern at the handler, the S3 server, and
# [Upload] for it (plus the given keys).
upload_test_start() {
    harness_init
    require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_UPLOAD" "$CORONER_CTL"
    store_config
    private_journal_start
    core_pattern_use "$CORONER_HANDLER" "$CONFIG"
    s3_start
    upload_config "$@"
}
