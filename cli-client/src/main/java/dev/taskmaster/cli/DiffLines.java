package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.ConfigDiff;
import dev.taskmaster.proto.v1.ConfigError;
import dev.taskmaster.proto.v1.ProgramChange;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** What a configuration change did (or would do), one line per program, and config errors as compilers print them. */
final class DiffLines {

    private DiffLines() {}

    /** Prints the diff; returns false if it changes nothing. */
    static boolean print(PrintWriter out, ConfigDiff diff, boolean applied) {
        List<String> lines = new ArrayList<>();
        for (String p : diff.getAddedProgramsList()) {
            lines.add(p + ": " + (applied ? "added" : "would be added") + processes(p, diff.getAddedProcessesList()));
        }
        for (ProgramChange c : diff.getChangedProgramsList()) {
            lines.add(c.getProgram() + ": " + (applied ? "changed, restarted" : "changed, would be restarted")
                    + " (" + String.join(", ", c.getChangedKeysList()) + ")");
        }
        for (ProgramChange c : diff.getUpdatedProgramsList()) {
            lines.add(c.getProgram() + ": " + (applied ? "updated in place" : "would be updated in place")
                    + " (" + String.join(", ", c.getChangedKeysList()) + ")");
        }
        for (String p : diff.getRemovedProgramsList()) {
            lines.add(p + ": " + (applied ? "stopped and removed" : "would be stopped and removed")
                    + processes(p, diff.getRemovedProcessesList()));
        }
        if (diff.getServerChanged()) {
            lines.add("server: settings changed; they take effect when taskmasterd restarts");
        }
        lines.forEach(out::println);
        return !lines.isEmpty();
    }

    /** The processes of {@code program} among {@code names}, when they are not just the program itself. */
    private static String processes(String program, List<String> names) {
        List<String> mine = names.stream().filter(n -> n.equals(program) || n.startsWith(program + ":")).toList();
        return mine.isEmpty() || mine.equals(List.of(program)) ? "" : " (" + String.join(", ", mine) + ")";
    }

    /**
     * Errors in a program given as options ({@code add NAME --numprocs 0}): each names the option,
     * {@code --numprocs: expected an integer from 1 to 10000, found 0}, not the daemon's
     * {@code <request>} (issue 16: errors pointed at a file that does not exist). A key with no
     * option of its own keeps its key path.
     */
    static void printOptionErrors(PrintWriter err, List<ConfigError> errors, picocli.CommandLine.Model.CommandSpec verb) {
        for (ConfigError e : errors) {
            String[] path = e.getKeyPath().split("\\.", 4); // programs, NAME, key, rest
            picocli.CommandLine.Model.OptionSpec option = path.length >= 3 && path[0].equals("programs")
                    ? verb.findOption("--" + path[2].replace('_', '-')) : null;
            if (option != null) {
                err.println(option.longestName() + (path.length == 4 ? " (" + path[3] + ")" : "") + ": " + e.getMessage());
            } else {
                err.println((e.getKeyPath().isEmpty() ? "" : e.getKeyPath() + ": ") + e.getMessage());
            }
        }
    }

    /**
     * Errors in a program given with {@code -f FILE}: located in FILE ({@code -} is standard
     * input), lines and columns as in FILE even when it was nested under NAME before sending.
     */
    static void printFileErrors(PrintWriter err, List<ConfigError> errors, String file, boolean nested) {
        String where = file.equals("-") ? "<stdin>" : file;
        printErrors(err, errors.stream().map(e -> !e.getFile().startsWith("<") ? e : e.toBuilder().setFile(where)
                .setLine(nested && e.getLine() > 1 ? e.getLine() - 1 : e.getLine())
                .setColumn(nested && e.getLine() > 1 && e.getColumn() > 2 ? e.getColumn() - 2 : e.getColumn()).build()).toList());
    }

    /** {@code file:line:column: key.path: message}, as taskmasterd --check-config prints them. */
    static void printErrors(PrintWriter err, List<ConfigError> errors) {
        for (ConfigError e : errors) {
            StringBuilder b = new StringBuilder(e.getFile());
            if (e.getLine() > 0) {
                b.append(':').append(e.getLine());
                if (e.getColumn() > 0) {
                    b.append(':').append(e.getColumn());
                }
            }
            b.append(": ");
            if (!e.getKeyPath().isEmpty()) {
                b.append(e.getKeyPath()).append(": ");
            }
            err.println(b.append(e.getMessage()));
        }
    }
}
