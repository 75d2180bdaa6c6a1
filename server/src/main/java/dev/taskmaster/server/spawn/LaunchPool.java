package dev.taskmaster.server.spawn;

import dev.taskmaster.server.engine.ProcessLauncher.Request;
import dev.taskmaster.server.engine.ProcessLauncher.Result;
import dev.taskmaster.server.engine.ProcessLauncher.SpawnException;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ObjIntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs launches on up to {@code threads} "spawner" threads, first come first served, so that
 * the engine thread never blocks on one: a launch looks the user up (NSS), checks the program
 * and its directory, opens log files and spawns, and a spawn blocks its thread from clone to
 * exec. With many programs at once a few threads keep every CPU busy (one thread waits in a
 * spawn while another prepares the next). Threads end after a short idle time: an idle daemon
 * has none.
 *
 * <p>Threading: {@link #launchInBackground} may be called from any thread; the launch function
 * must be safe to call from several threads at once for different requests.
 */
final class LaunchPool {

    private static final Logger log = LoggerFactory.getLogger(LaunchPool.class);
    private static final long IDLE_SECONDS = 5;

    private final ThreadPoolExecutor pool;

    LaunchPool(int threads) {
        this.pool = new ThreadPoolExecutor(Math.max(1, threads), Math.max(1, threads), IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), Thread.ofPlatform().name("spawner-", 1).daemon().factory());
        pool.allowCoreThreadTimeOut(true);
    }

    /**
     * Queues every request and returns at once; each result goes to {@code done} with the
     * request's index, exactly once, on a spawner thread, as soon as that launch is over.
     */
    void launchInBackground(List<Request> requests, Function<Request, Result> launch, ObjIntConsumer<Result> done) {
        for (int i = 0; i < requests.size(); i++) {
            Request request = requests.get(i);
            int index = i;
            pool.execute(() -> {
                Result result;
                try {
                    result = safely(launch, request);
                } catch (Error e) {
                    // The instance must still get an answer, or it would wait for it for ever.
                    done.accept(new Result(null, new SpawnException("internal error while starting: " + e)), index);
                    throw e;
                }
                done.accept(result, index);
            });
        }
    }

    private static Result safely(Function<Request, Result> launch, Request request) {
        try {
            return launch.apply(request);
        } catch (RuntimeException e) {
            // A bug, not a spawn failure; reported as one so the instance goes through BACKOFF, not limbo.
            log.error("{}: launch failed", request.instance().name(), e);
            return new Result(null, new SpawnException("internal error while starting: " + e));
        }
    }
}
