package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.ShutdownRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "shutdown", description = "Stop every process (in reverse priority order), then the daemon. Returns once the shutdown has begun.")
final class ShutdownCommand extends Verb {

    @Option(names = "--reason", paramLabel = "TEXT", description = "Recorded in the daemon log and the shutdown event.")
    String reason;

    @Override
    public Integer call() {
        rpc().shutdown(ShutdownRequest.newBuilder().setReason(reason == null ? "" : reason).build());
        out().println("taskmasterd is shutting down");
        return ExitCodes.OK;
    }
}
