#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A crash storm: 20 crashes of two applications while the reporter runs are
# announced by one notification (one Notify without replaces_id; later ones
# only update it), the crashes are all in the list, and a crash storm found
# at login is one notification too.
TEST_NAME=reporter-storm
source "${CORONER_REPORTER_TEST_LIB:-$(dirname "$0")/lib}/session.sh"
session_init
session_start

# A second application: the crasher under another name and .desktop file.
mkdir -p "$T/bin"
cp "$CORONER_CRASHER" "$T/bin/other-crasher"
cat >"$T/data/applications/org.coroner.OtherCrasher.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=Other Crasher
Exec=$T/bin/other-crasher
Icon=utilities-system-monitor
DESKTOP

login
assert_eq 0 "$(notify_count)" "nothing to announce at login"
REAL_CRASHER=$CORONER_CRASHER
CORONER_CRASHER=$T/bin/other-crasher
rm -f "$T/core"
crash_via_handler 1
CORONER_CRASHER=$REAL_CRASHER
rm -f "$T/core"
crash_via_handler 19
assert_eq 20 "$(ls "$STORE"/*.json | wc -l)" "20 crashes stored"
poll_eval 30 '[ "$(notify_count)" -ge 1 ]' || fail "no notification for the storm"
sleep 7 # the longest the reporter waits to group crashes, and then some
assert_eq 1 "$(new_notification_count)" "one notification for 20 crashes"
assert_match "applications crashed|crashed [0-9]+ times today" "$(notifications | jq -r '.summary + " " + .body' | tail -n 1)" \
    "the notification speaks of several crashes"
assert_le "$(displayed)" 1 "dunst shows at most one notification"
screenshot storm-notification Dunst 8
app_action history
a11y wait-window "Crash Reports" 60 || fail "no window"
ROWS=$(a11y names | grep -c '^list item' || true)
assert_eq 20 "$ROWS" "the history lists all 20 crashes"
logout
# Its actions would reach nobody now: the quitting reporter takes it down.
poll_eval 10 '[ "$(displayed)" -eq 0 ]' && pass "the quit reporter's notification is gone" ||
    fail "a notification of the quit reporter stays on screen" "$(displayed)"

# The same storm found at the next login: still one notification, now counted.
rm -f "$XDG_STATE_HOME/coroner/reporter-state.ini"
BEFORE=$(new_notification_count)
login
poll_eval 30 '[ "$(new_notification_count)" -gt "$BEFORE" ]' || fail "the storm was not announced at login"
sleep 2
assert_eq $((BEFORE + 1)) "$(new_notification_count)" "one notification for the storm found at login"
assert_eq "2 applications crashed" "$(last_notification | jq -r .summary)" "the login notification groups both applications"
# Its Report… lists those crashes, titled by what they are, not "Previous Crashes".
invoke_default
a11y wait-window "Crash Reports" 60 || fail "no window"
a11y wait-text "Crashes of " 30 && pass "the group's page is titled by the applications it lists" ||
    fail "the group's page has no title of its own" "$(a11y names | head -20)"
assert_eq 20 "$(a11y names | grep -c '^list item' || true)" "and lists the group's 20 crashes"
screenshot group-page "Crash Reports" 64
logout
session_done
