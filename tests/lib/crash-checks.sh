# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# The checks a crash that went through the real kernel must pass: the store
# entry (name, modes, record members), the core (decompresses to a valid ELF
# core with the right PID and signal, judged by check-core, which shares no
# code with the handler), the journal entry and an unmodified coredumpctl.
# Sourced by harness.sh.

# assert_crash_identity WHAT SIGNAL_NAME GET FIELD...: the crashed process's
# pid, uid, signal, signal name, comm and executable, as GET FIELD reads them
# from WHAT (the record, the journal entry), its six fields named in that
# order.  pid, uid, sig and comm are the caller's.
assert_crash_identity() {
    local what=$1 signame=$2 get=$3 i=0 field
    shift 3
    local want=("$pid" "$uid" "$sig" "$signame" "$comm" "$(readlink -f "$CORONER_CRASHER")")
    for field in "$@"; do
        assert_eq "${want[i]}" "$("$get" "$field")" "$what $field"
        i=$((i + 1))
    done
}

# A member of the caller's pid's record, of the caller's journal entry e.
record_member() { rec "$pid" "$1"; }
journal_member() { jfield "$e" "$1"; }

# verify_record PID SIGNAL [STATE] [COMM] [UID]: the record's members.
verify_record() {
    local pid=$1 sig=$2 state=${3:-present} comm=${4:-crasher} uid=${5:-0}
    local f
    f=$(record_path "$pid") || {
        fail "no record for pid $pid"
        return 1
    }
    local base=${f%.json} name
    name=$(basename "$base")

    if jq -e . "$f" >/dev/null 2>&1; then pass "record is valid JSON"; else fail "record is not valid JSON" "$(head -c 500 "$f")"; fi
    assert_match '^coroner\.crash-record/1' "$(rec "$pid" .schema)" "record schema"
    assert_eq "$name" "$(rec "$pid" .id)" "record id is the entry name"
    assert_crash_identity record "$(signal_name "$sig")" record_member \
        .process.pid .process.uid .signal.number .signal.name .process.comm .process.exe
    assert_eq "$BOOT_ID" "$(rec "$pid" .boot_id)" "record boot_id"
    assert_eq "$state" "$(rec "$pid" .core.state)" "record core.state"

    # core.<comm>.<uid>.<bootid>.<pid>.<usec>, the usec being %t * 10^6.
    local usec
    usec=$(rec "$pid" .timestamp_usec)
    assert_eq "core.$(escape_comm "$comm").$uid.$BOOT_ID.$pid.$usec" "$name" "entry name"
    assert_match '^[0-9]+000000$' "$usec" "timestamp_usec is whole seconds (%t * 1000000)"
    local now
    now=$(date +%s)
    if [ -n "$usec" ] && [ $((usec / 1000000)) -le "$now" ] && [ $((usec / 1000000)) -ge $((now - 300)) ]; then
        pass "timestamp_usec is recent"
    else
        fail "timestamp_usec $usec is not within the last 5 minutes (now $now)"
    fi
    assert_eq "640 root root" "$(stat -c '%a %U %G' "$f")" "record mode and owner"
}

# verify_core PID SIGNAL [THREADS] [TRUNCATED-LIMIT]: the stored core.
verify_core() {
    local pid=$1 sig=$2 threads=${3:-1} limit=${4:-}
    local core out rc=0
    core=$(core_path "$pid") || true
    if [ -z "$core" ]; then
        fail "record of $pid names no core file"
        return 1
    fi
    assert_eq "$(basename "$(record_path "$pid")" .json).zst" "$(basename "$core")" "core file name matches the record"
    assert_file "$core" "stored core"
    [ -f "$core" ] || return 1
    assert_eq "640 root root" "$(stat -c '%a %U %G' "$core")" "core mode and owner"
    assert_eq zstd "$(rec "$pid" .core.compression)" "record core.compression"
    assert_cmd "zstd -t accepts the stored core" -- zstd -q -t "$core"

    local raw=$T/raw-core.$pid
    zstd -q -dc "$core" >"$raw" || fail "zstd -dc failed on $core"
    local args=()
    [ -n "$limit" ] && args=(--allow-truncated)
    out=$("$CORONER_CHECK_CORE" "${args[@]}" "$raw" 2>&1) || rc=$?
    printf '%s\n' "$out" >"$LOGDIR/check-core.$pid"
    if [ "$rc" -eq 0 ]; then pass "check-core accepts the decompressed core"; else fail "check-core rejects the decompressed core (exit $rc)" "$out"; fi

    local tid
    tid=$(rec "$pid" .process.tid)
    # The first NT_PRSTATUS is the thread that took the signal.
    if [ "$threads" -gt 1 ]; then
        assert_eq "$tid" "$(kv pid "$out")" "core: first NT_PRSTATUS is the crashing thread (%I)"
        assert_match "(^|,)$pid(,|$)" "$(kv tids "$out")" "core: NT_PRSTATUS of the main thread"
    else
        assert_eq "$pid" "$(kv pid "$out")" "core: NT_PRSTATUS pr_pid"
    fi
    assert_eq "$sig" "$(kv signal "$out")" "core: NT_PRSTATUS pr_cursig"
    assert_eq "$threads" "$(kv threads "$out")" "core: NT_PRSTATUS count"

    local size stored
    size=$(stat -c %s "$raw")
    stored=$(stat -c %s "$core")
    assert_eq "$size" "$(rec "$pid" .core.size)" "record core.size = decompressed bytes"
    assert_eq "$stored" "$(rec "$pid" .core.stored_size)" "record core.stored_size = bytes on disk"
    if [ -n "$limit" ]; then
        assert_eq "$limit" "$size" "core cut at exactly RLIMIT_CORE"
        assert_eq "$limit" "$(rec "$pid" .core.limit_bytes)" "record core.limit_bytes"
        assert_eq no "$(kv complete "$out")" "core: check-core sees it incomplete"
    else
        assert_eq "$(kv expected_size "$out")" "$size" "core: every segment present (size = max p_offset+p_filesz)"
    fi
    rm -f "$raw"
    verify_stack_core "$pid" "$sig" "$threads" ${limit:+truncated}
}

# verify_stack_core PID SIGNAL [THREADS] [truncated]: the optional stack core
# beside a stored core (<entry>.stack: a small ELF core with what a backtrace
# needs) is a valid core of the same process, with the core's permissions.
# Cut from a truncated core, it may be cut too, but its notes must be whole.
verify_stack_core() {
    local pid=$1 sig=$2 threads=${3:-1} truncated=${4:-}
    local stack out rc=0
    local args=()
    [ -n "$truncated" ] && args=(--allow-truncated)
    stack=${RECORD_FOR_STACK:-$(record_path "$pid")}
    stack=${stack%.json}.stack
    [ -e "$stack" ] || return 0
    assert_eq "640 root root" "$(stat -c '%a %U %G' "$stack")" "stack core mode and owner"
    out=$("$CORONER_CHECK_CORE" "${args[@]}" "$stack" 2>&1) || rc=$?
    if [ "$rc" -eq 0 ]; then pass "check-core accepts the stack core"; else fail "check-core rejects the stack core (exit $rc)" "$out"; fi
    [ "$threads" -gt 1 ] || assert_eq "$pid" "$(kv pid "$out")" "stack core: NT_PRSTATUS pr_pid"
    assert_eq "$sig" "$(kv signal "$out")" "stack core: NT_PRSTATUS pr_cursig"
    assert_eq "$threads" "$(kv threads "$out")" "stack core: NT_PRSTATUS count"
}

# entry_kinds PID: the suffixes of PID's store files other than the stack
# core, e.g. "json zst".
entry_kinds() {
    entry_files "$1" | grep -v '\.stack$' | sed 's/.*\.//' | sort | tr '\n' ' ' | sed 's/ $//'
}

# verify_journal PID SIGNAL [STATE] [COMM] [UID]: the journal entry.
verify_journal() {
    local pid=$1 sig=$2 state=${3:-present} comm=${4:-crasher} uid=${5:-0}
    local e
    e=$(journal_entry "$pid")
    if [ -z "$e" ]; then
        fail "no journal entry with MESSAGE_ID=$JOURNAL_MESSAGE_ID COREDUMP_PID=$pid" \
            "journal: $(journalctl --no-pager -o short 2>&1 | tail -n 20)"
        return 1
    fi
    printf '%s\n' "$e" >"$LOGDIR/journal.$pid.json"
    pass "journal entry for pid $pid"
    assert_crash_identity journal "SIG$(signal_name "$sig")" journal_member \
        COREDUMP_PID COREDUMP_UID COREDUMP_SIGNAL COREDUMP_SIGNAL_NAME COREDUMP_COMM COREDUMP_EXE
    assert_eq "$(rec "$pid" .timestamp_usec)" "$(jfield "$e" COREDUMP_TIMESTAMP)" "journal COREDUMP_TIMESTAMP"
    assert_eq "$(record_path "$pid")" "$(jfield "$e" CORONER_RECORD)" "journal CORONER_RECORD"
    case $state in
    present | truncated)
        assert_eq "$(core_path "$pid")" "$(jfield "$e" COREDUMP_FILENAME)" "journal COREDUMP_FILENAME"
        ;;
    *)
        assert_eq "" "$(jfield "$e" COREDUMP_FILENAME)" "journal has no COREDUMP_FILENAME without a core"
        ;;
    esac
    if [ "$state" = truncated ]; then
        assert_eq 1 "$(jfield "$e" COREDUMP_TRUNCATED)" "journal COREDUMP_TRUNCATED"
    else
        assert_ne 1 "$(jfield "$e" COREDUMP_TRUNCATED)" "journal COREDUMP_TRUNCATED"
    fi
    assert_match "$pid" "$(jfield "$e" MESSAGE)" "journal MESSAGE names the pid"
    assert_eq "$(rec "$pid" .id)" "$(jfield "$e" CORONER_RECORD_ID)" "journal CORONER_RECORD_ID"
    assert_eq "$state" "$(jfield "$e" CORONER_CORE_STATE)" "journal CORONER_CORE_STATE"
}

# re_escape TEXT: TEXT as an ERE matching itself.
re_escape() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }

# verify_coredumpctl PID SIGNAL [STATE] [COMM]: an unmodified coredumpctl
# lists the crash, shows its fields, and dumps exactly the stored core.
verify_coredumpctl() {
    local pid=$1 sig=$2 state=${3:-present} comm=${4:-crasher}
    local out exe
    exe=$(readlink -f "$CORONER_CRASHER")
    out=$(coredumpctl list --no-pager --no-legend "$pid" 2>&1) || true
    local want_state=$state
    [ "$state" = missing ] && want_state=none
    assert_match "[[:space:]]${pid}[[:space:]]+[0-9]+[[:space:]]+[0-9]+[[:space:]]+SIG$(signal_name "$sig")[[:space:]]+${want_state}[[:space:]]+$(re_escape "$exe")" \
        "$out" "coredumpctl list"

    out=$(coredumpctl info --no-pager "$pid" 2>&1) || true
    printf '%s\n' "$out" >"$LOGDIR/coredumpctl-info.$pid"
    assert_contains "PID: $pid ($comm)" "$out" "coredumpctl info"
    assert_contains "Signal: $sig ($(signal_name "$sig"))" "$out" "coredumpctl info"
    assert_contains "Executable: $exe" "$out" "coredumpctl info"
    local core
    core=$(core_path "$pid") || true
    case $state in
    present | truncated)
        assert_contains "Storage: $core ($state)" "$out" "coredumpctl info"
        local dumped=$T/dumped.$pid rc=0
        coredumpctl dump --no-pager -o "$dumped" "$pid" >"$LOGDIR/coredumpctl-dump.$pid" 2>&1 || rc=$?
        if [ "$rc" -eq 0 ] && cmp -s "$dumped" <(zstd -q -dc "$core"); then
            pass "coredumpctl dump -o returns exactly zstd -dc of the stored core"
        else
            fail "coredumpctl dump -o differs from zstd -dc (exit $rc)" "$(cat "$LOGDIR/coredumpctl-dump.$pid")"
        fi
        rm -f "$dumped"
        if [ "$state" = present ]; then
            # coredumpctl debug: gdb on the executable and our core, non-interactively.
            rc=0
            out=$(coredumpctl debug --no-pager --debugger-arguments="-batch -ex bt" "$pid" 2>&1) || rc=$?
            printf '%s\n' "$out" >"$LOGDIR/coredumpctl-debug.$pid"
            assert_match "Program terminated with signal SIG$(signal_name "$sig")" "$out" "coredumpctl debug: gdb reads our core"
            assert_match "#0 " "$out" "coredumpctl debug: gdb prints a backtrace"
        fi
        ;;
    *)
        assert_not_contains "Storage: /" "$out" "coredumpctl info without a core"
        ;;
    esac
}

# verify_crash PID SIGNAL [THREADS]: everything for a crash with a full core.
verify_crash() {
    local pid=$1 sig=$2 threads=${3:-1}
    verify_record "$pid" "$sig" present
    verify_core "$pid" "$sig" "$threads"
    verify_journal "$pid" "$sig" present
    verify_coredumpctl "$pid" "$sig" present
}

# store_leftovers: files in the store that are neither a record, nor a core,
# nor a stack core (temporary files, half-written cores).
store_leftovers() {
    local dir=${1:-$STORE}
    find "$dir" -mindepth 1 ! -name 'core.*.json' ! -name 'core.*.zst' ! -name 'core.*.stack' \
        -printf '%P\n' 2>/dev/null | sort
}

# entry_files PID: every store file of PID's entry.
entry_files() {
    local pid=$1 dir=${2:-$STORE}
    find "$dir" -mindepth 1 -maxdepth 1 -name "core.*.$BOOT_ID.$pid.*" -printf '%P\n' | sort
}

# kmsg_mark / kmsg_since: kernel log lines written after the mark (the
# handler's errors go there when the kernel started it without stderr).
kmsg_mark() {
    KMSG_MARK="coroner-e2e mark $TEST_NAME $$ $RANDOM$RANDOM"
    printf '%s\n' "$KMSG_MARK" >/dev/kmsg
}
kmsg_since() {
    dmesg 2>/dev/null | awk -v mark="$KMSG_MARK" 'found { print } index($0, mark) { found = 1 }'
}
