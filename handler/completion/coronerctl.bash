# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for coronerctl(1): commands, options, and the ids of the
# stored crashes (from `coronerctl list`, reading the same store and journal
# as the command line being completed).

_coronerctl_crash_ids() {
    # The options that choose what is read, as given on the command line.
    local -a source=()
    local i word
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        word=${COMP_WORDS[i]}
        case $word in
        --store | --config | --journal-directory | -D | --file)
            if [ "${COMP_WORDS[i + 1]}" = = ]; then
                source+=("$word=${COMP_WORDS[i + 2]}")
            else
                source+=("$word" "${COMP_WORDS[i + 1]}")
            fi
            ;;
        --store=* | --config=* | --journal-directory=* | --file=* | --no-journal | --unverified)
            source+=("$word")
            ;;
        esac
    done
    coronerctl "${source[@]}" --no-pager --no-legend list 2>/dev/null | awk '{ print $1 }'
}

_coronerctl() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=${COMP_WORDS[COMP_CWORD - 1]}
    local commands='list info backtrace dump dump-live debug minidump bundle vacuum submit outbox'
    local options='--help --version --store= --config= --journal-directory= --file=
        --no-journal --unverified --since= --until= --reverse --lines= --json --compact --full
        --output= --debugger= --debugger-arguments= --max-use= --keep-free= --environ
        --inject --recept=
        --no-pager --no-legend --dsn= --comment= --email= --allow-core --dry-run --force
        -h -D -S -U -r -n -o -A'

    # "--store=DIR" arrives as "--store" "=" "DIR" (= is a word break).
    local option=
    if [ "$cur" = = ]; then
        option=$prev
        cur=
    elif [ "$prev" = = ] && [ "$COMP_CWORD" -ge 2 ]; then
        option=${COMP_WORDS[COMP_CWORD - 2]}
    else
        case $prev in
        --store | --config | --journal-directory | --file | --since | --until | --lines | \
            --output | --debugger | --debugger-arguments | --max-use | --keep-free | --dsn | --recept | \
            --comment | --email | -D | -S | -U | -n | -o | -A)
            option=$prev
            ;;
        esac
    fi
    case $option in
    --store | --journal-directory | -D)
        COMPREPLY=($(compgen -d -- "$cur"))
        return
        ;;
    --config | --file | --output | --recept | -o)
        # bundle writes into a directory, dump and minidump into a file.
        if [[ " ${COMP_WORDS[*]} " == *" bundle "* ]] && [[ $option == --output || $option == -o ]]; then
            COMPREPLY=($(compgen -d -- "$cur"))
        else
            COMPREPLY=($(compgen -f -- "$cur"))
        fi
        return
        ;;
    --debugger)
        COMPREPLY=($(compgen -c -- "$cur"))
        return
        ;;
    --since | --until | -S | -U)
        COMPREPLY=($(compgen -W 'today yesterday now -1h -1d' -- "$cur"))
        return
        ;;
    ?*)
        return
        ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
        [[ ${COMPREPLY[*]} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi

    # The command: the first word that is neither an option nor its argument.
    local i word command= skip=
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]}
        if [ -n "$skip" ]; then
            skip=
            continue
        fi
        case $word in
        --store | --config | --journal-directory | --file | --since | --until | --lines | \
            --output | --debugger | --debugger-arguments | --max-use | --keep-free | --dsn | --recept | \
            --comment | --email | -D | -S | -U | -n | -o | -A)
            [ "${COMP_WORDS[i + 1]}" = = ] && i=$((i + 1))
            skip=yes
            ;;
        = | -*) ;;
        *)
            command=$word
            break
            ;;
        esac
    done

    case $command in
    '')
        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        ;;
    outbox)
        COMPREPLY=($(compgen -W 'list flush' -- "$cur"))
        ;;
    dump-live)
        COMPREPLY=($(compgen -W "$(ps -e -o pid= 2>/dev/null)" -- "$cur"))
        ;;
    info | backtrace | dump | debug | minidump | bundle | submit)
        COMPREPLY=($(compgen -W "$(_coronerctl_crash_ids)" -- "$cur"))
        ;;
    esac
}

complete -F _coronerctl coronerctl
