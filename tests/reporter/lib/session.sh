# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# A private desktop session for the reporter's tests: an Xvfb X server, a
# private D-Bus session bus (dbus-daemon, with the accessibility bus activated
# from it as on a desktop), a real notification server (dunst), a monitor
# that records every Notify call and notification signal on that bus, and a
# crash store the real coroner-handler writes into.
#
#   source "$CORONER_REPORTER_TEST_LIB/session.sh"
#   session_init "$@"            # scratch dir, assertions, cleanup trap
#   session_start                # X, bus, dunst, monitor
#   crash_via_handler 1          # one crash stored by the real handler
#   login                        # the reporter starts as at login (D-Bus activation)
#   wait_notifications 1
#   ...
#   session_done
#
# Nothing here skips: a missing tool fails the test.  Assertions come from
# tests/lib/harness.sh (pass/fail/assert_*); its kernel set-up is not used here.
# Xvfb has no GPU, and GTK's GL renderer on Mesa's software rasteriser spends
# seconds compiling shaders per window; GDK_DEBUG=gl-disable makes GTK draw
# with cairo as it does on machines without usable GL.

set -eEuo pipefail
shopt -s nullglob

: "${CORONER_REPORTER_TEST_LIB:=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
: "${CORONER_TEST_LIB:=$CORONER_REPORTER_TEST_LIB/../../lib}"
# shellcheck source=../../lib/harness.sh
source "$CORONER_TEST_LIB/harness.sh"

: "${CORONER_REPORTER:?CORONER_REPORTER must name the built coroner-reporter}"
: "${CORONER_REPORTER_SCHEMA_DIR:?the compiled GSettings schema directory}"
: "${CORONER_REPORTER_TIMEOUT:=60}"

PY=/usr/bin/python3

session_init() {
    local tool missing=()
    for tool in Xvfb dbus-daemon dunst dunstctl gdbus gcore import convert xwininfo jq timeout "$PY" "$@"; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    [ ${#missing[@]} -eq 0 ] || die "missing tools: ${missing[*]} (run tools/bootstrap)"
    "$PY" -c 'import dogtail, gi' 2>/dev/null || die "python3-dogtail / python3-gi missing (run tools/bootstrap)"
    if [ -z "${T:-}" ]; then
        trap harness_exit EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        trap 'harness_err $?' ERR
        T=$(mktemp -d /tmp/cr.XXXXXX)
        chmod 0755 "$T"
        STORE=$T/store
        LOGDIR=$T/log
        SESSION_OWNS_SCRATCH=1
    else
        # Inside tests/lib/harness.sh's harness_init: its scratch, store and traps.
        SESSION_OWNS_SCRATCH=
    fi
    on_exit "session_cleanup"
    ARTIFACTS=${CORONER_REPORTER_ARTIFACTS:-$T/artifacts}/$TEST_NAME
    rm -rf "$ARTIFACTS"
    mkdir -p "$LOGDIR" "$ARTIFACTS" "$T/home" "$T/config" "$T/state" "$T/cache" "$T/data/applications" "$T/services"
    [ -d "$STORE" ] || mkdir -m 0755 "$STORE"
    mkdir -m 0700 "$T/run"
    export HOME=$T/home XDG_RUNTIME_DIR=$T/run XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state
    export XDG_CACHE_HOME=$T/cache XDG_DATA_HOME=$T/data
    export XDG_DATA_DIRS=$T/data:/usr/local/share:/usr/share
    export GSETTINGS_SCHEMA_DIR=$CORONER_REPORTER_SCHEMA_DIR GSETTINGS_BACKEND=keyfile
    export GDK_DEBUG=gl-disable GTK_A11Y=atspi NO_AT_BRIDGE=0
    export CORONER_STORE=$STORE CORONER_REPORTER_JOURNAL=no CORONER_REPORTER_TIMING=1
    [ -z "${CORONER_LOCALEDIR_OVERRIDE:-}" ] || export CORONER_LOCALEDIR=$CORONER_LOCALEDIR_OVERRIDE
    unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY SESSION_MANAGER
    HANDLER_CONFIG=$T/handler.conf
    printf '[Store]\nPath=%s\n[Journal]\nEnabled=no\n' "$STORE" >"$HANDLER_CONFIG"
    # The crashing program as an installed application, so notifications name it.
    cat >"$T/data/applications/org.coroner.TestCrasher.desktop" <<DESKTOP
[Desktop Entry]
Type=Application
Name=Test Crasher
Name[de]=Testabsturz
Exec=$CORONER_CRASHER
Icon=utilities-terminal
DESKTOP
    log "scratch $T, artifacts $ARTIFACTS"
}

session_cleanup() {
    local name pid
    for name in REPORTER SPOTLIGHT MONITOR DUNST BUS XVFB; do
        pid=$(eval "printf '%s' \"\${${name}_PID:-}\"")
        [ -n "$pid" ] || continue
        kill -TERM "$pid" 2>/dev/null
        wait_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null
    done
    kill_sleepers
    cp -r "$LOGDIR" "$ARTIFACTS/logs" 2>/dev/null
    cp "$T"/notify.jsonl "$T"/spotlight.jsonl "$ARTIFACTS/" 2>/dev/null
    # The reporter's state and outbox (envelopes hold no secrets in these tests).
    cp -r "$T/state/coroner" "$ARTIFACTS/state" 2>/dev/null
    [ -z "$SESSION_OWNS_SCRATCH" ] || rm -rf "$T"
}

# wait_gone PID SECONDS: the process has exited.
wait_gone() {
    local pid=$1 i
    for ((i = 0; i < $2 * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}

# poll_eval SECONDS 'SHELL CODE': like poll, the code evaluated afresh each time
# (for conditions with command substitutions).
poll_eval() {
    local seconds=$1 i
    for ((i = 0; i < seconds * 5; i++)); do
        if eval "$2" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    return 1
}

# poll SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds.
poll() {
    local seconds=$1 i
    shift
    for ((i = 0; i < seconds * 5; i++)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    return 1
}

session_start() {
    # X server: -displayfd picks a free display.
    Xvfb -displayfd 3 -screen 0 1280x900x24 -nolisten tcp 3>"$T/display" >"$LOGDIR/xvfb.log" 2>&1 &
    XVFB_PID=$!
    poll 30 test -s "$T/display" || die "Xvfb did not start: $(cat "$LOGDIR/xvfb.log")"
    export DISPLAY=:$(head -n 1 "$T/display")

    # Session bus: Debian's session configuration plus our service directory.
    cat >"$T/session.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <include>/usr/share/dbus-1/session.conf</include>
  <servicedir>$T/services</servicedir>
</busconfig>
CONF
    dbus-daemon --config-file="$T/session.conf" --nofork --print-address=3 3>"$T/bus-address" >"$LOGDIR/dbus.log" 2>&1 &
    BUS_PID=$!
    poll 30 test -s "$T/bus-address" || die "dbus-daemon did not start: $(cat "$LOGDIR/dbus.log")"
    export DBUS_SESSION_BUS_ADDRESS=$(head -n 1 "$T/bus-address")

    # The accessibility bus, as a desktop session starts it at login (GTK asks
    # for it when it initialises; tests and the bench must not time its start).
    gdbus call --session --dest org.a11y.Bus --object-path /org/a11y/bus --method org.a11y.Bus.GetAddress \
        >"$LOGDIR/a11y-bus.log" 2>&1 || die "the accessibility bus did not start: $(cat "$LOGDIR/a11y-bus.log")"

    # As a desktop with a screen reader running has it (dogtail checks it).
    gsettings set org.gnome.desktop.interface toolkit-accessibility true 2>>"$LOGDIR/a11y-bus.log" || true

    "$PY" "$CORONER_REPORTER_TEST_LIB/notify-monitor.py" >"$T/notify.jsonl" 2>"$LOGDIR/monitor.log" &
    MONITOR_PID=$!
    poll 30 grep -q '"ready"' "$T/notify.jsonl" || die "the notification monitor did not start: $(cat "$LOGDIR/monitor.log")"

    # dunst: notifications stay until acted on; its "dmenu" (the context menu
    # dunstctl opens) picks the action named in $T/menu-choice.
    printf '#!/bin/sh\ngrep -m 1 -F -- "$(cat %s/menu-choice)"\n' "$T" >"$T/pick-action"
    chmod 0755 "$T/pick-action"
    cat >"$T/dunstrc" <<DUNST
[global]
    font = DejaVu Sans 10
    width = 420
    origin = top-right
    offset = 10x40
    frame_width = 2
    idle_threshold = 0
    show_indicators = no
    dmenu = $T/pick-action
    mouse_left_click = do_action, close_current
[urgency_low]
    timeout = 0
[urgency_normal]
    timeout = 0
    background = "#1c4f82"
    foreground = "#ffffff"
[urgency_critical]
    timeout = 0
DUNST
    dunst -config "$T/dunstrc" >"$LOGDIR/dunst.log" 2>&1 &
    DUNST_PID=$!
    poll 30 gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.GetNameOwner org.freedesktop.Notifications ||
        die "dunst did not take org.freedesktop.Notifications: $(cat "$LOGDIR/dunst.log")"

    # The reporter is D-Bus activatable: at login the session starts it by
    # name (systemd's Type=dbus unit, or the bus itself, as here).
    cat >"$T/services/org.coroner.Reporter.service" <<SERVICE
[D-BUS Service]
Name=org.coroner.Reporter
Exec=$T/reporter-service
SERVICE
    # The bus starts services with its own environment; the wrapper keeps the log.
    {
        printf '#!/bin/sh\n'
        printf 'exec %q --gapplication-service "$@" >>%q 2>&1\n' "$CORONER_REPORTER" "$LOGDIR/reporter.log"
    } >"$T/reporter-service"
    chmod 0755 "$T/reporter-service"
    log "session: DISPLAY=$DISPLAY, bus $DBUS_SESSION_BUS_ADDRESS"
}

# ----------------------------------------------------------- the reporter

reporter_pid() {
    gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.GetConnectionUnixProcessID org.coroner.Reporter 2>/dev/null |
        sed -n 's/^(uint32 \([0-9]*\),)$/\1/p'
}

# login: the session starts the reporter (D-Bus activation), which picks up crashes.
login() {
    local before
    before=$(grep -c 'picked up' "$LOGDIR/reporter.log" 2>/dev/null || true)
    gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.StartServiceByName org.coroner.Reporter 0 >/dev/null ||
        die "could not start org.coroner.Reporter: $(cat "$LOGDIR/reporter.log" 2>/dev/null)"
    REPORTER_PID=$(reporter_pid)
    [ -n "$REPORTER_PID" ] || die "org.coroner.Reporter has no owner after activation"
    poll "$CORONER_REPORTER_TIMEOUT" reporter_log_count_above 'picked up' "${before:-0}" ||
        die "the reporter did not pick up crashes: $(cat "$LOGDIR/reporter.log")"
    log "reporter $REPORTER_PID: $(grep 'picked up' "$LOGDIR/reporter.log" | tail -n 1)"
}

reporter_log_count_above() {
    [ "$(grep -c "$1" "$LOGDIR/reporter.log" 2>/dev/null || true)" -gt "$2" ]
}

# logout: the reporter quits (app.quit over D-Bus) and its state is on disk.
logout() {
    [ -n "${REPORTER_PID:-}" ] || return 0
    app_action quit || true
    wait_gone "$REPORTER_PID" 30 || fail "the reporter did not quit within 30 s"
    REPORTER_PID=
}

# app_action NAME [GVARIANT]: activates an action of the running reporter over D-Bus.
app_action() {
    local param=${2:-}
    gdbus call --session --dest org.coroner.Reporter --object-path /org/coroner/Reporter \
        --method org.freedesktop.Application.ActivateAction "$1" "[${param}]" '{}' >/dev/null
}

# open_technical_details [NAME]: opens the crash page's collapsed "Technical
# Details" (the backtrace, its quality, signal names, module paths) through
# AT-SPI, as a screen reader user does; NAME is its label in another language.
open_technical_details() {
    a11y expand "${1:-Technical Details}" || fail "could not open ${1:-Technical Details}" "$(a11y names | grep -i -e detail -e expand)"
}

# show_exact_data: opens the review page's exact envelope bytes ("Report contents").
show_exact_data() {
    a11y toggle "Show Exact Data" any || fail "could not press Show Exact Data" "$(a11y names | grep -i exact)"
}

# login_and_review ID: logs in, waits for the notification, and opens the
# review page of crash ID through the reporter's "report" action.
login_and_review() {
    login
    wait_notifications 1 || fail "no notification"
    app_action report "<'$1'>"
    a11y wait-window "Crash Reports" 60 || fail "no window"
    a11y click "Review Report…" || fail "could not open the review page"
    a11y wait-text "What Will Be Sent" 30 || fail "no review page"
}

# ------------------------------------------------------------- crashing

SLEEPER_PIDS=()

kill_sleepers() {
    local pid
    for pid in "${SLEEPER_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    SLEEPER_PIDS=()
}

# start_sleeping_crasher [ARGS...]: a live crasher to take a core of; sets SLEEPER_PID.
start_sleeping_crasher() {
    "$CORONER_CRASHER" --sleep=600 "$@" segv >/dev/null 2>&1 &
    SLEEPER_PID=$!
    SLEEPER_PIDS+=("$SLEEPER_PID")
    poll_eval 10 '[ "$(readlink "/proc/$SLEEPER_PID/exe" 2>/dev/null)" = "$(readlink -f "$CORONER_CRASHER")" ]' ||
        die "the crasher did not start"
}

# crash_via_handler N: N crashes stored by the real coroner-handler, which reads
# a gcore-made core of a live crasher on stdin exactly as the kernel would pipe
# it (without touching kernel.core_pattern, which other suites own).  One core
# serves every crash; each crash has its own live process for /proc.
crash_via_handler() {
    local n=${1:-1} i pid
    start_sleeping_crasher
    if [ ! -s "$T/core" ]; then
        gcore -o "$T/gcore" "$SLEEPER_PID" >"$LOGDIR/gcore.log" 2>&1 || die "gcore failed: $(cat "$LOGDIR/gcore.log")"
        mv "$T/gcore.$SLEEPER_PID" "$T/core"
    fi
    for ((i = 0; i < n; i++)); do
        [ "$i" -eq 0 ] || start_sleeping_crasher
        pid=$SLEEPER_PID
        timeout 60 "$CORONER_HANDLER" --config="$HANDLER_CONFIG" "$pid" "$(id -u)" "$(id -g)" 11 "$(date +%s)" \
            18446744073709551615 "$(hostname)" 1 - "$pid" crasher <"$T/core" >>"$LOGDIR/handler.log" 2>&1 ||
            die "coroner-handler failed for pid $pid: $(tail -n 5 "$LOGDIR/handler.log")"
        kill -KILL "$pid" 2>/dev/null || true
        LAST_CRASH_PID=$pid
    done
    LAST_RECORD=$(ls -t "$STORE"/*.json | head -n 1)
}

# ------------------------------------------------------ notifications

# notifications: the Notify calls so far, as JSON lines.
notifications() { jq -c 'select(.type == "notify")' "$T/notify.jsonl"; }

# new_notification_count: Notify calls that opened a new notification (replaces_id 0).
new_notification_count() { notifications | jq -s '[.[] | select(.replaces_id == 0)] | length'; }

notify_count() { notifications | jq -s 'length'; }

wait_notifications() {
    local want=$1 seconds=${2:-$CORONER_REPORTER_TIMEOUT}
    poll_eval "$seconds" '[ "$(notify_count)" -ge '"$want"' ]'
}

last_notification() { notifications | tail -n 1; }

# displayed: notifications dunst is showing now.
displayed() { dunstctl count displayed; }

# invoke_default: dunst invokes the default action of its first notification.
invoke_default() { dunstctl action 0; }

# invoke_menu LABEL: dunst's context menu picks the action labelled LABEL.
invoke_menu() {
    printf '%s\n' "$1" >"$T/menu-choice"
    dunstctl context
}

# ---------------------------------------------------------- screenshots

# window_id NAME: the X window id of a top-level window named NAME.
window_id() {
    xwininfo -root -tree | awk -v name="\"$1\"" 'index($0, name) && match($0, / [0-9]+x[0-9]+\+/) {
        split(substr($0, RSTART + 1, RLENGTH - 2), d, "x"); if (d[1] > 50 && d[2] > 50) { print $1; exit } }'
}

# screenshot NAME [WINDOW-NAME] [MIN-COLOURS]: saves a PNG artifact and checks it is not blank.
screenshot() {
    local name=$1 window=${2:-} min=${3:-16} id target=root colours
    if [ -n "$window" ]; then
        poll_eval 20 '[ -n "$(window_id "$window")" ]' || { fail "no window '$window' to take a screenshot of"; return 0; }
        id=$(window_id "$window")
        target=$id
    fi
    sleep 0.3 # let the compositor-less X server finish the frame
    import -window "$target" "$ARTIFACTS/$name.png" 2>>"$LOGDIR/import.log" || { fail "screenshot $name failed"; return 0; }
    colours=$(convert "$ARTIFACTS/$name.png" -format '%k' info:)
    if [ "$colours" -gt "$min" ]; then
        pass "screenshot $name.png is not blank ($colours colours)"
    else
        fail "screenshot $name.png looks blank" "only $colours distinct colours (want > $min)"
    fi
}

# ------------------------------------------------------------------ ui

# dialog_keys TITLE KEY...: key presses in the dialog window TITLE.  GTK 4.8
# does not tell AT-SPI where a second window is; X does (xwininfo), and the
# pointer over it gives it the keyboard (there is no window manager).
dialog_keys() {
    local title=$1 x y w h
    shift
    poll_eval 20 'xwininfo -name "$title" >/dev/null 2>&1' || { fail "no window '$title'"; return 1; }
    read -r x y w h < <(xwininfo -name "$title" | awk '/Absolute upper-left X/ {x=$NF} /Absolute upper-left Y/ {y=$NF}
        /Width:/ {w=$NF} /Height:/ {h=$NF} END {print x, y, w, h}')
    a11y move $((x + w / 2)) $((y + h / 2))
    a11y keys "$@"
}

a11y() { timeout 120 "$PY" "$CORONER_REPORTER_TEST_LIB/a11y.py" "$@"; }

# a11y_list shown-matching REGEX | unnamed-controls | gtk-named: what a11y.py
# lists (empty when nothing matches).  When it could not look (no application,
# a crash of the helper) it prints that instead, so an assertion of "nothing
# listed" fails rather than passes on an empty answer.
a11y_list() {
    local out rc=0
    out=$(a11y "$@") || rc=$?
    case $rc in
    0 | 3) printf '%s' "$out" ;;
    *) printf 'a11y %s failed (exit %s): %s' "$1" "$rc" "$out" ;;
    esac
}

session_done() { exit 0; }

# -------------------------------------------------------------- Spotlight

# fake_sentry_start: the Sentry client's loopback receiver (sentry/tests/fake-sentry.py,
# which keeps what it got and can be told how to answer); sets FAKE_PORT.
fake_sentry_start() {
    local fake=${CORONER_FAKE_SENTRY:?the Sentry client loopback server, sentry/tests/fake-sentry.py}
    [ -f "$fake" ] || die "no fake Sentry server at $fake"
    "$PY" "$fake" >"$T/fake.out" 2>"$LOGDIR/fake-sentry.log" &
    FAKE_PID=$!
    on_exit "kill $FAKE_PID 2>/dev/null"
    poll 30 grep -q '^port ' "$T/fake.out" || die "the fake Sentry server did not start: $(cat "$LOGDIR/fake-sentry.log")"
    FAKE_PORT=$(sed -n 's/^port //p' "$T/fake.out")
}

# spotlight_start [PORT]: Spotlight (the Sentry engineer's launcher) on
# 127.0.0.1, and a listener writing what it receives to $T/spotlight.jsonl.
# Sets SPOTLIGHT_PORT and writes the DSN into the user's reporting.conf.
spotlight_start() {
    local port=${1:-0}
    : "${CORONER_SENTRY_NODE_DIR:?the tests/sentry/node directory with Spotlight}"
    command -v node >/dev/null || die "node is not installed (tools/bootstrap)"
    [ -f "$CORONER_SENTRY_NODE_DIR/node_modules/@spotlightjs/spotlight/package.json" ] ||
        die "Spotlight is not installed in $CORONER_SENTRY_NODE_DIR (tools/bootstrap)"
    node "$CORONER_SENTRY_NODE_DIR/spotlight-launcher.mjs" "$port" >"$T/spotlight.out" 2>>"$LOGDIR/spotlight.log" &
    SPOTLIGHT_PID=$!
    poll 60 grep -q '^spotlight-port ' "$T/spotlight.out" || die "Spotlight did not start: $(cat "$LOGDIR/spotlight.log")"
    SPOTLIGHT_PORT=$(sed -n 's/^spotlight-port //p' "$T/spotlight.out")
    if [ -z "${LISTEN_PID:-}" ]; then
        node "$CORONER_SENTRY_NODE_DIR/spotlight-listen.mjs" "$SPOTLIGHT_PORT" >>"$T/spotlight.jsonl" 2>>"$LOGDIR/spotlight-listen.log" &
        LISTEN_PID=$!
        on_exit "kill $LISTEN_PID 2>/dev/null"
    fi
    poll 30 grep -qx 'spotlight-listen: connected' "$LOGDIR/spotlight-listen.log" || die "could not subscribe to Spotlight's stream"
    mkdir -p "$XDG_CONFIG_HOME/coroner"
    printf '[Sentry]\nDSN=http://0123456789abcdef0123456789abcdef@127.0.0.1:%s/7\n' "$SPOTLIGHT_PORT" >"$XDG_CONFIG_HOME/coroner/reporting.conf"
    log "Spotlight on port $SPOTLIGHT_PORT"
}

spotlight_stop() {
    [ -n "${SPOTLIGHT_PID:-}" ] || return 0
    kill -TERM "$SPOTLIGHT_PID" 2>/dev/null
    wait_gone "$SPOTLIGHT_PID" 10 || kill -KILL "$SPOTLIGHT_PID" 2>/dev/null
    SPOTLIGHT_PID=
}

# spotlight_events: every envelope Spotlight received, one JSON line each.
spotlight_events() { cat "$T/spotlight.jsonl" 2>/dev/null; }

# spotlight_has_comment TEXT: a feedback envelope (Sentry's user feedback) carrying TEXT arrived.
# Slurped: jq -e's status follows the last input line only, and the feedback
# may well arrive before its event.
spotlight_has_comment() {
    spotlight_events | jq -e -s --arg c "$1" \
        'any(.[] | .[1][] | select(.[0].type == "feedback"); .[1].contexts.feedback.message == $c)' >/dev/null
}
