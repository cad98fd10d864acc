#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# coronerctl submit and coronerctl outbox against Spotlight, Sentry's local
# receiver (tests/sentry/node): a real crash (gdb's core of a stopped crasher
# through the real coroner-handler) submitted, then read back from Spotlight;
# --dry-run's bytes parsed by @sentry/core's parseEnvelope; the receiver down
# (queued), then up again (flushed exactly once); no DSN (nothing queued).
#
# Missing node or npm peers make this test fail, never skip.
source "$CORONER_TEST_LIB/../coronerctl/ctl-lib.sh"
ctl_init jq node curl

: "${CORONER_SENTRY_NODE:=$CORONER_SOURCE_ROOT/tests/sentry/node}"
for peer in @sentry/core @spotlightjs/spotlight hono; do
    [ -f "$CORONER_SENTRY_NODE/node_modules/$peer/package.json" ] ||
        die "the npm test peer $peer is missing: run tools/bootstrap (npm ci --prefix tests/sentry/node)"
done

# The submitting user's configuration and outbox live in the scratch directory.
export XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state
OUTBOX=$XDG_STATE_HOME/coroner/outbox
USER_CONF=$XDG_CONFIG_HOME/coroner/reporting.conf
SYSTEM_CONF=/etc/coroner/reporting.conf
if [ -e "$SYSTEM_CONF" ] && grep -Eq '^\s*(DSN|Disabled)\s*=' "$SYSTEM_CONF"; then
    die "$SYSTEM_CONF configures reporting on this machine: the no-DSN checks cannot run here"
fi

# envelopes_queued: how many reports the outbox holds, pending or done.
envelopes_queued() { find "$XDG_STATE_HOME" -name '*.envelope' 2>/dev/null | wc -l; }

# ------------------------------------------------------------- Spotlight
SPOTLIGHT_PID=
STREAM_PID=
# spotlight_start [PORT]: Spotlight on 127.0.0.1 (a free port: 0), its port in
# $PORT, and its /stream recorded in $STREAM (every envelope it receives).
spotlight_start() {
    local want=${1:-0} i
    SPOTLIGHT_LOG=$LOGDIR/spotlight.$want.$$.$RANDOM
    node "$CORONER_SENTRY_NODE/spotlight-launcher.mjs" "$want" >"$SPOTLIGHT_LOG" 2>&1 &
    SPOTLIGHT_PID=$!
    on_exit "kill $SPOTLIGHT_PID 2>/dev/null; wait $SPOTLIGHT_PID 2>/dev/null"
    PORT=
    for ((i = 0; i < 600; i++)); do
        PORT=$(sed -n 's/^spotlight-port \([0-9]*\)$/\1/p' "$SPOTLIGHT_LOG")
        [ -n "$PORT" ] && break
        kill -0 "$SPOTLIGHT_PID" 2>/dev/null || die "Spotlight exited: $(cat "$SPOTLIGHT_LOG")"
        sleep 0.1
    done
    [ -n "$PORT" ] || die "Spotlight did not start within 60 s: $(cat "$SPOTLIGHT_LOG")"
    STREAM=$LOGDIR/stream.$PORT.$SPOTLIGHT_PID
    curl -sN "http://127.0.0.1:$PORT/stream?client=coronerctl-test" >"$STREAM" 2>&1 &
    STREAM_PID=$!
    on_exit "kill $STREAM_PID 2>/dev/null; wait $STREAM_PID 2>/dev/null"
    for ((i = 0; i < 100; i++)); do
        [ -s "$STREAM" ] || [ "$i" -gt 10 ] && break
        sleep 0.1
    done
    log "Spotlight pid $SPOTLIGHT_PID on 127.0.0.1:$PORT"
}

spotlight_stop() {
    kill "$STREAM_PID" "$SPOTLIGHT_PID" 2>/dev/null || true
    wait "$STREAM_PID" "$SPOTLIGHT_PID" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do
        curl -s -o /dev/null "http://127.0.0.1:$PORT/" || return 0
        sleep 0.1
    done
    die "Spotlight still answers on port $PORT"
}

# streamed EVENT-ID: the envelopes (one JSON [header, items] per line) Spotlight streamed for it.
streamed() {
    sed -n 's/^data: *//p' "$STREAM" | jq -c --arg id "$1" 'select(.[0].event_id == $id)' 2>/dev/null
}

# wait_streamed EVENT-ID: waits until Spotlight has streamed it (at most 20 s).
wait_streamed() {
    local i
    for ((i = 0; i < 200; i++)); do
        [ -n "$(streamed "$1")" ] && return 0
        sleep 0.1
    done
    return 1
}

# -------------------------------------------------------------- the crash
gdb_crash segv
ingest 11
gdb_release
ID=$(short_id "$(entry_id "$RECORD")")
log "crash $ID (pid $CRASH_PID)"
# The stored record names modules by the files the process mapped, not by soname.
LIBC=$(jq -r '.backtrace.modules[].path | select(endswith("/libc.so.6"))' "$RECORD")
assert_match '^/(usr/)?lib(64)?/.*libc\.so\.6$' "$LIBC" "the record's libc module is its full path"
assert_eq "" "$(jq -r '.backtrace.modules[].path, .backtrace.threads[].frames[].module // empty |
    select(startswith("/") | not) | select(startswith("linux-vdso") | not)' "$RECORD")" \
    "no module or frame in the record is a bare name"
assert_ne "" "$(jq -r --arg libc "$LIBC" '.backtrace.threads[].frames[] | select(.module == $libc) | .pc' "$RECORD")" \
    "frames in libc name its full path"

# ------------------------------------------------------------ no DSN: off
ctl_run submit "$ID"
assert_eq 6 "$RC" "submit without a DSN: exit 6 (submission off)"
assert_contains "No Sentry DSN is configured" "$ERR" "submit without a DSN says why"
assert_contains "$USER_CONF" "$ERR" "… and where to configure one"
assert_contains "--dsn" "$ERR" "… or to pass --dsn"
assert_eq "" "$OUT" "submit without a DSN prints nothing on stdout"
ctl_run submit --dry-run "$ID"
assert_eq 6 "$RC" "submit --dry-run without a DSN: exit 6"
assert_eq 0 "$(envelopes_queued)" "without a DSN nothing is queued"
ctl_run outbox
assert_eq 0 "$RC" "outbox of an empty outbox"
assert_contains "is empty" "$OUT" "outbox says it is empty"
ctl_run outbox --json
assert_eq "[]" "$(jq -c . <<<"$OUT")" "outbox --json of an empty outbox"

# Usage errors.
ctl_run submit --email=a@example.org "$ID"
assert_eq 2 "$RC" "--email without --comment: usage error"
ctl_run submit --dsn=not-a-dsn "$ID"
assert_eq 2 "$RC" "a malformed --dsn: usage error"
ctl_run outbox frobnicate
assert_eq 2 "$RC" "outbox frobnicate: usage error"
ctl_run submit ffffffffff
assert_eq 1 "$RC" "submit of an unknown id: exit 1"
assert_eq 0 "$(envelopes_queued)" "still nothing queued"

# The record as coronerctl symbolizes it: what the report must describe.
ctl info --json "$ID" | jq .record >"$T/record.json"
[ "$(jq '[.backtrace.threads[] | select(.crashed) | .frames | length] | add' "$T/record.json")" -gt 0 ] ||
    die "coronerctl could not symbolize the crash: $(jq -c .backtrace.error "$T/record.json")"

# ------------------------------------------------- submit to Spotlight
spotlight_start 0
DSN="http://0123456789abcdef0123456789abcdef@127.0.0.1:$PORT/7"
mkdir -p "$(dirname "$USER_CONF")"
printf '[Sentry]\nDSN=%s\n' "$DSN" >"$USER_CONF"

COMMENT="It crashed while saving. ($$)"
EMAIL="tester@example.org"
ctl_run submit --comment="$COMMENT" --email="$EMAIL" "$ID"
assert_eq 0 "$RC" "submit: exit 0 (sent)"
EVENT_ID=$(sed -n 's/^Event ID: \([0-9a-f]\{32\}\)$/\1/p' <<<"$OUT")
assert_match '^[0-9a-f]{32}$' "$EVENT_ID" "submit prints the event id"
assert_match 'Outcome: sent \(HTTP 200' "$OUT" "submit says it was sent"
wait_streamed "$EVENT_ID" || fail "Spotlight never streamed $EVENT_ID" "$(tail -c 2000 "$STREAM")"
assert_eq 1 "$(streamed "$EVENT_ID" | wc -l)" "Spotlight received the report once"

ENV=$(streamed "$EVENT_ID" | head -n 1)
event() { jq -c '.[1][] | select(.[0].type == "event") | .[1]' <<<"$ENV"; }
assert_eq "$DSN" "$(jq -r '.[0].dsn' <<<"$ENV")" "the envelope names the DSN from reporting.conf"
assert_eq SIGSEGV "$(event | jq -r '.exception.values[-1].type')" "Spotlight: the signal"
assert_eq 11 "$(event | jq -r '.exception.values[-1].mechanism.meta.signal.number')" "Spotlight: the signal number"
assert_eq "$CRASH_PID" "$(event | jq -r '.threads.values[] | select(.crashed) | .id')" "Spotlight: the crashed thread"
FNS=$(event | jq -r '[.threads.values[] | select(.crashed) | .stacktrace.frames[].function // "?"] | join(" ")')
# Sentry's order: oldest first, the crashing frame last.
assert_match '(^| )main crash_segv$' "$FNS" "Spotlight: main, then crash_segv, the crashing frame last"
assert_eq "crasher" "$(event | jq -r '.contexts.app.app_identifier')" "Spotlight: the app"
IN_APP=$(event | jq -r '.threads.values[] | select(.crashed) | .stacktrace.frames[] | "\(.package) \(.in_app)"' | sort -u)
assert_contains "$LIBC false" "$IN_APP" "Spotlight: libc's frames are not in_app, with libc's full path"
assert_contains "$(readlink -f "$CORONER_CRASHER") true" "$IN_APP" "Spotlight: the program's own frames are in_app"
assert_eq "" "$(grep -E '^/(usr/)?lib.* true$' <<<"$IN_APP" || true)" "Spotlight: no system library frame is in_app"
assert_eq "" "$(jq -c '.[1][] | select(.[0].type == "user_report" or .[0].type == "feedback")' <<<"$ENV")" \
    "the crash's envelope carries no comment: it goes as a feedback of its own"
# The comment: a feedback envelope of its own (its own event_id), naming the crash.
feedback_for() {
    sed -n 's/^data: *//p' "$STREAM" |
        jq -c --arg id "$1" '.[1][] | select(.[0].type == "feedback" and .[1].contexts.feedback.associated_event_id == $id) | .[1]' 2>/dev/null
}
for ((i = 0; i < 100; i++)); do [ -n "$(feedback_for "$EVENT_ID")" ] && break; sleep 0.1; done
FB=$(feedback_for "$EVENT_ID")
assert_eq 1 "$(grep -c . <<<"$FB")" "Spotlight received the feedback once"
assert_eq "$COMMENT" "$(jq -r .contexts.feedback.message <<<"$FB")" "Spotlight: the comment"
assert_eq "$EMAIL" "$(jq -r .contexts.feedback.contact_email <<<"$FB")" "Spotlight: the e-mail address"
assert_ne "$EVENT_ID" "$(jq -r .event_id <<<"$FB")" "Spotlight: the feedback has its own event_id"

# Every byte, as Spotlight stored them, through @sentry/core's parseEnvelope and
# the field-by-field checks against the record.
SPOT_ID=$(jq -r '.[0].__spotlight_envelope_id' <<<"$ENV")
curl -sf "http://127.0.0.1:$PORT/envelope/$SPOT_ID" -o "$T/spotlight.envelope" ||
    fail "GET /envelope/$SPOT_ID"
assert_cmd "Spotlight's bytes parse with @sentry/core and match the record" -- \
    node "$CORONER_SENTRY_NODE/check-envelope.mjs" "$T/spotlight.envelope" "$T/record.json" \
    --comment "$COMMENT" --dsn "$DSN" --feedback-sent-apart

ctl_run outbox --json
assert_eq 0 "$RC" "outbox --json"
assert_eq "sent" "$(jq -r --arg id "$EVENT_ID" '.[] | select(.event_id == $id) | .state' <<<"$OUT")" "outbox: the report is sent"
assert_eq 200 "$(jq -r --arg id "$EVENT_ID" '.[] | select(.event_id == $id) | .status' <<<"$OUT")" "outbox: the server's answer"
assert_eq "crasher" "$(jq -r --arg id "$EVENT_ID" '.[] | select(.event_id == $id) | .app' <<<"$OUT")" "outbox: the app"
ctl_run outbox list
assert_match "^$EVENT_ID +report +crasher +sent +1 +- +HTTP 200" "$(grep "^$EVENT_ID" <<<"$OUT")" "outbox list: the sent report's row"
assert_match '^EVENT ID +KIND +APP +STATE +ATTEMPTS +NEXT RETRY +ANSWER' "$(head -n 1 <<<"$OUT")" "outbox list: the header"
# The comment went as a feedback entry of its own, labelled and tied to its report.
ctl_run outbox --json
FEEDBACK_ID=$(jq -r --arg id "$EVENT_ID" '.[] | select(.kind == "comment" and .about == $id) | .event_id' <<<"$OUT")
assert_match '^[0-9a-f]{32}$' "$FEEDBACK_ID" "outbox --json: the comment is an entry of kind comment about the report"
assert_eq "crasher" "$(jq -r --arg id "$FEEDBACK_ID" '.[] | select(.event_id == $id) | .app' <<<"$OUT")" "outbox: the comment's app is its report's"
assert_eq "report" "$(jq -r --arg id "$EVENT_ID" '.[] | select(.event_id == $id) | .kind' <<<"$OUT")" "outbox: the report's kind"
ctl_run outbox list
assert_match "^$FEEDBACK_ID +comment +crasher +sent +1 +" "$(grep "^$FEEDBACK_ID" <<<"$OUT")" "outbox list: the comment's row"

# ------------------------------------------------------------- --dry-run
before=$(envelopes_queued)
RC=0
ctl submit --dry-run --comment="$COMMENT" "$ID" >"$T/dry.envelope" 2>"$LOGDIR/dry.err" || RC=$?
assert_eq 0 "$RC" "submit --dry-run: exit 0"
assert_cmd "--dry-run's bytes parse with @sentry/core and match the record" -- \
    node "$CORONER_SENTRY_NODE/check-envelope.mjs" "$T/dry.envelope" "$T/record.json" \
    --comment "$COMMENT" --dsn "$DSN"
# The reviewed bytes hold the feedback next to the event; the outbox splits them.
DRY_ID=$(head -n 1 "$T/dry.envelope" | jq -r .event_id)
assert_eq "$before" "$(envelopes_queued)" "--dry-run queues nothing"
ctl_run submit --dry-run --dsn="http://fedcba9876543210fedcba9876543210@127.0.0.1:$PORT/9" "$ID"
assert_eq "http://fedcba9876543210fedcba9876543210@127.0.0.1:$PORT/9" "$(head -n 1 <<<"$OUT" | jq -r .dsn)" "--dsn wins over reporting.conf"
sleep 1
assert_eq "" "$(streamed "$DRY_ID")" "--dry-run sends nothing"

# ------------------------------------------- receiver down, then up again
spotlight_stop
ctl_run submit --comment="queued $$" "$ID"
assert_eq 5 "$RC" "submit with the receiver down: exit 5 (queued)"
DOWN_ID=$(sed -n 's/^Event ID: \([0-9a-f]\{32\}\)$/\1/p' <<<"$OUT")
assert_match '^[0-9a-f]{32}$' "$DOWN_ID" "queued: the event id"
assert_match 'Outcome: queued for retry at .*(in [0-9]+(s|min))' "$OUT" "queued: when it is retried"
assert_file "$OUTBOX/$DOWN_ID.envelope" "queued in the outbox"
ctl_run outbox --json
assert_eq "pending" "$(jq -r --arg id "$DOWN_ID" '.[] | select(.event_id == $id) | .state' <<<"$OUT")" "outbox: pending"
assert_eq 1 "$(jq -r --arg id "$DOWN_ID" '.[] | select(.event_id == $id) | .attempts' <<<"$OUT")" "outbox: one attempt"
assert_ne null "$(jq -r --arg id "$DOWN_ID" '.[] | select(.event_id == $id) | .error' <<<"$OUT")" "outbox: why it failed"
next=$(jq -r --arg id "$DOWN_ID" '.[] | select(.event_id == $id) | .next_attempt_usec' <<<"$OUT")
assert_le "$(($(date +%s) * 1000000))" "$next" "outbox: the next retry is in the future"
ctl_run outbox
assert_match "^$DOWN_ID +report +crasher +pending +1 +" "$(grep "^$DOWN_ID" <<<"$OUT")" "outbox list: the pending row"
assert_contains "2 pending" "$OUT" "outbox list: footer (the report and its feedback)"
assert_match "[0-9]+ reports, [0-9]+ comments, 2 pending" "$OUT" "outbox list: footer counts reports and comments apart"

spotlight_start "$PORT"
ctl_run outbox flush
assert_eq 5 "$RC" "flush before the retry is due: exit 5 (still queued)"
assert_contains "Sent 0," "$OUT" "flush before the retry is due sends nothing"
assert_contains "Next retry:" "$OUT" "flush says when"
ctl_run outbox flush --force
assert_eq 0 "$RC" "flush --force with the receiver up: exit 0"
assert_contains "Sent 2," "$OUT" "flush --force sends the queued report and its feedback"
ctl_run outbox flush --force
assert_eq 0 "$RC" "a second flush"
assert_contains "Sent 0," "$OUT" "a second flush sends nothing"
wait_streamed "$DOWN_ID" || fail "Spotlight never streamed $DOWN_ID"
sleep 1
assert_eq 1 "$(streamed "$DOWN_ID" | wc -l)" "the queued report reached Spotlight exactly once"
assert_eq "queued $$" "$(feedback_for "$DOWN_ID" | jq -r .contexts.feedback.message)" "… with its comment, as a feedback"
ctl_run outbox --json
assert_eq "sent" "$(jq -r --arg id "$DOWN_ID" '.[] | select(.event_id == $id) | .state' <<<"$OUT")" "outbox: sent after the flush"
assert_eq 2 "$(jq -r --arg id "$DOWN_ID" '.[] | select(.event_id == $id) | .attempts' <<<"$OUT")" "outbox: two attempts"
assert_no_file "$OUTBOX/$DOWN_ID.envelope" "nothing pending any more"

# --------------------------------------------------------------- the core
ctl_run submit --allow-core --dry-run "$ID"
assert_eq 6 "$RC" "--allow-core without AllowCore=true: exit 6"
assert_contains "AllowCore=true" "$ERR" "--allow-core says what to configure"
printf '[Sentry]\nDSN=%s\nAllowCore=true\n' "$DSN" >"$USER_CONF"
RC=0
ctl submit --allow-core --dry-run "$ID" >"$T/core.envelope" 2>"$LOGDIR/core.err" || RC=$?
assert_eq 0 "$RC" "--allow-core with AllowCore=true"
# The core is the process's memory (host name, environment and all): the
# privacy greps of check-envelope.mjs cannot hold for it, so the envelope is
# parsed by @sentry/core and the attachment compared with the stored core.
CORE_FILE=$STORE/$(jq -r .core.file "$RECORD")
assert_cmd "the envelope with the core parses with @sentry/core; the attachment is the stored core" -- \
    node --input-type=module -e '
      import fs from "node:fs";
      import assert from "node:assert/strict";
      const { parse } = await import(process.argv[1] + "/envelope-checks.mjs");
      const { header, byType } = parse(fs.readFileSync(process.argv[2]));
      assert.equal(header.dsn, process.argv[4]);
      assert.equal(byType.event.length, 1);
      const core = (byType.attachment ?? []).filter((a) => a.header.filename === "core.zst");
      assert.equal(core.length, 1, "one core.zst attachment");
      assert.equal(core[0].header.content_type, "application/zstd");
      assert.ok(Buffer.from(core[0].raw).equals(fs.readFileSync(process.argv[3])), "the attachment differs from the stored core");
    ' "$CORONER_SENTRY_NODE" "$T/core.envelope" "$CORE_FILE" "$DSN"

# ------------------------------------------ a record with bare module names
# As records were written before the symbolizer named the mapped files (and
# as systemd-coredump's backtraces are): coronerctl names the files from the
# record's maps, so libc's frames are still not the application's.
jq '(.backtrace.modules[].path, .backtrace.threads[].frames[].module) |= (if . == null then . else sub(".*/"; "") end)' \
    "$RECORD" >"$T/bare.json"
assert_eq "libc.so.6" "$(jq -r '.backtrace.modules[].path | select(. == "libc.so.6")' "$T/bare.json")" "the record now names libc bare"
cat "$T/bare.json" >"$RECORD"
RC=0
ctl submit --dry-run "$ID" >"$T/bare.envelope" 2>"$LOGDIR/bare.err" || RC=$?
assert_eq 0 "$RC" "submit --dry-run of the record with bare names"
IN_APP=$(node --input-type=module -e '
      import fs from "node:fs";
      const { parse } = await import(process.argv[1] + "/envelope-checks.mjs");
      const { byType } = parse(fs.readFileSync(process.argv[2]));
      for (const t of byType.event[0].parsed.threads.values)
        for (const f of t.stacktrace?.frames ?? []) console.log(`${f.package} ${f.in_app}`);
    ' "$CORONER_SENTRY_NODE" "$T/bare.envelope" | sort -u)
assert_contains "$LIBC false" "$IN_APP" "libc's frames: its full path, not in_app"
assert_contains "$(readlink -f "$CORONER_CRASHER") true" "$IN_APP" "the program's own frames: in_app"

harness_done
