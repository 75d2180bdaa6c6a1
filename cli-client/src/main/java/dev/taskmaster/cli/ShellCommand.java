package dev.taskmaster.cli;

import picocli.CommandLine.Command;

/**
 * {@code taskmasterctl shell}: the interactive shell ({@link Shell}), as with no verb at all.
 * Without a terminal it prints the usage and exits 2, so scripts never hang.
 */
@Command(name = "shell", description = "Interactive control shell: line editing, history, completion (also: no verb at a terminal).")
final class ShellCommand extends Verb {

    @Override
    public Integer call() {
        return Shell.start(root, true);
    }
}
