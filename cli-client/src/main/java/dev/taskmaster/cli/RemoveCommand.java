package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.RemoveProgramRequest;
import dev.taskmaster.proto.v1.RemoveProgramResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "remove", description = "Stop a program's processes and remove the program (until the next reload if it is in the config file).")
final class RemoveCommand extends Verb {

    @Parameters(index = "0", paramLabel = "NAME", description = "Program name.")
    String name;

    @Option(names = "--json", description = "Print the daemon's response as JSON.")
    boolean json;

    @Override
    public Integer call() {
        RemoveProgramResponse response = rpc().removeProgram(RemoveProgramRequest.newBuilder().setName(name).build());
        if (json) {
            Json.print(out(), response);
        } else if (!DiffLines.print(out(), response.getDiff(), true)) {
            out().println(name + ": removed");
        }
        return ExitCodes.OK;
    }
}
