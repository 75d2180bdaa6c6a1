#compdef taskmasterctl
# zsh completion for taskmasterctl.
# Install: copy as _taskmasterctl into a directory of $fpath (e.g. /usr/share/zsh/vendor-completions),
# or add to ~/.zshrc after compinit:  source <(taskmasterctl completion zsh)
# Every candidate comes from `taskmasterctl __complete WORDS...`.

_taskmasterctl() {
    local -a lines values shown
    local line files=0
    lines=("${(@f)$(command ${words[1]} __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    for line in "${lines[@]}"; do
        [[ -z $line ]] && continue
        if [[ $line == :files ]]; then
            files=1
            continue
        fi
        values+=("${line%%$'\t'*}")
        if [[ $line == *$'\t'* ]]; then
            shown+=("${line%%$'\t'*}  -- ${line#*$'\t'}")
        else
            shown+=("$line")
        fi
    done
    # -U: the candidates already start with the word typed (signal names in any case).
    (( ${#values} )) && compadd -U -l -d shown -a values
    (( files )) && _files
    return 0
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
    _taskmasterctl "$@"
else
    compdef _taskmasterctl taskmasterctl
fi
