package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.PauseProcessesRequest;
import dev.taskmaster.proto.v1.PauseProcessesResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc.TaskmasterServiceBlockingStub;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "pause", description = "Suspend running processes with SIGSTOP.")
final class PauseCommand extends ProcessCommand {

    private static final ResultLines.Words WORDS = new ResultLines.Words("paused", "pausing", "already paused");

    @Override
    Sent send(TaskmasterServiceBlockingStub stub, List<String> targets, boolean wait, com.google.protobuf.Duration waitTimeout) {
        PauseProcessesRequest.Builder request = PauseProcessesRequest.newBuilder().addAllTargets(targets).setWait(wait);
        if (waitTimeout != null) {
            request.setTimeout(waitTimeout);
        }
        PauseProcessesResponse response = stub.pauseProcesses(request.build());
        return new Sent(response, response.getResultsList());
    }

    @Override
    ResultLines.Words words() {
        return WORDS;
    }
}
