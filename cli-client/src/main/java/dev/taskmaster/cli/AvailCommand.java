package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.ListProgramsRequest;
import dev.taskmaster.proto.v1.ProgramSpec;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * supervisorctl's {@code avail}: every configured program, one line each. The daemon runs what
 * its configuration says as soon as it reads it, so every program is "in use"; a file edited
 * since is seen with {@code reload -n}.
 */
@Command(name = "avail", description = {"List every configured program: group, processes, autostart, priority.",
        "Changes made to the file since are shown by 'reload -n'."})
final class AvailCommand extends Verb {

    @Option(names = "--json", description = "Print the daemon's response as JSON.")
    boolean json;

    @Override
    public Integer call() {
        var response = rpc().listPrograms(ListProgramsRequest.getDefaultInstance());
        if (json) {
            Json.print(out(), response);
            return ExitCodes.OK;
        }
        List<ProgramSpec> programs = response.getProgramsList();
        int width = Math.max("PROGRAM".length(), programs.stream().mapToInt(p -> p.getName().length()).max().orElse(0));
        int groupWidth = Math.max("GROUP".length(), programs.stream().mapToInt(p -> group(p).length()).max().orElse(0));
        String format = "%-" + width + "s  %-" + groupWidth + "s  %-6s  %-5s  %-6s  %s%n";
        out().printf(format, "PROGRAM", "GROUP", "STATE", "PROCS", "AUTO", "PRIORITY");
        for (ProgramSpec p : programs) {
            out().printf(format, p.getName(), group(p), "in use", p.getNumprocs(), p.getAutostart() ? "auto" : "manual",
                    p.getPriority());
        }
        return ExitCodes.OK;
    }

    /** A program without a group is its own group, named after it. */
    private static String group(ProgramSpec p) {
        return p.getGroup().isEmpty() ? p.getName() : p.getGroup();
    }
}
