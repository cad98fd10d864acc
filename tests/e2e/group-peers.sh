#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Group peers through the real kernel (docs/recept.md, "Group peers"): copies
# of the hook sample crasher run as one unprivileged user, five in group "g"
# (one with RLIMIT_CORE 0, one not dumpable) and one in "other", and one more
# in "g" as another user.  One "g" member crashes: the three other "g" members of its user are
# dumped live, each its own record (live_dump, peer_of the crash) that the
# crash's record lists (peers) and coronerctl info shows both ways; the one
# with RLIMIT_CORE 0 gets a record without a core.  They still run, untraced,
# afterwards, and eu-stack unwinds a peer's core.  The "other" member, a "g"
# member that made itself not dumpable, and the other user's "g" member are
# not dumped.
#
# Usage: group-peers.sh [handler|coronerd]: coroner-handler alone in pipe
# mode, or coronerd in socket mode (the same ingestion path, in its worker).
MODE=${1:-handler}
TEST_NAME=group-peers-$MODE
HARNESS_TOOLS=(setpriv prlimit eu-stack)
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
use_hook_crasher
if [ "$MODE" = coronerd ]; then source "$CORONER_TEST_LIB/coronerd.sh"; fi
: "${CORONERCTL:=$CORONER_BUILD_DIR/handler/coronerctl}"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER" "$CORONERCTL"

USER_A=61301
USER_B=61302
for id in $USER_A $USER_B; do
    grep -q ":$id:" /etc/passwd /etc/group && die "uid/gid $id is taken on this machine"
done
cp /etc/passwd "$T/passwd"
cp /etc/group "$T/group"
for id in $USER_A $USER_B; do
    echo "coroner-peer-$id:x:$id:$id:Coroner e2e:/nonexistent:/usr/sbin/nologin" >>"$T/passwd"
    echo "coroner-peer-$id:x:$id:" >>"$T/group"
done
mount --bind "$T/passwd" /etc/passwd
mount --bind "$T/group" /etc/group

# Copies both users can read and run (a crash through an unreadable binary is
# not dumpable); the crasher finds its library beside it ($ORIGIN).
mkdir -m 0755 "$T/bin"
install -m 0755 "$CORONER_CRASHER" "$T/bin/crasher"
install -m 0644 "$(dirname "$CORONER_CRASHER")/libcoroner-hook.so.0" "$T/bin/libcoroner-hook.so.0"
CORONER_CRASHER=$T/bin/crasher

if [ "$MODE" = coronerd ]; then
    store_and_journal
    coronerd_start
    coronerd_socket_mode
else
    handler_via_kernel
fi

# start_member UID GROUP [CORE_LIMIT [MODE]]: an idle member of GROUP running
# as UID (with RLIMIT_CORE CORE_LIMIT, in the crasher's MODE); sets MEMBER.
start_member() {
    local log=$LOGDIR/member.$RANDOM.log
    prlimit --core="${3:-unlimited}" -- setpriv --reuid="$1" --regid="$1" --clear-groups -- \
        "$CORONER_CRASHER" --group "$2" "${4:-idle}" >"$log" 2>&1 9>&- &
    MEMBER=$!
    on_exit "kill -KILL $MEMBER 2>/dev/null || true"
    wait_for "grep -q 'ready $MEMBER' '$log'" 10 || die "member $MEMBER of $2 did not start: $(cat "$log")"
}

start_member $USER_A g
PEER1=$MEMBER
start_member $USER_A g
PEER2=$MEMBER
start_member $USER_A g 0
NO_CORE=$MEMBER
start_member $USER_A other
OTHER=$MEMBER
start_member $USER_A g unlimited idle-undumpable
UNDUMPABLE=$MEMBER
start_member $USER_B g
FOREIGN=$MEMBER

crash_and_wait --as=$USER_A:$USER_A --group g segv
[ -n "$RECORD" ] || harness_done
# coronerd's worker stores the peers after the crash's record: wait for it to end.
if [ "$MODE" = coronerd ]; then
    wait_for '[ -z "$(coronerd_descendants)" ]' 60 || fail "coronerd's worker still runs after 60 s"
fi
CRASH_ID=$(basename "$RECORD" .json)
assert_eq present "$(rec "$CRASH_PID" .core.state)" "the crash's own core is stored"
assert_eq g "$(rec "$CRASH_PID" .app.group)" "the crash's record names its group"

for pid in $PEER1 $PEER2; do
    f=$(record_path "$pid") || {
        fail "no live dump of group peer $pid" "store: $(ls -A "$STORE" | tr '\n' ' ')"
        continue
    }
    pass "group peer $pid was dumped: $(basename "$f")"
    assert_eq true "$(rec "$pid" .live_dump)" "peer $pid: live_dump"
    assert_eq "$CRASH_ID" "$(rec "$pid" .peer_of)" "peer $pid: peer_of names the crash"
    assert_eq 19 "$(rec "$pid" .signal.number)" "peer $pid: the signal is SIGSTOP"
    assert_eq g "$(rec "$pid" .app.group)" "peer $pid: its hook metadata names the group"
    assert_eq present "$(rec "$pid" .core.state)" "peer $pid: its core is stored"
    assert_contains "$(basename "$f" .json)" "$(rec "$CRASH_PID" '.peers')" "the crash's record lists peer $pid"
    assert_eq "0" "$(awk '/^TracerPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)" "peer $pid: no tracer is left"
    assert_match '^[RS]$' "$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)" "peer $pid runs on"
done
# A peer that asked for no core (RLIMIT_CORE 0) has its record, as a crash would, and no core.
assert_eq true "$(rec "$NO_CORE" .live_dump)" "the peer without cores: its record is a live dump"
assert_eq none "$(rec "$NO_CORE" .core.state)" "the peer without cores: no core, as it asked"
assert_eq "$CRASH_ID" "$(rec "$NO_CORE" .peer_of)" "the peer without cores: linked to the crash"
assert_eq 3 "$(rec "$CRASH_PID" '.peers | length')" "the crash's record lists three peers"
assert_eq "" "$(record_path "$OTHER" || true)" "the member of group \"other\" was not dumped"
assert_eq "" "$(record_path "$FOREIGN" || true)" "the other user's member of \"g\" was not dumped"
assert_eq "" "$(record_path "$UNDUMPABLE" || true)" "the member of \"g\" that is not dumpable was not dumped"

# A peer's core unwinds: its main thread sits in pause() under the idle mode.
if CORE=$(core_path "$PEER1") && [ -f "$CORE" ]; then
    zstd -q -d -o "$T/peer.core" "$CORE"
    STACK=$(timeout 60 eu-stack --core "$T/peer.core" -e "$CORONER_CRASHER" 2>&1 || true)
    assert_contains "TID $PEER1:" "$STACK" "eu-stack lists the peer's thread"
    assert_contains "pause" "$STACK" "eu-stack unwinds the peer into pause()"
    assert_contains "idle" "$STACK" "eu-stack unwinds the peer through the idle mode"
else
    fail "no stored core for peer $PEER1"
fi

# coronerctl info shows the link both ways.
mkdir -p "$T/nojournal"
ctl() { "$CORONERCTL" --store="$STORE" --journal-directory="$T/nojournal" --no-pager "$@" 2>&1; }
INFO=$(ctl info "$CRASH_PID") || true
assert_contains "Group peers" "$INFO" "coronerctl info on the crash lists its group peers"
assert_contains "$(basename "$(record_path "$PEER1")" .json)" "$INFO" "coronerctl info on the crash names a peer's record"
INFO=$(ctl info "$PEER2") || true
assert_contains "Peer of" "$INFO" "coronerctl info on a peer says whose peer it is"
assert_contains "$CRASH_ID" "$INFO" "coronerctl info on a peer names the crash's record"
assert_contains "Live dump" "$INFO" "coronerctl info on a peer says it is a live dump"
LIST=$(ctl list --no-legend) || true
assert_eq 3 "$(grep -c 'live dump, a crashed group member' <<<"$LIST")" "coronerctl list marks the three peers as live dumps"

# The peers were not stopped for good: a SIGTERM still ends them.
for pid in $PEER1 $PEER2; do
    kill -TERM "$pid"
    STATUS=0
    timeout 10 tail --pid="$pid" -f /dev/null || true
    wait "$pid" 2>/dev/null || STATUS=$?
    assert_eq 143 "$STATUS" "peer $pid ends on SIGTERM: it was not left stopped"
done
if [ "$MODE" = coronerd ]; then
    assert_contains "PID $CRASH_PID (crasher-main, uid $USER_A): dumping (coredump socket)" \
        "$(cat "$LOGDIR/coronerd.log")" "coronerd took the crash"
    assert_eq "" "$(coronerd_descendants | tr '\n' ' ')" "no worker or live dumper left behind"
    TIMES=$(grep -o 'peer [0-9]* dumped live as [^ ]* in [0-9]* ms' "$LOGDIR/coronerd.log" | sed 's/ as [^ ]*//')
    assert_eq 3 "$(grep -c 'dumped live' <<<"$TIMES")" "coronerd logged the three peer dumps"
    log "time per peer dump: $(tr '\n' ';' <<<"$TIMES")"
fi
harness_done
