package dev.taskmaster.server.notify;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The rate limit of one rule: the first event goes out at once; the events that follow within
 * the rule's batch time are gathered (counted per process and kind, so memory stays bounded by
 * the number of processes whatever the rate) and go out together when that time is up. A crash
 * loop of 100 exits in a minute is two messages, the second saying "99 times".
 *
 * <p>Threading: {@link #add} runs on the engine thread, the flush on the notifier's timer
 * thread; both only take this object's lock for a few map operations, never do I/O, and hand
 * batches to {@code out}, which must not block either.
 */
final class RuleBatcher {

    private final String rule;
    private final Duration window;
    private final ScheduledExecutorService timer;
    private final Consumer<Batch> out;
    private final Map<String, Batch.Group> pending = new LinkedHashMap<>();
    /** System.nanoTime() of the last message sent; long ago at first. */
    private long lastSent;
    private boolean everSent;
    private ScheduledFuture<?> flush;
    private boolean closed;

    RuleBatcher(String rule, Duration window, ScheduledExecutorService timer, Consumer<Batch> out) {
        this.rule = rule;
        this.window = window;
        this.timer = timer;
        this.out = out;
    }

    void add(Occurrence o) {
        Batch now = null;
        synchronized (this) {
            if (closed) {
                return;
            }
            long t = System.nanoTime();
            if (pending.isEmpty() && (window.isZero() || !everSent || t - lastSent >= window.toNanos())) {
                lastSent = t;
                everSent = true;
                now = new Batch(rule, java.util.List.of(new Batch.Group(o, 1, o.time())), Duration.ZERO, false);
            } else {
                pending.merge(o.process() + "\0" + o.kind(), new Batch.Group(o, 1, o.time()),
                        (a, b) -> new Batch.Group(b.last(), a.count() + 1, a.first()));
                if (flush == null) {
                    long delay = Math.max(0, lastSent + window.toNanos() - t);
                    flush = timer.schedule(this::flush, delay, TimeUnit.NANOSECONDS);
                }
            }
        }
        if (now != null) {
            out.accept(now);
        }
    }

    /** Sends what was gathered; also at close, so that nothing gathered is lost with the rule. */
    void flush() {
        Batch batch;
        synchronized (this) {
            flush = null;
            if (pending.isEmpty()) {
                return;
            }
            batch = new Batch(rule, new ArrayList<>(pending.values()), window, false);
            pending.clear();
            lastSent = System.nanoTime();
        }
        out.accept(batch);
    }

    /** No more events; what was gathered goes out now. */
    void close() {
        ScheduledFuture<?> f;
        synchronized (this) {
            closed = true;
            f = flush;
        }
        if (f != null) {
            f.cancel(false);
        }
        flush();
    }

}
