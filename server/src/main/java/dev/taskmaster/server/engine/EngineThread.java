package dev.taskmaster.server.engine;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real engine thread: one platform thread running tasks and timers in order. A task that
 * throws is logged and the thread carries on, so one bug cannot stop supervision.
 */
public final class EngineThread implements EngineScheduler, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EngineThread.class);

    private final ScheduledThreadPoolExecutor executor;

    public EngineThread() {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "engine");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public void execute(Runnable task) {
        executor.execute(guarded(task));
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        ScheduledFuture<?> f = executor.schedule(guarded(task), delay.toNanos(), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.error("engine task failed; supervision continues", e);
            }
        };
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
