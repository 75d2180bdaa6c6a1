package dev.taskmaster.server.engine;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The hand-off of launches: pending starts go to the launcher, which launches them off the
 * engine thread ({@link ProcessLauncher#launchInBackground}: user lookup, file checks, log
 * files, the spawn itself may all block), and each result comes back as an engine task of its
 * own, applied by {@link Supervisor.PendingStart#finish}. Between the two the engine goes on
 * (RPCs, exits, timers); what a supervisor does when it is stopped, removed or shut down while
 * its launch is in flight is {@link Supervisor}'s. Engine thread only.
 */
final class Launches {

    private Launches() {
    }

    /**
     * Hands {@code starts} over; completes on the engine thread, with each start's answer in
     * order, once every result was applied.
     */
    static CompletableFuture<List<CommandResult>> launch(EngineContext ctx, List<Supervisor.PendingStart> starts) {
        CompletableFuture<List<CommandResult>> done = new CompletableFuture<>();
        if (starts.isEmpty()) {
            done.complete(List.of());
            return done;
        }
        // Both touched on the engine thread only: each result is applied there.
        CommandResult[] answers = new CommandResult[starts.size()];
        int[] left = {starts.size()};
        List<ProcessLauncher.Request> requests = starts.stream().map(Supervisor.PendingStart::request).toList();
        ctx.launcher().launchInBackground(requests, (result, i) -> ctx.scheduler().execute(() -> {
            Supervisor.PendingStart start = starts.get(i);
            try {
                answers[i] = start.finish(result);
            } catch (RuntimeException e) {
                // A bug; the other answers must still come, or the command would wait for ever.
                ctx.log().error("{}: applying its launch failed", start.name(), e);
                answers[i] = CommandResult.refused(start.name(), "internal error while starting: " + e);
            }
            if (--left[0] == 0) {
                done.complete(List.of(answers));
            }
        }));
        return done;
    }
}
