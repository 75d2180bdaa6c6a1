package dev.taskmaster.server.spawn;

import dev.taskmaster.server.engine.ProcessLauncher.Request;
import dev.taskmaster.server.engine.ProcessLauncher.Result;
import dev.taskmaster.server.engine.ProcessLauncher.SpawnException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the launches of a batch on the calling thread and on up to {@code helpers} pool threads
 * at once. A spawn blocks its thread from clone to exec, while the child closes the daemon's
 * descriptors (thousands, with a thousand programs) and the kernel loads the program, so
 * starting many programs one after another leaves a CPU idle; a few threads keep both busy.
 * Pool threads end after a short idle time: an idle daemon has none.
 *
 * <p>Threading: {@link #launchAll} is called by one thread at a time (the engine thread); the
 * launch function must be safe to call from several threads at once for different requests.
 */
final class LaunchPool {

    private static final Logger log = LoggerFactory.getLogger(LaunchPool.class);
    private static final long IDLE_SECONDS = 5;

    private final int helpers;
    private final ThreadPoolExecutor pool;

    LaunchPool(int helpers) {
        this.helpers = helpers;
        this.pool = new ThreadPoolExecutor(Math.max(1, helpers), Math.max(1, helpers), IDLE_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), Thread.ofPlatform().name("spawner-", 1).daemon().factory());
        pool.allowCoreThreadTimeOut(true);
    }

    /** Launches every request with {@code launch}; returns when all are done, results in request order. */
    List<Result> launchAll(List<Request> requests, Function<Request, Result> launch) {
        int n = requests.size();
        Result[] results = new Result[n];
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                results[i] = safely(launch, requests.get(i));
            }
        };
        List<Future<?>> others = new ArrayList<>();
        for (int k = 0; k < Math.min(helpers, n - 1); k++) {
            others.add(pool.submit(worker));
        }
        worker.run();
        for (Future<?> f : others) {
            awaitUninterruptibly(f);
        }
        // Future.get above orders every helper's writes to the array before this read. A slot is
        // empty only if a worker died of an Error: its instance must still get an answer.
        for (int i = 0; i < n; i++) {
            if (results[i] == null) {
                results[i] = new Result(null, new SpawnException("internal error while starting: the launch did not complete"));
            }
        }
        return Arrays.asList(results);
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

    private static void awaitUninterruptibly(Future<?> f) {
        boolean interrupted = false;
        while (true) {
            try {
                f.get();
                break;
            } catch (InterruptedException e) {
                // The batch's children exist: their results must be collected whatever happens.
                interrupted = true;
            } catch (ExecutionException e) {
                // Only an Error gets here (launches catch the rest); the other workers are still awaited.
                log.error("a launch worker failed", e.getCause());
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
