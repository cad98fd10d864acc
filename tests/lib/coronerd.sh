# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# coronerd under test, sourced after harness.sh by tests/coronerd/*.sh.
#
# coronerd runs standalone (--foreground) inside the test's private mount
# namespace, so it sees the private store and journald.  Its sockets live in
# $CD, a short directory under the machine's /run: the kernel looks the
# coredump socket up from the initial mount namespace's root, where the
# test's own mounts are invisible, and the pipe-mode pattern must stay under
# 128 bytes.
#
#   coronerd_start [OPTION...]   start it; waits until both sockets exist
#   coronerd_socket_mode         core_pattern "@@$CD/k"
#   coronerd_pipe_mode           core_pattern "|nsenter ... coroner-handler --handoff=$CD/s ...",
#                                core_pipe_limit 0
#   coronerd_stop [SIGNAL]       stop it (TERM by default) and wait

: "${CORONERD:=$CORONER_BUILD_DIR/handler/coronerd}"
CORONERD_PID=

coronerd_prepare() {
    [ -n "${CD:-}" ] && return 0
    CD=/run/c$$
    rm -rf "$CD"
    mkdir -m 0755 "$CD"
    on_exit "rm -rf '$CD'"
}

coronerd_start() {
    coronerd_prepare
    require_built "$CORONERD"
    mkdir -p "$T/cache"
    CORONER_DEBUGINFO_CACHE=$T/cache "$CORONERD" --foreground --config="$CONFIG" --socket="$CD/k" \
        --handoff="$CD/s" "$@" >>"$LOGDIR/coronerd.log" 2>&1 9>&- &
    CORONERD_PID=$!
    on_exit "coronerd_stop KILL"
    local i
    for ((i = 0; i < 100; i++)); do
        [ -S "$CD/k" ] && [ -S "$CD/s" ] && break
        kill -0 "$CORONERD_PID" 2>/dev/null || die "coronerd exited: $(cat "$LOGDIR/coronerd.log")"
        sleep 0.1
    done
    [ -S "$CD/k" ] && [ -S "$CD/s" ] || die "coronerd did not create its sockets within 10 s"
    log "coronerd $CORONERD_PID listening on $CD/k and $CD/s"
}

# coronerd_stop [SIGNAL]: TERM waits for dumps in progress (up to 60 s), KILL does not.
coronerd_stop() { stop_process CORONERD_PID "${1:-TERM}" 600; }

coronerd_socket_mode() {
    coronerd_prepare
    core_pattern_set "@@$CD/k"
}

coronerd_pipe_mode() {
    coronerd_prepare
    ln -sf "$(readlink -f "$CORONER_HANDLER")" "$CD/h"
    ln -sf "$CONFIG" "$CD/c"
    core_pattern_set "|/usr/bin/nsenter -t $$ -m $CD/h --config=$CD/c --handoff=$CD/s %P %u %g %s %t %c %h %d %F %I %e"
    # The kernel does not wait for (nor count) pipe helpers: none is ever skipped.
    echo 0 >/proc/sys/kernel/core_pipe_limit
}

# coronerd_children: the processes coronerd has running now (workers and theirs).
coronerd_descendants() {
    local pid=${1:-$CORONERD_PID} child
    for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
        printf '%s\n' "$child"
        coronerd_descendants "$child"
    done
}

# count_records_of UID: "STORED WITHOUT_CORE SUPPRESSED" over UID's records of
# the crasher (other programs on the machine may crash into the store too).
count_records_of() {
    local uid=$1 stored=0 without=0 suppressed=0 f line
    local exe
    exe=$(readlink -f "$CORONER_CRASHER")
    for f in "$STORE"/core.*."$uid".*.json; do
        line=$(jq -r --arg exe "$exe" \
            'select(.process.exe == $exe or .process.exe == null) | "\(.core.state) \(.suppressed // 0)"' "$f")
        [ -n "$line" ] || continue
        set -- $line
        if [ "$2" -gt 0 ]; then
            suppressed=$((suppressed + $2))
        elif [ "$1" = present ] || [ "$1" = truncated ]; then
            stored=$((stored + 1))
        else
            without=$((without + 1))
        fi
    done
    echo "$stored $without $suppressed"
}
