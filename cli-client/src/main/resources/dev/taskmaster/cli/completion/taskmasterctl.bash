# bash completion for taskmasterctl.
# Install: copy to /usr/share/bash-completion/completions/taskmasterctl, or add to ~/.bashrc:
#   source <(taskmasterctl completion bash)
# Every candidate comes from `taskmasterctl __complete WORDS...` (verbs, options, signals, and the
# names of the daemon the typed options point at), so it is always that version's own.

_taskmasterctl() {
    # bash splits words at ':' and '=' (COMP_WORDBREAKS): put "web" ":" "0" back together.
    local i w n=0 join=0
    local -a words=()
    for ((i = 1; i <= COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [[ ($w == : || $w == =) && $n -gt 0 && $i -gt 1 ]]; then
            words[n - 1]+=$w
            join=1
        elif ((join)) && ((i <= COMP_CWORD)) && [[ -n $w ]]; then
            words[n - 1]+=$w
            join=0
        else
            words[n++]=$w
            join=0
        fi
    done
    ((n > 0)) || words=("")
    local cur=${words[${#words[@]} - 1]}
    # bash replaces only what follows the last ':' or '=': the candidates must not repeat what precedes it.
    local prefix=
    [[ $cur == *[:=]* ]] && prefix=${cur%"${cur##*[:=]}"}

    local out line files=0
    out=$(command "${COMP_WORDS[0]}" __complete "${words[@]}" 2>/dev/null) || return 0
    COMPREPLY=()
    while IFS= read -r line; do
        [[ -z $line ]] && continue
        if [[ $line == :files ]]; then
            files=1
            continue
        fi
        line=${line%%$'\t'*}
        COMPREPLY+=("${line#"$prefix"}")
    done <<<"$out"
    if ((files)); then
        compopt -o filenames 2>/dev/null
        while IFS= read -r line; do
            COMPREPLY+=("$line")
        done < <(compgen -f -- "${cur#"$prefix"}")
    fi
    return 0
}

complete -F _taskmasterctl taskmasterctl
