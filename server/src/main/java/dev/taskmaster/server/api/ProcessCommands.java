package dev.taskmaster.server.api;

import com.google.rpc.Code;
import dev.taskmaster.proto.v1.ProcessResult;
import dev.taskmaster.server.engine.CommandResult;
import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.ProcessState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Start, stop, restart, pause and resume as the API offers them: targets resolved, the engine
 * told, and, when asked, a wait for each process to reach its goal. Results per process, in
 * configuration order. Asynchronous: nothing here blocks a gRPC thread. Stateless.
 */
final class ProcessCommands {

    /** How long a wait lasts when the request sets no timeout. */
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(60);

    private final Engine engine;
    private final Clock clock;
    private final Path logdir;

    ProcessCommands(Engine engine, Clock clock, Path logdir) {
        this.engine = engine;
        this.clock = clock;
        this.logdir = logdir;
    }

    /** A start is over when the process runs, or has stopped trying. */
    static final Predicate<ProcessState> STARTED = s -> s == ProcessState.RUNNING || s.isDown();

    /** @param by the API caller who asked, recorded in the events that follow */
    CompletableFuture<List<ProcessResult>> start(List<String> targets, boolean wait, Duration timeout, String by) {
        return act(targets, names -> engine.start(names, by), wait ? STARTED : null, timeout);
    }

    CompletableFuture<List<ProcessResult>> stop(List<String> targets, boolean wait, Duration timeout, String by) {
        return act(targets, names -> engine.stop(names, by), wait ? ProcessState::isDown : null, timeout);
    }

    CompletableFuture<List<ProcessResult>> pause(List<String> targets, String by) {
        return act(targets, names -> engine.pause(names, by), null, DEFAULT_WAIT);
    }

    CompletableFuture<List<ProcessResult>> resume(List<String> targets, String by) {
        return act(targets, names -> engine.resume(names, by), null, DEFAULT_WAIT);
    }

    /**
     * Stop (always waited for: a process must be down to start again), then start: the engine
     * stops highest priority first, one priority after the other, and starts lowest first, so
     * many processes restart in order. Nothing starts before everything is down. If that takes
     * longer than {@code timeout}, the answer says so at once and the restart goes on: the
     * starts come once everything is down.
     */
    CompletableFuture<List<ProcessResult>> restart(List<String> targets, boolean wait, Duration timeout, String by) {
        return names(targets).thenCompose(names -> {
            CompletableFuture<Void> down = engine.stopAllDown(names, by);
            CompletableFuture<List<ProcessResult>> restarted = down.thenCompose(
                    x -> act(names, n -> engine.start(n, by), wait ? STARTED : null, timeout));
            // A copy times out, not the stop itself: the starts must still follow it.
            return down.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .handle((x, error) -> error)
                    .thenCompose(error -> error == null ? restarted : stillStopping(names, timeout));
        });
    }

    private CompletableFuture<List<ProcessResult>> stillStopping(List<String> names, Duration timeout) {
        return engine.snapshot().thenApply(all -> names.stream().map(n -> {
            ProcessSnapshot s = all.stream().filter(p -> p.name().equals(n)).findFirst().orElse(null);
            return result(n, Code.DEADLINE_EXCEEDED, n + ": not everything was down after " + timeout.toMillis()
                    + " ms; it starts again once everything is", true, s);
        }).toList());
    }

    CompletableFuture<List<String>> names(List<String> targets) {
        return engine.config().thenApply(c -> Targets.required(targets, c.instances()));
    }

    CompletableFuture<List<ProcessResult>> act(List<String> targets,
            Function<List<String>, CompletableFuture<List<CommandResult>>> command, Predicate<ProcessState> goal,
            Duration timeout) {
        return names(targets).thenCompose(names -> command.apply(names).thenCompose(results -> {
            List<CompletableFuture<ProcessResult>> each = new ArrayList<>();
            for (CommandResult r : results) {
                each.add(outcome(r, goal, timeout));
            }
            return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                    .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
        }));
    }

    private CompletableFuture<ProcessResult> outcome(CommandResult r, Predicate<ProcessState> goal, Duration timeout) {
        if (r.kind() == CommandResult.Kind.REFUSED) {
            return snapshot(r.process()).thenApply(s -> result(r.process(), Code.FAILED_PRECONDITION,
                    r.process() + ": " + r.message(), false, s));
        }
        boolean changed = r.kind() == CommandResult.Kind.DONE;
        CompletableFuture<ProcessSnapshot> reached = goal == null ? snapshot(r.process())
                : engine.awaitState(r.process(), goal).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return reached.handle((s, error) -> {
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
                String why = cause instanceof TimeoutException
                        ? r.process() + ": still not there after " + timeout.toMillis() + " ms"
                        : r.process() + ": " + cause.getMessage();
                return result(r.process(), cause instanceof TimeoutException ? Code.DEADLINE_EXCEEDED : Code.INTERNAL,
                        why, changed, null);
            }
            if (goal == STARTED && s.state() != ProcessState.RUNNING) {
                return result(r.process(), Code.FAILED_PRECONDITION, r.process() + ": " + s.state() + " ("
                        + Protos.describe(s, clock.instant()) + ")", changed, s);
            }
            return result(r.process(), Code.OK, r.message(), changed, s);
        });
    }

    private CompletableFuture<ProcessSnapshot> snapshot(String name) {
        return engine.snapshot().thenApply(all -> all.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null));
    }

    private ProcessResult result(String name, Code code, String message, boolean changed, ProcessSnapshot s) {
        ProcessResult.Builder b = ProcessResult.newBuilder().setFullName(name).setChanged(changed)
                .setStatus(com.google.rpc.Status.newBuilder().setCode(code.getNumber())
                        .setMessage(message));
        if (s != null) {
            b.setProcess(Protos.process(s, clock.instant(), logdir));
        }
        return b.build();
    }

}
