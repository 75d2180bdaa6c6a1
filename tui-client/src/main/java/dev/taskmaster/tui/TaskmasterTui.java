package dev.taskmaster.tui;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code taskmaster-tui}: the full-screen monitor. The screens come with the TUI work; until
 * then it says so and exits non-zero, leaving the terminal untouched.
 */
@Command(name = "taskmaster-tui", mixinStandardHelpOptions = true, versionProvider = TaskmasterTui.VersionProvider.class,
        description = "Full-screen live monitor for taskmasterd.")
public final class TaskmasterTui implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(new CommandLine(new TaskmasterTui()).execute(args));
    }

    @Override
    public Integer call() {
        System.err.println("taskmaster-tui: the monitor is not available in this build yet");
        return 1;
    }

    /** The version from the jar's manifest ({@code dev} when run from classes). */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = TaskmasterTui.class.getPackage().getImplementationVersion();
            return new String[] {"taskmaster-tui " + (v != null ? v : "dev")};
        }
    }
}
