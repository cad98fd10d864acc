#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A crash inside a container and a sandbox, through the real kernel: the
# crasher runs in a cgroup named as podman names its containers
# (machine.slice/libpod-<id>.scope, made on the cgroup v2 hierarchy wherever
# this machine mounts it) and inside bwrap with its own pid and mount
# namespaces and a /.flatpak-info.  The record's "container" names podman and
# the id, the Flatpak app id and instance, the pid inside the sandbox's pid
# namespace; the journal entry carries the same labels.
HARNESS_TOOLS=(bwrap findmnt)
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER" "$CORONER_CRASHER"

# This machine may be hybrid (v2 at /sys/fs/cgroup/unified) or unified.
V2=$(findmnt -n -o TARGET -t cgroup2 | head -n 1)
[ -n "$V2" ] || die "no cgroup v2 hierarchy is mounted"
ID=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)
CG=$V2/machine.slice/libpod-$ID.scope
mkdir -p "$CG"
on_exit "rmdir '$CG' 2>/dev/null; rmdir '$V2/machine.slice' 2>/dev/null"
log "cgroup $CG"

APP=org.coroner.test.Crasher
printf '[Application]\nname=%s\nruntime=runtime/org.freedesktop.Platform/x86_64/23.08\n\n[Instance]\ninstance-id=4242424242\n' \
    "$APP" >"$T/flatpak-info"

handler_via_kernel

BUILD=$(dirname "$(readlink -f "$CORONER_CRASHER")")
sandbox=(bwrap --die-with-parent --unshare-pid --unshare-ipc --unshare-uts
    --ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/bin /bin
    --proc /proc --dev /dev --ro-bind "$BUILD" "$BUILD"
    --ro-bind "$T/flatpak-info" /.flatpak-info
    -- "$(readlink -f "$CORONER_CRASHER")" segv)
rc=0
sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG" "${sandbox[@]}" \
    >"$LOGDIR/sandbox.log" 2>&1 9>&- || rc=$?
log "sandboxed crasher exited $rc: $(cat "$LOGDIR/sandbox.log")"

RECORD=
for ((i = 0; i < CORONER_TIMEOUT * 10; i++)); do
    for f in "$STORE"/core.crasher.*.json; do RECORD=$f; done
    [ -n "$RECORD" ] && break
    sleep 0.1
done
[ -n "$RECORD" ] || die "no record in $STORE: $(ls -A "$STORE")"
PID=$(jq -r .process.pid "$RECORD")
wait_handler "$PID"
c() { jq -r "(.container$1) | if . == null then \"\" else tostring end" "$RECORD"; }

assert_eq podman "$(c .runtime)" "container.runtime"
assert_eq "$ID" "$(c .id)" "container.id is the libpod scope's id"
assert_match "/machine\.slice/libpod-$ID\.scope\$" "$(c .cgroup)" "container.cgroup"
assert_eq "$APP" "$(c .app_id)" "container.app_id from /.flatpak-info"
assert_eq 4242424242 "$(c .instance)" "container.instance from /.flatpak-info"
NSPID=$(c .pid)
assert_ne "$PID" "$NSPID" "container.pid is the pid inside the sandbox, not the host's"
assert_le "$NSPID" 10 "container.pid is small (bwrap's pid namespace)"
assert_eq true "$(c '.namespaces[] | select(.type == "pid") | .own')" "the pid namespace is its own"
assert_eq true "$(c '.namespaces[] | select(.type == "mnt") | .own')" "the mount namespace is its own"
assert_eq present "$(jq -r .core.state "$RECORD")" "the core is stored"

ENTRY=$(journal_entry "$PID")
if [ -n "$ENTRY" ]; then pass "journal entry for pid $PID"; else fail "no journal entry for pid $PID"; fi
assert_eq podman "$(jfield "$ENTRY" CORONER_CONTAINER_RUNTIME)" "journal CORONER_CONTAINER_RUNTIME"
assert_eq "$ID" "$(jfield "$ENTRY" CORONER_CONTAINER_ID)" "journal CORONER_CONTAINER_ID"
assert_eq "$APP" "$(jfield "$ENTRY" CORONER_CONTAINER_APP_ID)" "journal CORONER_CONTAINER_APP_ID"
assert_eq "$NSPID" "$(jfield "$ENTRY" CORONER_CONTAINER_PID)" "journal CORONER_CONTAINER_PID"

# coronerctl info names it.
INFO=$("$CORONER_BUILD_DIR/handler/coronerctl" --store="$STORE" --no-journal --no-pager info "$PID" 2>&1 || true)
assert_contains "Container: podman $ID, app $APP, PID $NSPID inside" "$(printf '%s\n' "$INFO" | sed 's/^ *//')" "coronerctl info"

# Outside any container: the runtime is "none" and the pid is the host's.
crash_and_wait segv
assert_eq none "$(rec "$CRASH_PID" .container.runtime)" "plain crash: container.runtime"
assert_eq "" "$(rec "$CRASH_PID" .container.app_id)" "plain crash: no app id"
harness_done
