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
     * Results applied together, at most: a mass start's results come back as tasks of up to this
     * many, so that the engine (and what follows each change, the state file's rewrite) works per
     * batch rather than per process; a lone launch (a restart) is applied the moment it is made.
     */
    static final int APPLY_BATCH = 32;

    /** One result and its index, waiting to be applied. */
    private record Arrived(ProcessLauncher.Result result, int index) {
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
        // Filled on spawner threads, guarded by itself; with arrivedCount, how many came so far.
        List<Arrived> arrived = new java.util.ArrayList<>();
        int[] arrivedCount = {0};
        List<ProcessLauncher.Request> requests = starts.stream().map(Supervisor.PendingStart::request).toList();
        ctx.launcher().launchInBackground(requests, (result, i) -> {
            List<Arrived> batch;
            synchronized (arrived) {
                arrived.add(new Arrived(result, i));
                arrivedCount[0]++;
                if (arrived.size() < APPLY_BATCH && arrivedCount[0] < starts.size()) {
                    return; // more are coming: applied with them
                }
                batch = List.copyOf(arrived);
                arrived.clear();
            }
            ctx.scheduler().execute(() -> {
                for (Arrived a : batch) {
                    Supervisor.PendingStart start = starts.get(a.index());
                    try {
                        answers[a.index()] = start.finish(a.result());
                    } catch (RuntimeException e) {
                        // A bug; the other answers must still come, or the command would wait for ever.
                        ctx.log().error("{}: applying its launch failed", start.name(), e);
                        answers[a.index()] = CommandResult.refused(start.name(), "internal error while starting: " + e);
                    }
                    if (--left[0] == 0) {
                        done.complete(List.of(answers));
                    }
                }
            });
        });
        return done;
    }
}
