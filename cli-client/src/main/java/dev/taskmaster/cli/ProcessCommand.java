package dev.taskmaster.cli;

import com.google.protobuf.Message;
import com.google.protobuf.util.Durations;
import dev.taskmaster.proto.v1.ProcessResult;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc.TaskmasterServiceBlockingStub;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * start, stop, restart, pause and resume: targets in, one line per process out. By default
 * the daemon answers once each process got where it was sent (as supervisorctl waits);
 * {@code --no-wait} answers once the command is under way.
 */
abstract class ProcessCommand extends Verb {

    @Parameters(paramLabel = "TARGET", arity = "1..*", description = "name, group:name, group:* or all.")
    List<String> targets;

    @Option(names = "--no-wait", description = "Return once the command is sent; do not wait for the new state.")
    boolean noWait;

    @Option(names = "--json", description = "Print the daemon's response as JSON.")
    boolean json;

    /** The response and its per-process results. */
    record Sent(Message response, List<ProcessResult> results) {}

    /** Sends the command; {@code waitTimeout} is null without wait. */
    abstract Sent send(TaskmasterServiceBlockingStub stub, List<String> targets, boolean wait, com.google.protobuf.Duration waitTimeout);

    abstract ResultLines.Words words();

    @Override
    public Integer call() {
        boolean wait = !noWait;
        Duration deadline = wait && !timeoutTyped() ? ProgramWaits.deadline(rpc(), targets, timeout()) : timeout();
        Sent sent = send(root.daemon().blockingStub(deadline), targets, wait, wait ? waitLimit(deadline) : null);
        if (json) {
            Json.print(out(), sent.response());
        } else {
            ResultLines.print(out(), sent.results(), words(), wait);
        }
        return ResultLines.allOk(sent.results()) ? ExitCodes.OK : ExitCodes.FAILED;
    }

    /** Whether {@code --timeout} was typed on this line, or given to the shell this line runs in; not its default. */
    boolean timeoutTyped() {
        for (picocli.CommandLine.ParseResult p = root.spec.commandLine().getParseResult(); p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--timeout")) {
                return true;
            }
        }
        picocli.CommandLine.IDefaultValueProvider shell = root.spec.defaultValueProvider();
        try {
            return shell != null && shell.defaultValue(root.spec.findOption("--timeout")) != null;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * How long the daemon may wait: a little less than the call's deadline, so that slow
     * processes come back as per-process DEADLINE_EXCEEDED results instead of the whole call
     * timing out and losing every result.
     */
    static com.google.protobuf.Duration waitLimit(Duration deadline) {
        Duration margin = deadline.dividedBy(10).compareTo(Duration.ofSeconds(1)) < 0 ? deadline.dividedBy(10) : Duration.ofSeconds(1);
        return Durations.fromNanos(deadline.minus(margin).toNanos());
    }
}
