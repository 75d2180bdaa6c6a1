package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "status", description = {"Show the state of processes (all of them by default).",
        "Exit 0 if every listed process is RUNNING, 3 if some is not."})
final class StatusCommand extends Verb {

    @Parameters(paramLabel = "TARGET", arity = "0..*", description = "name, group:name, group:* or all (default: all).")
    List<String> targets;

    @Option(names = "--json", description = "Print the ListProcesses response as JSON.")
    boolean json;

    @Override
    public Integer call() {
        ListProcessesResponse response = rpc().listProcesses(ListProcessesRequest.newBuilder().addAllTargets(orEmpty(targets)).build());
        if (json) {
            Json.print(out(), response);
        } else if (response.getProcessesCount() == 0) {
            out().println("no processes");
        } else {
            StatusTable.render(response.getProcessesList(), session().colour()).forEach(out()::println);
        }
        return StatusTable.allRunning(response.getProcessesList()) ? ExitCodes.OK : ExitCodes.NOT_RUNNING;
    }
}
