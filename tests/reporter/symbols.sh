#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Missing symbols: a stripped program crashes through the real kernel; the
# crash page rates its backtrace poorly and offers to download symbols; the
# button turns the debuginfod setting on and symbolizes the stored core again
# (the symbolizer's sandboxed API) against a real debuginfod server that alone
# has the program's debug information — and then the backtrace names the
# crasher's own functions.  That better backtrace is kept for the user (the
# store is root's): after the reporter restarts, with the server gone, the
# page still shows it, and the report sent to a real Spotlight carries it.
TEST_NAME=reporter-symbols
HARNESS_TOOLS=(debuginfod objcopy)
source "${CORONER_REPORTER_TEST_LIB:-$(dirname "$0")/lib}/session.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONER_REPORTER"
store_config
core_pattern_use "$CORONER_HANDLER" "$CONFIG"
session_init
session_start
spotlight_start

# The debug information goes where only the server looks; the program loses every symbol.
mkdir -p "$T/served" "$T/bin"
objcopy --only-keep-debug "$CORONER_CRASHER" "$T/served/crasher.debug"
objcopy --strip-all "$CORONER_CRASHER" "$T/bin/stripped-crasher"
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
debuginfod -F -p "$PORT" -d "$T/debuginfod.sqlite" -t 0 -g 0 -c 1 "$T/served" >"$LOGDIR/debuginfod.log" 2>&1 &
DEBUGINFOD_PID=$!
on_exit "kill $DEBUGINFOD_PID 2>/dev/null; wait $DEBUGINFOD_PID 2>/dev/null"
BUILD_ID=$(file -L "$CORONER_CRASHER" | sed -n 's/.*BuildID\[sha1\]=\([0-9a-f]*\).*/\1/p')
[ -n "$BUILD_ID" ] || die "the crasher has no build id"
poll 60 "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1]).read()' \
    "http://127.0.0.1:$PORT/buildid/$BUILD_ID/debuginfo" || die "debuginfod did not serve the crasher's debug information"
gsettings set org.coroner.Reporter debuginfod-urls "http://127.0.0.1:$PORT"
unset DEBUGINFOD_URLS

CORONER_CRASHER=$T/bin/stripped-crasher crash_and_wait segv
[ -n "$RECORD" ] || die "no record"
assert_not_contains "crash_segv" "$(jq -r '[.backtrace.threads[0].frames[].function] | join(" ")' "$RECORD")" \
    "the handler found no name for the stripped crasher's function"

login
wait_notifications 1 || fail "no notification"
invoke_default
a11y wait-window "Crash Reports" 60 || fail "no window"
open_technical_details
a11y wait-text "no debugging symbols" 30 && pass "the page says symbols are missing" || fail "no hint about missing symbols"
assert_eq "false" "$(gsettings get org.coroner.Reporter debuginfod)" "debuginfod is off until the user asks"
screenshot missing-symbols "Crash Reports" 64
a11y click "Download Symbols and Retry" || fail "no button to download symbols"
# Asked once, naming the server; Return is Download.
screenshot ask-debuginfod "Download Debugging Symbols?" 16
dialog_keys "Download Debugging Symbols?" Return || fail "could not answer the question"
poll_eval 120 '"$PY" "$CORONER_REPORTER_TEST_LIB/a11y.py" text text "Backtrace of the crashing thread" | grep -q crash_segv' &&
    pass "after downloading symbols the backtrace names crash_segv" ||
    fail "the backtrace still lacks the crasher's functions" "$(a11y text text "Backtrace of the crashing thread" 2>&1 | head -5)"
assert_eq "true" "$(gsettings get org.coroner.Reporter debuginfod)" "the button turned debuginfod on"
assert_contains "main" "$(a11y text text "Backtrace of the crashing thread")" "and main"
screenshot symbols-downloaded "Crash Reports" 64

ID=$(jq -r .id "$RECORD")
KEPT=$XDG_CACHE_HOME/coroner/backtraces/$ID.json
poll 20 test -s "$KEPT" && pass "the better backtrace is kept in the user's cache" || fail "no $KEPT"
assert_eq 600 "$(stat -c %a "$KEPT")" "readable by the user only"
assert_contains "crash_segv" "$(jq -r '[.backtrace.threads[0].frames[].function] | join(" ")' "$KEPT")" \
    "the kept backtrace names crash_segv"
assert_eq "null" "$(jq -r .process.environ "$KEPT")" "and holds nothing of the process but the backtrace"
logout

# Nothing left to download from: whatever names crash_segv now was kept.
kill "$DEBUGINFOD_PID" 2>/dev/null || true
wait "$DEBUGINFOD_PID" 2>/dev/null || true
rm -rf "$XDG_CACHE_HOME/debuginfod_client" "$HOME/.cache/debuginfod_client"
assert_not_contains "crash_segv" "$(jq -r '[.backtrace.threads[0].frames[].function] | join(" ")' "$RECORD")" \
    "the record in the store is unchanged"
login
app_action report "<'$ID'>"
a11y wait-window "Crash Reports" 60 || fail "no window after the restart"
open_technical_details
poll_eval 30 '"$PY" "$CORONER_REPORTER_TEST_LIB/a11y.py" text text "Backtrace of the crashing thread" | grep -q crash_segv' &&
    pass "after a restart the page shows the kept backtrace" ||
    fail "the better backtrace was lost in the restart" "$(a11y text text "Backtrace of the crashing thread" 2>&1 | head -5)"
assert_not_contains "label	Poor" "$(a11y names)" "and rates it as the better backtrace, not poor"
a11y click "Review Report…" || fail "could not press Review Report…"
a11y wait-text "What Will Be Sent" 30 || fail "the review page did not open"
show_exact_data
assert_contains "crash_segv" "$(a11y text text "Report contents")" "the review page shows the kept backtrace"
a11y click "Send" || fail "could not press Send"
a11y wait-text "Sent as report" 60 || fail "no 'sent' result"
poll_eval 30 'spotlight_events | jq -c ".[1][] | select(.[0].type == \"event\") | .[1]" | grep -q crash_segv' &&
    pass "the event Spotlight received carries the kept backtrace" ||
    fail "the sent event lacks crash_segv" "$(spotlight_events | head -c 3000)"
logout
harness_done
