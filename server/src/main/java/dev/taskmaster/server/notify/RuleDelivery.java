package dev.taskmaster.server.notify;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one rule's messages, in order, on its own thread: a bounded queue (the oldest is
 * dropped when it is full, counted and reported), retries of transient failures with capped
 * exponential backoff, none for permanent ones. A rule whose receiver is down holds up only
 * itself. The same failure again is reported once (one event for a mail server that rejects
 * the login, not one per message), until a delivery succeeds.
 *
 * <p>Threading: {@link #submit} is called from the engine thread and the notifier's timer; it
 * takes a lock for a queue operation and never waits. Everything else happens on the rule's
 * delivery thread, which catches and logs whatever a channel throws and goes on.
 */
final class RuleDelivery {

    private static final Logger log = LoggerFactory.getLogger(RuleDelivery.class);

    private final String rule;
    private final String targetKind;
    private final Channel channel;
    private final int capacity;
    private final int retries;
    private final RetryPolicy backoff;
    private final MessageRenderer renderer;
    private final FailureSink failures;
    private final NotifyCounters counters;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Batch> queue = new ArrayDeque<>();
    private final Thread worker;
    /** Dropped and not yet reported. Under {@link #lock}. */
    private long droppedUnreported;
    private boolean closing;
    /** System.nanoTime() after which a closing worker gives up what is left. Under {@link #lock}. */
    private long closeDeadline;
    /** The last failure reported, until a delivery succeeds: the same one again is not reported again. Worker only. */
    private String lastFailure;
    private long repeats;

    RuleDelivery(String rule, String targetKind, Channel channel, int capacity, int retries, RetryPolicy backoff,
            MessageRenderer renderer, FailureSink failures, NotifyCounters counters) {
        this.rule = rule;
        this.targetKind = targetKind;
        this.channel = channel;
        this.capacity = capacity;
        this.retries = retries;
        this.backoff = backoff;
        this.renderer = renderer;
        this.failures = failures;
        this.counters = counters;
        this.worker = Thread.ofPlatform().daemon().name("taskmaster-notify-" + rule).unstarted(this::run);
        worker.start();
    }

    String describe() {
        return channel.describe();
    }

    /** Queues a message; never waits. When the queue is full, the oldest waiting message is dropped. */
    void submit(Batch batch) {
        lock.lock();
        try {
            if (closing) {
                return;
            }
            if (queue.size() >= capacity) {
                queue.removeFirst();
                droppedUnreported++;
                counters.dropped(rule, targetKind);
            }
            queue.addLast(batch);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Messages waiting (not the one being delivered). */
    int queued() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops taking messages; the thread delivers what is queued for up to {@code grace} (a
     * message in the middle of its retries stops retrying then), then ends. Waits for it.
     */
    void close(Duration grace) {
        lock.lock();
        try {
            closing = true;
            closeDeadline = System.nanoTime() + grace.toNanos();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            if (!worker.join(grace.plusSeconds(1))) {
                worker.interrupt(); // a channel stuck past its own timeout
                worker.join(Duration.ofSeconds(2));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (true) {
            Batch next;
            lock.lock();
            try {
                while (queue.isEmpty() && !closing) {
                    reportDrops();
                    changed.awaitUninterruptibly();
                }
                reportDrops();
                if (queue.isEmpty() || closing && System.nanoTime() - closeDeadline > 0) {
                    lostAtClose();
                    return;
                }
                next = queue.removeFirst();
            } finally {
                lock.unlock();
            }
            try {
                deliver(next);
            } catch (RuntimeException e) {
                // A bug in a channel must not end the rule's deliveries.
                log.error("notify rule {}: delivery failed unexpectedly", rule, e);
                failed("delivery failed unexpectedly: " + e, 1);
            }
        }
    }

    private void deliver(Batch batch) {
        Message message = renderer.render(batch, Instant.now());
        for (int attempt = 0; ; attempt++) {
            try {
                channel.deliver(message);
                counters.delivered(rule, targetKind);
                if (lastFailure != null) {
                    log.info("notify rule {}: delivering again ({}) after: {}", rule, channel.describe(), lastFailure);
                    lastFailure = null;
                    repeats = 0;
                }
                return;
            } catch (DeliveryException e) {
                if (e.permanent() || attempt >= retries) {
                    failed(e.getMessage() + (e.permanent() || attempt == 0 ? "" : " (gave up after " + (attempt + 1) + " attempts)"), 1);
                    return;
                }
                Duration delay = backoff.delay(attempt + 1);
                log.debug("notify rule {}: attempt {} failed, again in {}: {}", rule, attempt + 1, delay, e.getMessage());
                if (!pause(delay)) {
                    failed(e.getMessage() + " (the daemon stopped before it could be delivered)", 1);
                    return;
                }
            }
        }
    }

    /** Waits before a retry, reporting drops meanwhile; false when the rule is closing past its grace. */
    private boolean pause(Duration delay) {
        long until = System.nanoTime() + delay.toNanos();
        lock.lock();
        try {
            while (true) {
                reportDrops();
                if (closing && System.nanoTime() - closeDeadline > 0) {
                    return false;
                }
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                if (closing) {
                    left = Math.min(left, Math.max(1, closeDeadline - System.nanoTime()));
                }
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock. */
    private void reportDrops() {
        if (droppedUnreported > 0) {
            long n = droppedUnreported;
            droppedUnreported = 0;
            String reason = "the queue was full (" + capacity + " messages): dropped the oldest " + (n == 1 ? "message"
                    : n + " messages");
            log.warn("notify rule {}: {}", rule, reason);
            failures.lost(rule, channel.describe(), reason, n);
        }
    }

    /** Under the lock. */
    private void lostAtClose() {
        if (!queue.isEmpty()) {
            int n = queue.size();
            queue.clear();
            String reason = "the daemon stopped (or the rule changed) before " + (n == 1 ? "1 message" : n + " messages")
                    + " could be delivered";
            log.warn("notify rule {}: {}", rule, reason);
            for (int i = 0; i < n; i++) {
                counters.failed(rule, targetKind);
            }
            failures.lost(rule, channel.describe(), reason, n);
        }
    }

    private void failed(String reason, long messages) {
        counters.failed(rule, targetKind);
        if (reason.equals(lastFailure)) {
            repeats++;
            log.warn("notify rule {}: another message lost, for the same reason ({} since it was reported): {}", rule,
                    repeats, reason);
            return;
        }
        lastFailure = reason;
        repeats = 0;
        failures.lost(rule, channel.describe(), reason, messages);
    }

    /** One attempt, no queue, no retry: for {@code taskmasterctl notify test}. The caller's thread. */
    static java.util.Optional<String> tryOnce(Channel channel, Message message) {
        try {
            channel.deliver(message);
            return java.util.Optional.empty();
        } catch (DeliveryException e) {
            return java.util.Optional.of(e.getMessage());
        } catch (RuntimeException e) {
            return java.util.Optional.of("delivery failed unexpectedly: " + e);
        }
    }
}
