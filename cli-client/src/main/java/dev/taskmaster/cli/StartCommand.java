package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.StartProcessesRequest;
import dev.taskmaster.proto.v1.StartProcessesResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc.TaskmasterServiceBlockingStub;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "start", description = "Start processes that are not running.")
final class StartCommand extends ProcessCommand {

    private static final ResultLines.Words WORDS = new ResultLines.Words("started", "starting", "already started");

    @Override
    Sent send(TaskmasterServiceBlockingStub stub, List<String> targets, boolean wait, com.google.protobuf.Duration waitTimeout) {
        StartProcessesRequest.Builder request = StartProcessesRequest.newBuilder().addAllTargets(targets).setWait(wait);
        if (waitTimeout != null) {
            request.setTimeout(waitTimeout);
        }
        StartProcessesResponse response = stub.startProcesses(request.build());
        return new Sent(response, response.getResultsList());
    }

    @Override
    ResultLines.Words words() {
        return WORDS;
    }
}
