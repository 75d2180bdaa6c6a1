package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.SignalProcessesRequest;
import dev.taskmaster.proto.v1.SignalProcessesResponse;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "signal", description = "Send a signal to running processes.")
final class SignalCommand extends Verb {

    private static final ResultLines.Words WORDS = new ResultLines.Words("signalled", "signalled", "signalled");

    @Parameters(index = "0", paramLabel = "SIGNAL", description = "A name with or without SIG, any case (TERM, SIGHUP, usr1), or a number (9).")
    String signal;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "TARGET", description = "name, group:name, group:* or all.")
    List<String> targets;

    @Option(names = {"-g", "--process-group"}, description = "Signal each process's whole process group, not only its pid.")
    boolean processGroup;

    @Option(names = "--json", description = "Print the daemon's response as JSON.")
    boolean json;

    @Override
    public Integer call() {
        SignalProcessesResponse response = rpc().signalProcesses(SignalProcessesRequest.newBuilder()
                .setSignal(signal).addAllTargets(targets).setProcessGroup(processGroup).build());
        if (json) {
            Json.print(out(), response);
        } else {
            ResultLines.print(out(), response.getResultsList(), WORDS, true);
        }
        return ResultLines.allOk(response.getResultsList()) ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
