#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# completion.sh CORONERCTL BASH-COMPLETION ZSH-COMPLETION
# The bash completion offers every command and long option coronerctl --help
# lists, outbox's actions, and the ids `coronerctl list` shows for a store
# named on the command line; the zsh completion is valid zsh that defines
# _coronerctl and names every command and long option too.
set -euo pipefail
coronerctl=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
bash_completion=$2
zsh_completion=$3
status=0
fail() { echo "$*"; status=1; }

help=$("$coronerctl" --help)
commands=$(awk '/^Commands:/ { on = 1; next } on && /^$/ { on = 0 } on { print $1 }' <<<"$help")
options=$(grep -oE -- '--[a-z][a-z0-9-]+' <<<"$help" | sort -u)
[ -n "$commands" ] && [ -n "$options" ] || fail "coronerctl --help lists no commands or options"

# complete WORD...: what bash completion offers for the command line WORD...
# (the last word is the one being completed; = is a word of its own, as
# bash's COMP_WORDBREAKS splits it).
complete_words() {
    (
        # shellcheck disable=SC1090
        source "$bash_completion"
        COMP_WORDS=("$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMPREPLY=()
        _coronerctl
        printf '%s\n' "${COMPREPLY[@]}"
    )
}

offered=$(complete_words coronerctl '')
for command in $commands; do
    grep -qxF "$command" <<<"$offered" || fail "bash: coronerctl <TAB> does not offer $command"
done
for word in $offered; do
    grep -qxF "$word" <<<"$commands" || fail "bash: coronerctl <TAB> offers $word, no command"
done
offered=$(complete_words coronerctl --no-pager -- | sed 's/=$//')
for option in $options; do
    grep -qxF -- "$option" <<<"$offered" || fail "bash: coronerctl --<TAB> does not offer $option"
done
for option in $(grep -E '^--' <<<"$offered"); do
    grep -qxF -- "$option" <<<"$options" || fail "bash: coronerctl --<TAB> offers $option, which --help does not list"
done
offered=$(complete_words coronerctl outbox '')
[ "$(echo $offered)" = "list flush" ] || fail "bash: coronerctl outbox <TAB> offers “$(echo $offered)”"

# Crash ids, from a store of two hand-written records.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -m 0755 "$tmp/store"
for pid in 4242 4343; do
    id=core.completer.0.0123456789abcdef0123456789abcdef.$pid.$((pid * 1000000))
    jq -n --arg id "$id" --argjson pid "$pid" '{
      schema: "coroner.crash-record/1", id: $id, timestamp_usec: ($pid * 1000000),
      boot_id: "0123456789abcdef0123456789abcdef", hostname: "completion",
      process: {pid: $pid, tid: $pid, uid: 0, gid: 0, comm: "completer", exe: "/usr/bin/completer",
                cmdline: "completer", threads: [], proc: {}},
      signal: {number: 11, name: "SEGV", code: null, address: null},
      core: {state: "missing", file: null, compression: null, size: null, stored_size: null,
             limit_bytes: 0, reason: null},
      app: null, backtrace: {quality: null, error: null, signature: null, threads: [], modules: []},
      errors: []}' >"$tmp/store/$id.json"
done
want=$("$coronerctl" --store="$tmp/store" --no-journal --no-pager --no-legend list | awk '{ print $1 }' | sort)
[ "$(wc -l <<<"$want")" -eq 2 ] || fail "coronerctl list of the test store shows “$want”, not two crashes"
export PATH="$(dirname "$coronerctl"):$PATH"
for line in "coronerctl --store = $tmp/store --no-journal info" \
    "coronerctl --no-journal --store $tmp/store backtrace" \
    "coronerctl --store=$tmp/store --no-journal dump"; do
    # shellcheck disable=SC2086
    offered=$(complete_words $line '' | sort)
    [ "$offered" = "$want" ] || fail "bash: “$line <TAB>” offers “$(echo $offered)”, not the ids “$(echo $want)”"
done

# zsh: parses, autoloads as a completion function, names everything.
if ! command -v zsh >/dev/null; then
    fail "zsh is missing (tools/bootstrap installs it)"
else
    zsh -n "$zsh_completion" || fail "zsh: $zsh_completion does not parse"
    dir=$(cd "$(dirname "$zsh_completion")" && pwd)
    zsh -f -c "fpath=($dir \$fpath); autoload -Uz compinit && compinit -u -D && [[ \${_comps[coronerctl]} == _coronerctl ]]" ||
        fail "zsh: compinit does not bind coronerctl to _coronerctl"
    for command in $commands; do
        grep -qE "[\"']$command:" "$zsh_completion" || fail "zsh: no command $command"
    done
    for option in $options; do
        grep -qE -- "[{',)*]$option[]=+[,}]" "$zsh_completion" || fail "zsh: no option $option"
    done
fi

[ "$status" -eq 0 ] && echo "completion: $(wc -w <<<"$commands") commands, $(wc -w <<<"$options") options, crash ids"
exit "$status"
