package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.AdoptProcessRequest;
import dev.taskmaster.proto.v1.AdoptProcessResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "adopt", description = {"Supervise a process the daemon did not start, as a program's (stopped) instance.",
        "Its output is not captured and its exit code cannot be known; when it ends, the program's autorestart runs its cmd."})
final class AdoptCommand extends Verb {

    @Parameters(index = "0", paramLabel = "PID", description = "Process id of the running process.")
    int pid;

    @Option(names = "--name", required = true, paramLabel = "NAME",
            description = "Program name (a program with one instance) or an instance's full name; it must not be running.")
    String name;

    @Option(names = "--json", description = "Print the daemon's response as JSON.")
    boolean json;

    @Override
    public Integer call() {
        AdoptProcessResponse response = rpc().adoptProcess(AdoptProcessRequest.newBuilder().setPid(pid).setName(name).build());
        if (json) {
            Json.print(out(), response);
        } else {
            out().println(response.getProcess().getFullName() + ": adopted pid " + response.getProcess().getPid()
                    + " (output not captured)");
        }
        return ExitCodes.OK;
    }
}
