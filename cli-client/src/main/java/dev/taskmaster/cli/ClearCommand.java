package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.ClearOutputRequest;
import dev.taskmaster.proto.v1.ClearOutputResponse;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** supervisorctl's {@code clear}: empties the captured output (ring and current log file) of each process. */
@Command(name = "clear", description = {"Clear processes' captured output: the in-memory buffer and the current log files.",
        "Rotated backups are kept."})
final class ClearCommand extends Verb {

    private static final ResultLines.Words WORDS = new ResultLines.Words("cleared", "cleared", "cleared");

    @Parameters(paramLabel = "TARGET", arity = "1..*", description = "name, group:name, group:* or all.")
    List<String> targets;

    @Option(names = "--json", description = "Print the daemon's response as JSON.")
    boolean json;

    @Override
    public Integer call() {
        ClearOutputResponse response = rpc().clearOutput(ClearOutputRequest.newBuilder().addAllTargets(targets).build());
        if (json) {
            Json.print(out(), response);
        } else {
            ResultLines.print(out(), response.getResultsList(), WORDS, true);
        }
        return ResultLines.allOk(response.getResultsList()) ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
