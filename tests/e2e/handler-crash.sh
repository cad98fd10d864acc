#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A crash of coroner-handler itself must not loop: the handler makes itself
# non-dumpable first thing, so when it dies of SIGSEGV while it is the
# core_pattern handler, the kernel starts no second handler and nothing
# appears in the store.
TEST_NAME=handler-crash
source "${CORONER_TEST_LIB:-$(dirname "$0")/../lib}/harness.sh"
harness_init "$@"
require_built "$CORONER_HANDLER"
store_config
core_pattern_use "$CORONER_HANDLER" "$CONFIG"

# A handler waiting on a stdin that never ends, as if a core were streaming.
mkfifo "$T/never"
sleep 1000 >"$T/never" &
feeder=$!
on_exit "kill $feeder 2>/dev/null"
# Under ASan (tools/test's second pass) ASan's own SIGSEGV handler would turn
# the crash into "exit 1": let the signal kill the handler as in production.
ASAN_OPTIONS=handle_segv=0${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
"$CORONER_HANDLER" --config="$CONFIG" $$ 0 0 11 "$(date +%s)" 18446744073709551615 host 1 - $$ victim \
  <"$T/never" 2>"$LOGDIR/handler.err" &
handler=$!
for ((i = 0; i < 50; i++)); do
  [ "$(awk '/^State:/ {print $2}' /proc/$handler/status 2>/dev/null)" = S ] && break
  sleep 0.1
done
sleep 0.3
kill -SEGV "$handler"
status=0
wait "$handler" || status=$?
assert_eq $((128 + 11)) "$status" "the handler died of SIGSEGV"
sleep 1
assert_eq "" "$(ls -A "$STORE")" "no crash of the handler was stored (it is not dumpable)"
if handler_running "$handler"; then
  fail "a second handler runs for the handler's own crash"
else
  pass "no second handler ran for the handler's own crash"
fi
harness_done
