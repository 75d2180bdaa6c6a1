package dev.taskmaster.cli;

import dev.taskmaster.proto.v1.TaskmasterServiceGrpc.TaskmasterServiceBlockingStub;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every verb shares: the root (global options, session), its own spec, {@code --help},
 * and a stub whose call carries the {@code --timeout} deadline. A verb returns its exit code
 * and lets gRPC failures propagate to {@link ExitCodes}.
 */
abstract class Verb implements Callable<Integer> {

    @ParentCommand
    TaskmasterCtl root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    PrintWriter out() {
        return root.session().out();
    }

    PrintWriter err() {
        return root.session().err();
    }

    Session session() {
        return root.session();
    }

    /** A stub for one call, with a fresh deadline of {@code --timeout}. */
    TaskmasterServiceBlockingStub rpc() {
        return root.daemon().blockingStub(root.timeout());
    }

    Duration timeout() {
        return root.timeout();
    }

    /** Picocli leaves an absent multi-value parameter null (and resets it to null between shell lines). */
    static List<String> orEmpty(List<String> values) {
        return values == null ? List.of() : values;
    }
}
