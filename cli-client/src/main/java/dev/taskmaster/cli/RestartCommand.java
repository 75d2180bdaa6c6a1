package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.RestartProcessesRequest;
import dev.taskmaster.proto.v1.RestartProcessesResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc.TaskmasterServiceBlockingStub;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "restart", description = "Stop processes that run, then start them (also starts those not running).")
final class RestartCommand extends ProcessCommand {

    private static final ResultLines.Words WORDS = new ResultLines.Words("restarted", "restarting", "restarted");

    @Override
    Sent send(TaskmasterServiceBlockingStub stub, List<String> targets, boolean wait, com.google.protobuf.Duration waitTimeout) {
        RestartProcessesRequest.Builder request = RestartProcessesRequest.newBuilder().addAllTargets(targets).setWait(wait);
        if (waitTimeout != null) {
            request.setTimeout(waitTimeout);
        }
        RestartProcessesResponse response = stub.restartProcesses(request.build());
        return new Sent(response, response.getResultsList());
    }

    @Override
    ResultLines.Words words() {
        return WORDS;
    }
}
