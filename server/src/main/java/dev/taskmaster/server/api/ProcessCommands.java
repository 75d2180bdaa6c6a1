package dev.taskmaster.server.api;

import com.google.rpc.Code;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.proto.v1.ProcessResult;
import dev.taskmaster.server.engine.CommandResult;
import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.ProcessState;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Start, stop, restart, pause and resume as the API offers them: targets resolved, the engine
 * told, and, when asked, a wait for each process to reach its goal. Results per process, ordered
 * by priority then full name. Asynchronous: nothing here blocks a gRPC thread. Stateless.
 */
final class ProcessCommands {

    /** What the engine answers for every process once a shutdown has begun; the call is then UNAVAILABLE. */
    private static final String SHUTTING_DOWN = "the daemon is shutting down";

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
    CompletableFuture<List<ProcessResult>> start(List<String> targets, boolean wait, Wait limit, String by) {
        return act(targets, names -> engine.start(names, by), wait ? STARTED : null, limit, true);
    }

    CompletableFuture<List<ProcessResult>> stop(List<String> targets, boolean wait, Wait limit, String by) {
        return act(targets, names -> engine.stop(names, by), wait ? ProcessState::isDown : null, limit);
    }

    /** With {@code wait}, each paused process is answered once the kernel shows it stopped. */
    CompletableFuture<List<ProcessResult>> pause(List<String> targets, boolean wait, Wait limit, String by) {
        CompletableFuture<List<ProcessResult>> sent = act(targets, names -> engine.pause(names, by), null, limit);
        return wait ? sent.thenCompose(results -> KernelStates.await(results, true, limit, clock).thenCompose(this::asNow)) : sent;
    }

    /** With {@code wait}, each resumed process is answered once the kernel shows it running again. */
    CompletableFuture<List<ProcessResult>> resume(List<String> targets, boolean wait, Wait limit, String by) {
        CompletableFuture<List<ProcessResult>> sent = act(targets, names -> engine.resume(names, by), null, limit);
        return wait ? sent.thenCompose(results -> KernelStates.await(results, false, limit, clock).thenCompose(this::asNow)) : sent;
    }

    /**
     * Stop, then start: the engine stops highest priority first, one priority after the other,
     * and starts lowest first, so many processes restart in order. Nothing starts before
     * everything is down. Without {@code wait} the answer comes once the stops have begun (the
     * contract's "answer once the stops are initiated; starts follow"). With it, the answer
     * comes once each process runs again; if everything is not down within the limit, the answer
     * says so at once and the restart goes on: the starts come once everything is.
     */
    CompletableFuture<List<ProcessResult>> restart(List<String> targets, boolean wait, Wait limit, String by) {
        return names(targets).thenCompose(names -> {
            CompletableFuture<Void> down = engine.stopAllDown(names, by);
            CompletableFuture<List<ProcessResult>> restarted = down.thenCompose(
                    x -> act(names, n -> engine.start(n, by), wait ? STARTED : null, limit, true));
            if (!wait) {
                // The snapshot is taken on the engine thread after the stop was told to it.
                return engine.snapshot().thenApply(all -> {
                    Map<String, ProcessSnapshot> byName = all.stream().collect(Collectors.toMap(ProcessSnapshot::name, s -> s));
                    return names.stream().map(n -> result(n, Code.OK, "restarting", true, byName.get(n))).toList();
                });
            }
            // A copy times out, not the stop itself: the starts must still follow it.
            return limit.bound(down.copy())
                    .handle((x, error) -> error)
                    .thenCompose(error -> error == null ? restarted : stillStopping(names, limit));
        });
    }

    private CompletableFuture<List<ProcessResult>> stillStopping(List<String> names, Wait limit) {
        return engine.snapshotOf(names).thenApply(all -> names.stream().map(n -> {
            ProcessSnapshot s = all.get(n);
            return result(n, Code.DEADLINE_EXCEEDED, n + ": not everything was down after " + limit.describe()
                    + "; it starts again once everything is", true, s);
        }).toList());
    }

    CompletableFuture<List<String>> names(List<String> targets) {
        return engine.config().thenApply(c -> Targets.required(targets, c.instances()));
    }

    CompletableFuture<List<ProcessResult>> act(List<String> targets,
            Function<List<String>, CompletableFuture<List<CommandResult>>> command, Predicate<ProcessState> goal,
            Wait limit) {
        return act(targets, command, goal, limit, false);
    }

    /** @param starting whether the command is a start, which the engine leaves a PAUSED process alone on */
    private CompletableFuture<List<ProcessResult>> act(List<String> targets,
            Function<List<String>, CompletableFuture<List<CommandResult>>> command, Predicate<ProcessState> goal,
            Wait limit, boolean starting) {
        return engine.config().thenCompose(config -> {
            List<String> names = Targets.required(targets, config.instances());
            Map<String, InstanceSpec> specs = config.instances().stream()
                    .collect(Collectors.toMap(InstanceSpec::name, i -> i, (a, b) -> a));
            return command.apply(names).thenCompose(results -> {
                if (!results.isEmpty() && results.stream().allMatch(r -> r.kind() == CommandResult.Kind.REFUSED
                        && r.message().equals(SHUTTING_DOWN))) {
                    throw Status.UNAVAILABLE.withDescription("taskmasterd is shutting down").asRuntimeException();
                }
                // Two trips to the engine for the whole request, whatever its size: the state of
                // every process acted on, then the waits that state calls for.
                List<String> acted = results.stream().map(CommandResult::process).toList();
                return engine.snapshotOf(acted).thenCompose(now -> {
                    List<CommandResult> awaited = goal == null ? List.of()
                            : results.stream().filter(r -> awaits(r, starting, now.get(r.process()))).toList();
                    CompletableFuture<Map<String, CompletableFuture<ProcessSnapshot>>> waits = awaited.isEmpty()
                            ? CompletableFuture.completedFuture(Map.of())
                            : engine.awaitStates(awaited.stream().map(CommandResult::process).toList(), goal);
                    return waits.thenCompose(waiting -> {
                        List<CompletableFuture<ProcessResult>> each = new ArrayList<>();
                        for (CommandResult r : results) {
                            each.add(outcome(r, goal, limit, starting, now.get(r.process()), waiting.get(r.process())));
                        }
                        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                                .thenApply(v -> each.stream().map(CompletableFuture::join)
                                        .sorted(Comparator.comparing(ProcessResult::getFullName, (a, b) -> {
                                            InstanceSpec x = specs.get(a);
                                            InstanceSpec y = specs.get(b);
                                            return x == null || y == null ? Targets.compareNames(a, b) : Targets.ORDER.compare(x, y);
                                        })).toList());
                    });
                });
            });
        });
    }

    /** Whether the answer for {@code r} waits for a goal state: not when refused, nor for a start left alone on a PAUSED process. */
    private static boolean awaits(CommandResult r, boolean starting, ProcessSnapshot now) {
        if (r.kind() == CommandResult.Kind.REFUSED) {
            return false;
        }
        boolean pausedLeftAlone = starting && r.kind() != CommandResult.Kind.DONE && now != null
                && now.state() == ProcessState.PAUSED;
        return !pausedLeftAlone;
    }

    /**
     * @param now     the process as it was once the command was applied
     * @param waiting the wait for its goal state, when {@link #awaits} said so
     */
    private CompletableFuture<ProcessResult> outcome(CommandResult r, Predicate<ProcessState> goal, Wait limit,
            boolean starting, ProcessSnapshot now, CompletableFuture<ProcessSnapshot> waiting) {
        if (r.kind() == CommandResult.Kind.REFUSED) {
            return CompletableFuture.completedFuture(result(r.process(), Code.FAILED_PRECONDITION,
                    r.process() + ": " + r.message(), false, now));
        }
        boolean changed = r.kind() == CommandResult.Kind.DONE;
        if (starting && !changed && now != null && now.state() == ProcessState.PAUSED) {
            // The engine leaves a PAUSED process alone on a start; the contract calls that a precondition.
            return CompletableFuture.completedFuture(result(r.process(), Code.FAILED_PRECONDITION,
                    r.process() + " is PAUSED; resume it first", false, now));
        }
        CompletableFuture<ProcessSnapshot> reached = goal == null ? CompletableFuture.completedFuture(now)
                : limit.bound(waiting);
        return reached.handle((s, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                String why = cause instanceof TimeoutException
                        ? r.process() + ": still not there after " + limit.describe()
                        : r.process() + ": " + cause.getMessage();
                return result(r.process(), cause instanceof TimeoutException ? Code.DEADLINE_EXCEEDED : Code.INTERNAL,
                        why, changed, null);
            }
            if (goal == STARTED && s.state() != ProcessState.RUNNING) {
                if (s.state() == ProcessState.EXITED && s.lastExit().map(e -> e.expected()).orElse(false)) {
                    // A one-shot task that did its work: the contract's "EXITED with an expected code".
                    return result(r.process(), Code.OK, "exited as expected (" + Protos.describe(s, clock.instant()) + ")",
                            changed, s);
                }
                return result(r.process(), Code.ABORTED, r.process() + ": " + s.state() + " ("
                        + Protos.describe(s, clock.instant()) + ")", changed, s);
            }
            return result(r.process(), Code.OK, r.message(), changed, s);
        });
    }

    /**
     * The results of a wait with their processes as they are now, read in one trip to the engine
     * whatever their number; a result with nothing waited for stands as it was.
     */
    private CompletableFuture<List<ProcessResult>> asNow(List<KernelStates.Seen> seen) {
        List<String> names = seen.stream().filter(w -> w.code() != null).map(w -> w.result().getFullName()).toList();
        CompletableFuture<Map<String, ProcessSnapshot>> now = names.isEmpty()
                ? CompletableFuture.completedFuture(Map.of()) : engine.snapshotOf(names);
        return now.thenApply(found -> seen.stream().map(w -> {
            ProcessResult r = w.result();
            if (w.code() == null) {
                return r;
            }
            return result(r.getFullName(), w.code(), w.code() == Code.OK ? r.getStatus().getMessage() : w.message(),
                    r.getChanged(), found.get(r.getFullName()));
        }).toList());
    }

    ProcessResult result(String name, Code code, String message, boolean changed, ProcessSnapshot s) {
        ProcessResult.Builder b = ProcessResult.newBuilder().setFullName(name).setChanged(changed)
                .setStatus(com.google.rpc.Status.newBuilder().setCode(code.getNumber())
                        .setMessage(message));
        if (s != null) {
            b.setProcess(Protos.process(s, clock.instant(), logdir));
        }
        return b.build();
    }

    /**
     * How long a command with {@code wait} may wait: the request's timeout, else the call's
     * deadline (the contract's "Absent = until the call's deadline"), else for as long as the
     * call lasts. The limit is one deadline for the whole command, counted from the request:
     * a restart's stop and its start share it (issue 16: "restart all" answered after twice the
     * limit, too late for the client, with no result per process). Immutable.
     *
     * @param limit      the whole wait, null for none
     * @param startNanos {@link System#nanoTime()} when the request came
     */
    record Wait(Duration limit, long startNanos) {

        /** No limit but the call itself: it ends when the client cancels it. */
        static final Wait UNBOUNDED = new Wait(null, 0);

        Wait(Duration limit) {
            this(limit, System.nanoTime());
        }

        /**
         * @param set   whether the request has a timeout
         * @param field the request's field name, for the error
         * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT for a negative or malformed duration
         */
        static Wait of(boolean set, com.google.protobuf.Duration timeout, String field) {
            if (set) {
                return new Wait(Durations.nonNegative(field, timeout));
            }
            io.grpc.Deadline deadline = io.grpc.Context.current().getDeadline();
            return deadline == null ? UNBOUNDED
                    : new Wait(Duration.ofNanos(Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS))));
        }

        /** {@code future}, failing with a TimeoutException once what remains of the limit has passed. */
        <T> CompletableFuture<T> bound(CompletableFuture<T> future) {
            if (limit == null) {
                return future;
            }
            long remaining = limit.toNanos() - (System.nanoTime() - startNanos);
            return future.orTimeout(Math.max(0, remaining), TimeUnit.NANOSECONDS);
        }

        String describe() {
            return limit == null ? "the call's end" : limit.toMillis() + " ms";
        }
    }
}
