package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.StopProcessesRequest;
import dev.taskmaster.proto.v1.StopProcessesResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc.TaskmasterServiceBlockingStub;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "stop", description = "Stop running processes (stop signal, then SIGKILL after stoptime).")
final class StopCommand extends ProcessCommand {

    private static final ResultLines.Words WORDS = new ResultLines.Words("stopped", "stopping", "not running");

    @Override
    Sent send(TaskmasterServiceBlockingStub stub, List<String> targets, boolean wait, com.google.protobuf.Duration waitTimeout) {
        StopProcessesRequest.Builder request = StopProcessesRequest.newBuilder().addAllTargets(targets).setWait(wait);
        if (waitTimeout != null) {
            request.setTimeout(waitTimeout);
        }
        StopProcessesResponse response = stub.stopProcesses(request.build());
        return new Sent(response, response.getResultsList());
    }

    @Override
    ResultLines.Words words() {
        return WORDS;
    }
}
