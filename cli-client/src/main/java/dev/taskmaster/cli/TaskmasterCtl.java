package dev.taskmaster.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code taskmasterctl}: the command-line client. Its verbs (status, start, stop, …) and the
 * interactive shell come with the control plane; until then it says so and exits non-zero.
 */
@Command(name = "taskmasterctl", mixinStandardHelpOptions = true, versionProvider = TaskmasterCtl.VersionProvider.class,
        description = "Control a running taskmasterd.")
public final class TaskmasterCtl implements Callable<Integer> {

    /** Not implemented yet: distinct from usage errors (2), as documented for the control plane. */
    static final int EXIT_UNAVAILABLE = 1;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TaskmasterCtl()).execute(args));
    }

    @Override
    public Integer call() {
        System.err.println("taskmasterctl: no commands are available in this build yet; see docs/taskmasterd.md for what the daemon serves");
        return EXIT_UNAVAILABLE;
    }

    /** The version from the jar's manifest ({@code dev} when run from classes). */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = TaskmasterCtl.class.getPackage().getImplementationVersion();
            return new String[] {"taskmasterctl " + (v != null ? v : "dev")};
        }
    }
}
