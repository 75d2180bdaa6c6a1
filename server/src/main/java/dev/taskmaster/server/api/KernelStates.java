package dev.taskmaster.server.api;

import com.google.rpc.Code;
import dev.taskmaster.proto.v1.ProcessResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Waits for the kernel to show a process stopped (after SIGSTOP) or running again (after
 * SIGCONT): PauseProcesses and ResumeProcesses with {@code wait} answer once it is observed, not
 * merely once the signal is sent. The state is read from {@code /proc/<pid>/stat} every few
 * milliseconds on virtual threads, never on the engine's or a gRPC thread. Stateless.
 */
final class KernelStates {

    /** How often the state is read again while waiting. */
    private static final long POLL_MILLIS = 2;
    private static final Executor POLLERS = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("kernel-state-", 0).factory());

    /**
     * How the wait for one process's result ended: {@code code} OK when the kernel showed the
     * state, DEADLINE_EXCEEDED with {@code message} when it did not in time; {@code code} null
     * when there was nothing to wait for (the command itself failed, no pid): the result stands.
     */
    record Seen(ProcessResult result, Code code, String message) {
    }

    private KernelStates() {
    }

    /**
     * Completes once every successful result's pid is seen {@code stopped} (or no longer
     * stopped), or past {@code limit}; one {@link Seen} per result, in order. The caller then
     * reads the processes as they are now, all in one trip to the engine.
     */
    static CompletableFuture<List<Seen>> await(List<ProcessResult> results, boolean stopped,
            ProcessCommands.Wait limit, Clock clock) {
        Instant until = limit.limit() == null ? null : clock.instant().plus(limit.limit());
        List<CompletableFuture<Seen>> each = new ArrayList<>();
        for (ProcessResult r : results) {
            int pid = r.getProcess().getPid();
            if (r.getStatus().getCode() != Code.OK_VALUE || pid <= 0) {
                each.add(CompletableFuture.completedFuture(new Seen(r, null, null)));
                continue;
            }
            CompletableFuture<Boolean> seen = new CompletableFuture<>();
            poll(pid, stopped, until, clock, seen);
            each.add(seen.thenApply(ok -> ok ? new Seen(r, Code.OK, "")
                    : new Seen(r, Code.DEADLINE_EXCEEDED, r.getFullName() + ": the kernel did not show it "
                            + (stopped ? "stopped" : "running") + " within " + limit.describe())));
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
    }

    private static void poll(int pid, boolean stopped, Instant until, Clock clock, CompletableFuture<Boolean> seen) {
        POLLERS.execute(() -> {
            Character state = state(pid);
            // A process that is gone is neither: stop waiting; its answer shows what became of it.
            if (state == null || isStopped(state) == stopped) {
                seen.complete(true);
            } else if (until != null && !clock.instant().isBefore(until)) {
                seen.complete(false);
            } else {
                CompletableFuture.delayedExecutor(POLL_MILLIS, TimeUnit.MILLISECONDS, POLLERS)
                        .execute(() -> poll(pid, stopped, until, clock, seen));
            }
        });
    }

    private static boolean isStopped(char state) {
        return state == 'T' || state == 't';
    }

    /** The state letter of {@code /proc/<pid>/stat} (R, S, T…), or null when the process is gone. */
    static Character state(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            // The command name in parentheses may hold anything, ')' included: the state follows the last one.
            int close = stat.lastIndexOf(')');
            return close >= 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
