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
