# fish completion for taskmasterctl.
# Install: copy to /usr/share/fish/vendor_completions.d/taskmasterctl.fish, or run:
#   taskmasterctl completion fish | source
# Every candidate comes from `taskmasterctl __complete WORDS...`.

function __taskmasterctl_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    for line in ($tokens[1] __complete $tokens[2..-1] "$current" 2>/dev/null)
        if test "$line" = ":files"
            __fish_complete_path "$current"
        else
            echo $line
        end
    end
end

complete -c taskmasterctl -f -a '(__taskmasterctl_complete)'
