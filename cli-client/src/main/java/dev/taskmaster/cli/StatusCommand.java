package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "status", description = {"Show the state of processes (all of them by default).",
        "Exit 0 if every listed process is RUNNING, 3 if some is not.",
        "With --all-contexts or several --context: every daemon at once, a HOST column first."})
final class StatusCommand extends Verb {

    @Parameters(paramLabel = "TARGET", arity = "0..*", description = "name, group:name, group:* or all (default: all).")
    List<String> targets;

    @Option(names = "--json", description = "Print the ListProcesses response as JSON (several daemons: one object per host and line).")
    boolean json;

    /** The forms of {@code -o}. */
    enum Format { table, wide, json, name }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "table (default); wide: GROUP and PROGRAM columns, the daemon's whole description;"
                    + " json (as --json); name: one full name per line, for scripts.")
    Format format;

    @Override
    public Integer call() {
        json |= format == Format.json;
        // The table shows no CPU nor memory: the daemon need not read /proc for it.
        ListProcessesRequest request = ListProcessesRequest.newBuilder().addAllTargets(orEmpty(targets))
                .setOmitUsage(!json).build();
        if (root.fanOut()) {
            return fanOut(request);
        }
        ListProcessesResponse response = rpc().listProcesses(request);
        if (json) {
            Json.print(out(), response);
        } else if (format == Format.name) {
            response.getProcessesList().forEach(p -> out().println(p.getFullName()));
        } else if (response.getProcessesCount() == 0) {
            out().println("no processes");
        } else {
            StatusTable.render(response.getProcessesList(), session().colour(), format == Format.wide).forEach(out()::println);
        }
        return exitCode(response);
    }

    /** Every host's processes in one table (HOST first), hosts that gave no answer on stderr. */
    private int fanOut(ListProcessesRequest request) {
        List<Fleet.Answer<ListProcessesResponse>> answers = Fleet.call(root, Fleet.hosts(root), "status",
                stub -> stub.listProcesses(request));
        if (json) {
            Fleet.printJson(out(), answers);
        } else {
            List<StatusTable.Row> rows = new ArrayList<>();
            for (Fleet.Answer<ListProcessesResponse> a : answers) {
                if (a.response() == null) {
                    continue;
                }
                if (a.response().getProcessesCount() == 0) {
                    rows.add(new StatusTable.Row(a.host().name(), null));
                }
                a.response().getProcessesList().forEach(p -> rows.add(new StatusTable.Row(a.host().name(), p)));
            }
            if (!rows.isEmpty()) {
                StatusTable.renderHosts(rows, session().colour()).forEach(out()::println);
            }
        }
        out().flush();
        Fleet.reportFailures(err(), answers);
        return Fleet.exitCode(answers, StatusCommand::exitCode);
    }

    private static int exitCode(ListProcessesResponse response) {
        return StatusTable.allRunning(response.getProcessesList()) ? ExitCodes.OK : ExitCodes.NOT_RUNNING;
    }
}
