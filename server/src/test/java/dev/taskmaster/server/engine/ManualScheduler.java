package dev.taskmaster.server.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;

/**
 * The engine thread and clock for tests: tasks run when the test says, and time only moves when
 * the test advances it, so starttime, backoff and stoptime are tested without sleeping.
 * Single-threaded: the test thread is the engine thread.
 */
final class ManualScheduler implements EngineScheduler, EngineClock {

    private static final Instant EPOCH = Instant.parse("2026-11-22T10:00:00Z");

    private final class Timer implements Cancellable {
        final long due;
        final long order;
        final Runnable task;
        boolean cancelled;

        Timer(long due, long order, Runnable task) {
            this.due = due;
            this.order = order;
            this.task = task;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>(
            Comparator.<Timer>comparingLong(t -> t.due).thenComparingLong(t -> t.order));
    private long nanos;
    private long order;

    @Override
    public void execute(Runnable task) {
        ready.add(task);
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        Timer t = new Timer(nanos + delay.toNanos(), order++, task);
        timers.add(t);
        return t;
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public Instant now() {
        return EPOCH.plusNanos(nanos);
    }

    /** The zone cron times are read in; UTC unless a test sets another. */
    java.time.ZoneId zone = java.time.ZoneId.of("UTC");

    @Override
    public java.time.ZoneId zone() {
        return zone;
    }

    /** Runs every task that is ready now (and those they submit). */
    void runReady() {
        while (!ready.isEmpty()) {
            ready.poll().run();
        }
    }

    /** Moves time forward, running every timer that falls due on the way, in order. */
    void advance(Duration d) {
        long target = nanos + d.toNanos();
        runReady();
        while (!timers.isEmpty() && timers.peek().due <= target) {
            Timer t = timers.poll();
            nanos = t.due;
            if (!t.cancelled) {
                t.task.run();
            }
            runReady();
        }
        nanos = target;
    }

    /** Runs what is ready and returns the future's value, which must be there by then. */
    <T> T await(CompletableFuture<T> f) {
        runReady();
        if (!f.isDone()) {
            throw new AssertionError("future not complete after running every ready task");
        }
        return f.join();
    }

    Duration elapsed() {
        return Duration.ofNanos(nanos);
    }
}
