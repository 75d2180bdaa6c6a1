package dev.taskmaster.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The one way tests wait: poll a condition until it holds or a deadline passes, then fail
 * naming what was awaited. Never a fixed sleep "long enough". The first checks come quickly
 * (most conditions hold within a millisecond or two) and the pace then slows to 20 ms, so a
 * long wait does not spin a core that the program under test needs.
 *
 * <p>Threading: static and stateless; call from any thread.
 */
public final class Poll {

    /** The deadline of {@link #until(String, BooleanSupplier)}: generous, for a loaded 2-core CI machine. */
    public static final Duration DEFAULT_LIMIT = Duration.ofSeconds(30);
    private static final long MAX_PAUSE_NANOS = 20_000_000L;

    private Poll() {
    }

    /** Waits for {@code condition} with {@link #DEFAULT_LIMIT}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT_LIMIT, condition);
    }

    /**
     * Waits until {@code condition} holds.
     *
     * @throws AssertionError "timed out after LIMIT waiting for WHAT" once {@code limit} has
     *                        passed, or when the waiting thread is interrupted (its interrupt
     *                        status kept)
     */
    public static void until(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        long pause = 500_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + limit + " waiting for " + what);
            }
            try {
                Thread.sleep(Duration.ofNanos(pause));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
            pause = Math.min(MAX_PAUSE_NANOS, pause * 2);
        }
    }

    /**
     * Waits until {@code value} gives a non-null result and returns it; the message on a
     * timeout names what was awaited and the last value is not shown (it was null).
     */
    public static <T> T value(String what, Duration limit, Supplier<T> value) {
        Object[] last = new Object[1];
        until(what, limit, () -> (last[0] = value.get()) != null);
        @SuppressWarnings("unchecked")
        T found = (T) last[0];
        return found;
    }
}
