package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.ResumeProcessesRequest;
import dev.taskmaster.proto.v1.ResumeProcessesResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc.TaskmasterServiceBlockingStub;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "resume", description = "Resume paused processes with SIGCONT.")
final class ResumeCommand extends ProcessCommand {

    private static final ResultLines.Words WORDS = new ResultLines.Words("resumed", "resuming", "already running");

    @Override
    Sent send(TaskmasterServiceBlockingStub stub, List<String> targets, boolean wait, com.google.protobuf.Duration waitTimeout) {
        ResumeProcessesRequest.Builder request = ResumeProcessesRequest.newBuilder().addAllTargets(targets).setWait(wait);
        if (waitTimeout != null) {
            request.setTimeout(waitTimeout);
        }
        ResumeProcessesResponse response = stub.resumeProcesses(request.build());
        return new Sent(response, response.getResultsList());
    }

    @Override
    ResultLines.Words words() {
        return WORDS;
    }
}
