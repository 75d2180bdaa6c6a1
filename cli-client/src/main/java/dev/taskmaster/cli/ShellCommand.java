package dev.taskmaster.cli;

import picocli.CommandLine.Command;

/**
 * The interactive shell: line editing, history and completion over this same command tree
 * (picocli-shell-jline3). Not built yet; until then it prints the usage and exits 2.
 */
@Command(name = "shell", description = "Interactive control shell (not available yet; prints this usage).")
final class ShellCommand extends Verb {

    @Override
    public Integer call() {
        return notYet(session(), root);
    }

    static int notYet(Session session, TaskmasterCtl root) {
        session.err().println("taskmasterctl: the interactive shell is not available yet; give a verb:");
        root.spec.commandLine().usage(session.err());
        session.err().flush();
        return ExitCodes.USAGE;
    }
}
