#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# coronerctl against hand-written crash records (generated here, never
# committed): a stored backtrace with an inlined frame and two threads, the
# hook's application data, a crash without a core, a corrupt record, a record
# of another schema version, an escaped comm, hostile text, and a symlink
# planted in the store.
source "$CORONER_TEST_LIB/../coronerctl/ctl-lib.sh"
ctl_init zstd sha256sum

BOOT=0123456789abcdef0123456789abcdef

# usec "YYYY-MM-DD HH:MM:SS" (UTC)
usec() { echo "$(($(date -u -d "$1" +%s) * 1000000))"; }

# fixture ID PID UID COMM USEC CORE-STATE [JQ-FILTER]: writes $STORE/ID.json, a
# complete record, then applies JQ-FILTER to it.
fixture() {
    local id=$1 pid=$2 uid=$3 comm=$4 us=$5 state=$6 filter=${7:-.}
    local core_file=
    [ "$state" = present ] && core_file=$id.zst
    jq -n --arg id "$id" --argjson pid "$pid" --argjson uid "$uid" --arg comm "$comm" \
        --argjson us "$us" --arg state "$state" --arg core_file "$core_file" --arg boot "$BOOT" '{
      schema: "coroner.crash-record/1", id: $id, timestamp_usec: $us, boot_id: $boot, hostname: "fixture",
      process: {pid: $pid, tid: $pid, uid: $uid, gid: $uid, comm: $comm, exe: ("/usr/bin/" + $comm),
                cmdline: ($comm + " --crash"), cwd: "/", root: "/", cgroup: null, unit: null,
                user_unit: null, session: null, slice: null, owner_uid: null, dumpable: 1,
                secure_exec: false, rlimit_core: null, threads: [], proc: {}},
      signal: {number: 11, name: "SEGV", code: null, address: null},
      core: {state: $state, file: (if $core_file == "" then null else $core_file end), compression: "zstd", size: 4096, stored_size: 100,
             limit_bytes: 0, reason: null},
      app: null,
      backtrace: {quality: null, error: null, signature: null, threads: [], modules: []},
      errors: []
    } | '"$filter" >"$STORE/$id.json"
}

fake_core() { # ID: a small ELF "core" with a zero run, zstd-compressed as the handler would
    { printf '\177ELF\002\001\001'; head -c 8185 /dev/zero; printf 'tail'; } >"$T/$1.raw"
    zstd -q "$T/$1.raw" -o "$STORE/$1.zst"
}

F1=core.fixapp.1000.$BOOT.111.$(usec "2026-01-10 08:00:00")
F2=core.other.0.$BOOT.222.$(usec "2026-01-11 12:30:00")
F3=core.broken.1000.$BOOT.333.$(usec "2026-01-12 00:00:00")
F4=core.future.1000.$BOOT.444.$(usec "2026-01-13 00:00:00")
F5='core.my\x20prog\x2ex.1000.'$BOOT.555.$(usec "2026-01-14 00:00:00")

fixture "$F1" 111 1000 fixapp "$(usec "2026-01-10 08:00:00")" present '
  .process.unit = "fixapp.service" |
  .process.cmdline = "fixapp --evil \u001b[31mred\u001b[0m" |
  .signal.code = 1 | .signal.address = "0x10" |
  .app = {app_id: "org.example.Fix", name: "Fix App", version: "1.2.3", bug_address: "https://bugs.example.org",
          dsn: null, crashed_thread_name: "main", exception: null,
          annotations: [{key: "document", value: "letter.odt"}],
          breadcrumbs: [{timestamp_usec: 1768032000000000, message: "opened a file"}], buffers: []} |
  .backtrace = {quality: 0.87, error: null, signature: "5ca1ab1e0ddba11",
    threads: [
      {tid: 111, name: "fixapp", crashed: true, frames: [
        {pc: "0x401234", function: "parse_header", module: "/usr/bin/fixapp", module_offset: "0x1234",
         file: "src/parse.c", line: 42, inlined: true},
        {pc: "0x401234", function: "load_document", module: "/usr/bin/fixapp", module_offset: "0x1234",
         file: "src/load.c", line: 7, inlined: false},
        {pc: "0x7f0000001000", function: null, module: "/usr/lib/libfoo.so.1", module_offset: "0x1000",
         file: null, line: null, inlined: false}]},
      {tid: 112, name: "worker", crashed: false, frames: [
        {pc: "0x7f0000002000", function: "poll_loop", module: "/usr/lib/libfoo.so.1",
         module_offset: "0x2000", file: null, line: null, inlined: false}]}],
    modules: [
      {path: "/usr/bin/fixapp", build_id: "aabbccdd", start: "0x400000", end: "0x402000", has_debug_info: true},
      {path: "/usr/lib/libfoo.so.1", build_id: "eeff0011", start: "0x7f0000000000", end: "0x7f0000003000",
       has_debug_info: false}]}'
fake_core "$F1"

fixture "$F2" 222 0 other "$(usec "2026-01-11 12:30:00")" none '
  .signal.number = 6 | .signal.name = "ABRT" |
  .core.reason = "RLIMIT_CORE is 0: the process asked for no core" |
  .backtrace.error = "no core to symbolize: RLIMIT_CORE was 0"'

echo '{"schema": "coroner.crash-record/1", "id": ' >"$STORE/$F3.json"
fixture "$F4" 444 1000 future "$(usec "2026-01-13 00:00:00")" none '.schema = "coroner.crash-record/2"'
fixture "$F5" 555 1000 "my prog.x" "$(usec "2026-01-14 00:00:00")" none
# A planted link must never be followed, or listed.
ln -s /etc/passwd "$STORE/core.evil.0.$BOOT.666.1.json"

ID1=$(short_id "$F1") ID2=$(short_id "$F2") ID3=$(short_id "$F3") ID4=$(short_id "$F4") ID5=$(short_id "$F5")

# ----------------------------------------------------------------- list
ctl_run list --no-legend
assert_eq 0 "$RC" "list of fixtures"
assert_eq "$ID1 $ID2 $ID3 $ID4 $ID5" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "every fixture, in time order, with its id"
assert_not_contains "evil" "$OUT" "a symlink in the store is not listed"
ctl_run list --json
assert_eq "111 222 333 444 555" "$(jq -r 'map(.pid | tostring) | join(" ")' <<<"$OUT")" "PIDs (the broken ones from their names)"
assert_eq "present none missing missing none" "$(jq -r 'map(.core) | join(" ")' <<<"$OUT")" "core states (unreadable records: from the files)"
assert_eq "broken" "$(jq -r '.[2].comm' <<<"$OUT")" "a corrupt record: comm from its name"
assert_contains "Parse error" "$(jq -r '.[2].record_error' <<<"$OUT")" "a corrupt record: record_error"
assert_contains "schema version 2 is not supported" "$(jq -r '.[3].record_error' <<<"$OUT")" "another schema major: record_error"
assert_eq "my prog.x" "$(jq -r '.[4].comm' <<<"$OUT")" "an escaped comm"
assert_eq "fixapp.service" "$(jq -r '.[0].unit' <<<"$OUT")" "unit"
assert_eq "5ca1ab1e0ddba11" "$(jq -r '.[0].signature' <<<"$OUT")" "signature"
assert_eq "0.87" "$(jq -r '.[0].backtrace_quality' <<<"$OUT")" "quality"

ctl_run list --no-legend --since "2026-01-11" --until "2026-01-12 23:59"
assert_eq "$ID2 $ID3" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "--since DATE --until DATE HH:MM"
ctl_run list --no-legend --since "2026-01-11 12:30" --until "2026-01-11 12:30"
assert_eq "$ID2" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "--since and --until are inclusive"
ctl_run list --no-legend --until "2026-01-10T09:00:00+01:00"
assert_eq "$ID1" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "--until with an ISO 8601 zone"
ctl_run list --no-legend COREDUMP_UNIT=fixapp.service
assert_eq "$ID1" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "match COREDUMP_UNIT="
ctl_run list --no-legend app.app_id=org.example.Fix
assert_eq "$ID1" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "match app.app_id="
ctl_run list --no-legend process.uid=0
assert_eq "$ID2" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "match process.uid="
ctl_run list --no-legend "my prog.x"
assert_eq "$ID5" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "match a comm with a space and a dot"
ctl_run list --no-legend /usr/bin/other
assert_eq "$ID2" "$(cut -d' ' -f1 <<<"$OUT" | xargs)" "match an exe"

# ------------------------------------------------------------ backtrace
ctl_run backtrace "$ID1"
assert_eq 0 "$RC" "backtrace stored in the record"
assert_match '#0 +\[inlined\] +parse_header \(fixapp \+ 0x1234\) at src/parse\.c:42' "$OUT" "an inlined frame"
assert_match '#1 +0x0000000000401234 load_document \(fixapp \+ 0x1234\) at src/load\.c:7' "$OUT" "a frame with file:line"
assert_match '#2 +0x00007f0000001000 n/a \(libfoo\.so\.1 \+ 0x1000\)' "$OUT" "a frame without a function"
assert_not_contains "poll_loop" "$OUT" "only the crashing thread by default"
assert_contains "1 more thread" "$OUT" "says there are more threads"
ctl_run backtrace --full "$ID1"
assert_match 'Thread 112 \(worker\):' "$OUT" "--full: the other thread"
assert_contains "poll_loop" "$OUT" "--full: its frames"
assert_match '/usr/lib/libfoo\.so\.1 build-id eeff0011 .*\(no debug info\)' "$OUT" "--full: modules without debug info"
ctl_run backtrace --json --full "$ID1"
assert_eq "2 2" "$(jq -r '[(.threads | length), (.modules | length)] | join(" ")' <<<"$OUT")" "--json --full"
assert_eq "true" "$(jq -r '.threads[0].frames[0].inlined' <<<"$OUT")" "--json inlined"
ctl_run backtrace "$ID2"
assert_eq 4 "$RC" "no backtrace: exit 4"
assert_contains "no backtrace: no core to symbolize: RLIMIT_CORE was 0" "$ERR" "no backtrace: why"

# ----------------------------------------------------------------- info
ctl_run info "$ID1"
assert_eq 0 "$RC" "info with the hook's data"
assert_contains "Application: Fix App 1.2.3" "$OUT" "info application"
assert_contains "App ID: org.example.Fix" "$OUT" "info app id"
assert_contains "Annotations: document=letter.odt" "$OUT" "info annotations"
assert_contains "opened a file" "$OUT" "info breadcrumbs"
assert_contains "Signal: 11 (SIGSEGV) at 0x10" "$OUT" "info fault address"
assert_contains "Signature: 5ca1ab1e0ddba11" "$OUT" "info signature"
assert_contains "Quality: 87%" "$OUT" "info quality"
assert_contains "Unit: fixapp.service" "$OUT" "info unit"
assert_contains "load_document" "$OUT" "info backtrace"
assert_not_contains $'\033' "$OUT" "escape sequences in a record never reach the terminal"
assert_contains "fixapp --evil ?[31mred" "$OUT" "they are shown as ?"
ctl_run info "$ID3"
assert_eq 0 "$RC" "info of a corrupt record"
assert_contains "Record Error:" "$OUT" "info says the record is unreadable"
assert_contains "Core: missing" "$OUT" "info of a corrupt record: core state"
ctl_run info --json "$ID1"
assert_eq "org.example.Fix" "$(jq -r .record.app.app_id <<<"$OUT")" "info --json: the record's app"
assert_eq "$F1" "$(jq -r .record.id <<<"$OUT")" "info --json: the record's id"

# ----------------------------------------------------------------- dump
ctl_run dump "$ID1" -o "$T/f1.core"
assert_eq 0 "$RC" "dump of a fixture core"
assert_cmd "dump: the original bytes" -- cmp "$T/f1.core" "$T/$F1.raw"
ctl_run dump "$ID2" -o "$T/f2.core"
assert_eq 4 "$RC" "dump without a core: exit 4"
assert_contains "RLIMIT_CORE is 0" "$ERR" "dump without a core: why"
assert_no_file "$T/f2.core" "dump without a core: no file"
printf 'not zstd at all' >"$STORE/$F5.zst"
ctl_run dump "$ID5" -o "$T/f5.core"
assert_eq 4 "$RC" "a record that says none: exit 4 even with a stray file"
fixture "$F5" 555 1000 "my prog.x" "$(usec "2026-01-14 00:00:00")" present
ctl_run dump "$ID5" -o "$T/f5.core"
assert_eq 3 "$RC" "a core that is not a core: exit 3"
assert_contains "neither an ELF core nor zstd" "$ERR" "a core that is not a core: why"
assert_no_file "$T/f5.core" "a failed dump leaves no file"
head -c $(($(stat -c %s "$STORE/$F1.zst") - 6)) "$STORE/$F1.zst" >"$T/cut.zst" && mv "$T/cut.zst" "$STORE/$F1.zst"
ctl_run dump "$ID1" -o "$T/f1cut.core"
assert_eq 3 "$RC" "a truncated zstd core: exit 3"
assert_contains "truncated" "$ERR" "a truncated zstd core: why"
assert_no_file "$T/f1cut.core" "a truncated zstd core leaves no file"

ctl_run debug "$ID2"
assert_eq 4 "$RC" "debug without a core: exit 4"

# A command name that looks like a short id: an id first, then a name.
F6=core.cafe.1000.$BOOT.666.$(usec "2026-01-15 00:00:00")
fixture "$F6" 666 1000 cafe "$(usec "2026-01-15 00:00:00")" none
ctl_run info cafe
assert_eq 0 "$RC" "info of a hex-looking command name"
assert_contains "PID: 666 (cafe)" "$OUT" "… finds the command"
ctl_run info beef
assert_eq 1 "$RC" "a hex word that is neither: exit 1"
assert_contains "no crash has the id beef" "$ERR" "… and says so as an id"

harness_done
