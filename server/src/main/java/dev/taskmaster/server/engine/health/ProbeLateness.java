package dev.taskmaster.server.engine.health;

import java.util.Arrays;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How late health probes start, for the benchmark bench/health: off by default (one read of a
 * final field per probe), on with {@code -Dtaskmaster.debug.probe-lateness=SECONDS} (in
 * {@code TASKMASTER_JAVA_OPTS}), which logs a summary every SECONDS seconds at INFO:
 * {@code probe lateness over 60 s: timer n=12000 p50=… p99=… max=…; dispatch n=… …}. Two parts,
 * measured where they happen: <em>timer</em>, from a probe's due time (its interval after the
 * previous one ended) to the engine thread running it; <em>dispatch</em>, from the engine handing
 * it to the prober to a probe thread starting it. A probe starts their sum after its due time.
 *
 * <p>Threading: {@link #timer} on the engine thread, {@link #dispatch} on probe threads; the
 * samples are kept under a lock, the summary made on a thread of its own.
 */
public final class ProbeLateness {

    private static final Logger log = LoggerFactory.getLogger(ProbeLateness.class);
    private static final long PERIOD_SECONDS = Long.getLong("taskmaster.debug.probe-lateness", 0);
    static final boolean ENABLED = PERIOD_SECONDS > 0;

    private static final Samples TIMER = new Samples();
    private static final Samples DISPATCH = new Samples();

    static {
        if (ENABLED) {
            Thread.ofPlatform().daemon().name("probe-lateness").start(ProbeLateness::report);
        }
    }

    private ProbeLateness() {
    }

    /** A probe due at {@code dueNanos} runs on the engine thread at {@code nowNanos}. */
    static void timer(long dueNanos, long nowNanos) {
        if (ENABLED) {
            TIMER.add(nowNanos - dueNanos);
        }
    }

    /** A probe handed to the prober at {@code handedNanos} starts on its thread at {@code nowNanos}. */
    static void dispatch(long handedNanos, long nowNanos) {
        if (ENABLED) {
            DISPATCH.add(nowNanos - handedNanos);
        }
    }

    private static void report() {
        while (true) {
            try {
                Thread.sleep(PERIOD_SECONDS * 1000);
                log.info("probe lateness over {} s: timer {}; dispatch {}", PERIOD_SECONDS, TIMER.drain(), DISPATCH.drain());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("cannot summarize probe lateness", e);
            }
        }
    }

    /** Nanosecond samples of one period. */
    private static final class Samples {
        private long[] values = new long[1024];
        private int size;

        synchronized void add(long nanos) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = nanos;
        }

        /** {@code n=… p50=…ms p90=… p99=… max=…}, and a new period. */
        String drain() {
            long[] taken;
            synchronized (this) {
                taken = Arrays.copyOf(values, size);
                size = 0;
            }
            if (taken.length == 0) {
                return "n=0";
            }
            Arrays.sort(taken);
            return String.format(Locale.ROOT, "n=%d p50=%.3fms p90=%.3fms p99=%.3fms max=%.3fms", taken.length,
                    ms(taken, 0.50), ms(taken, 0.90), ms(taken, 0.99), taken[taken.length - 1] / 1e6);
        }

        private static double ms(long[] sorted, double q) {
            return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))] / 1e6;
        }
    }
}
