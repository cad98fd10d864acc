#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# What the user did is remembered: a crash dismissed from its notification
# (through dunst's own action menu) stays dismissed after the reporter
# restarts; another crash of that application the same day is counted, not
# announced; a crash that was announced but left alone is not announced again
# at the next login.  The history shows them with their state.
TEST_NAME=reporter-dismiss
source "${CORONER_REPORTER_TEST_LIB:-$(dirname "$0")/lib}/session.sh"
session_init
session_start

crash_via_handler 1
FIRST=$(jq -r .id "$LAST_RECORD")
login
wait_notifications 1 || fail "the first crash was not announced"
assert_eq 1 "$(new_notification_count)" "one notification at the first login"
invoke_menu Dismiss
poll 20 grep -q '"action": "dismiss"' "$T/notify.jsonl" && pass "dunst invoked the Dismiss action" ||
    fail "no ActionInvoked(dismiss) on the bus" "$(tail -n 5 "$T/notify.jsonl")"
poll_eval 20 'grep -A3 -F "[crash $FIRST]" "$XDG_STATE_HOME/coroner/reporter-state.ini" | grep -q "^State=dismissed"' &&
    pass "the dismissal is saved" || fail "the state file does not say dismissed" "$(cat "$XDG_STATE_HOME/coroner/reporter-state.ini")"
logout

# Second login: nothing new, nothing announced.
login
sleep 2 # a notification would be sent right after the pick-up; give it the chance to show up
assert_contains "(0 new)" "$(grep 'picked up' "$LOGDIR/reporter.log" | tail -n 1)" "the second login finds nothing new"
assert_eq 1 "$(notify_count)" "no notification at the second login"

# Another crash of the same application the same day is counted, not announced.
crash_via_handler 1
poll_eval 20 'grep -A2 -F "[app org.coroner.TestCrasher]" "$XDG_STATE_HOME/coroner/reporter-state.ini" | grep -q "^Count=2"' &&
    pass "the second crash of the day is counted" || fail "the second crash was not counted" "$(cat "$XDG_STATE_HOME/coroner/reporter-state.ini")"
sleep 3 # the longest a crash waits to be grouped, and then some
assert_eq 1 "$(notify_count)" "and not announced again"

# A crash of another application that is announced and then ignored is not announced again either.
mkdir -p "$T/bin"
cp "$CORONER_CRASHER" "$T/bin/other-crasher"
printf '[Desktop Entry]\nType=Application\nName=Other Crasher\nExec=%s\nIcon=utilities-system-monitor\n' \
    "$T/bin/other-crasher" >"$T/data/applications/org.coroner.OtherCrasher.desktop"
rm -f "$T/core"
CORONER_CRASHER=$T/bin/other-crasher crash_via_handler 1
SECOND=$(jq -r .id "$LAST_RECORD")
wait_notifications 2 || fail "the live crash was not announced"
assert_eq "Other Crasher crashed" "$(last_notification | jq -r .summary)" "the other application is announced"
logout
login
sleep 2
assert_eq 2 "$(notify_count)" "the ignored crash is not announced at the next login"
assert_contains "(0 new)" "$(grep 'picked up' "$LOGDIR/reporter.log" | tail -n 1)" "the third login finds nothing new"

# The history tells both apart.
app_action history
a11y wait-window "Crash Reports" 60 || fail "no window"
a11y wait-text "· Dismissed" 30 && pass "the history shows the dismissed crash" || fail "no dismissed crash in the history"
a11y wait-text "· New" 30 && pass "the history shows the new crash" || fail "no new crash in the history"
screenshot history "Crash Reports" 64
assert_ne "$FIRST" "$SECOND" "two different crashes"

# A group peer's live dump (the process ran on) is listed but never announced;
# a crash of that application, written the same way, is.
cp "$CORONER_CRASHER" "$T/bin/peer-app"
printf '[Desktop Entry]\nType=Application\nName=Peer App\nExec=%s\nIcon=utilities-system-monitor\n' \
    "$T/bin/peer-app" >"$T/data/applications/org.coroner.PeerApp.desktop"
# store_record_as PID [JQ-FILTER]: a record of peer-app (from the last one) put in the store.
store_record_as() {
    local pid=$1 id
    id=$(jq -r --arg pid "$pid" '.id | split(".") | .[1] = "peer-app" | .[4] = $pid | join(".")' "$LAST_RECORD")
    jq --arg id "$id" --arg exe "$T/bin/peer-app" --argjson pid "$pid" \
        '.id = $id | .process.pid = $pid | .process.exe = $exe | .process.comm = "peer-app" | del(.core.file) | .core.state = "none" | '"${2:-.}" \
        "$LAST_RECORD" >"$T/record.tmp"
    mv "$T/record.tmp" "$STORE/$id.json"
}
BEFORE=$(notify_count)
store_record_as 4000001 ".live_dump = true | .peer_of = \"$SECOND\""
sleep 4 # the longest a crash waits to be grouped, and then some
assert_eq "$BEFORE" "$(notify_count)" "a group peer's live dump is not announced"
store_record_as 4000002
wait_notifications $((BEFORE + 1)) || fail "a crash of peer-app stored the same way was not announced"
assert_eq "Peer App crashed" "$(last_notification | jq -r .summary)" "while that application's crash is"
logout
session_done
