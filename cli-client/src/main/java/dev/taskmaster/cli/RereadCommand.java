package dev.taskmaster.cli;

import picocli.CommandLine.Command;

/**
 * supervisorctl's {@code reread}, typed from habit: one line saying what does it here, exit 2.
 * Hidden from help and completion; the line is the whole point.
 */
@Command(name = "reread", hidden = true, description = "supervisorctl's reread: use 'reload -n'.")
final class RereadCommand extends Verb {

    static final String HINT = "reread: supervisorctl's reread is 'reload -n' here (validate the file, show what would change);"
            + " 'reload' applies it (supervisorctl's update)";

    @Override
    public Integer call() {
        throw new CtlException(ExitCodes.USAGE, HINT);
    }
}
