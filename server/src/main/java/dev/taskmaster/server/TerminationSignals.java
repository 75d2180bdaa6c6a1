package dev.taskmaster.server;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Turns SIGTERM and SIGINT into an orderly shutdown that ends with exit code 0, instead of the
 * JVM's default of dying with 128+signal. The handler only records the signal; the main
 * thread, blocked in {@link #await()}, does the work.
 */
@SuppressWarnings("removal")
final class TerminationSignals {

    private final CountDownLatch received = new CountDownLatch(1);
    private final AtomicReference<String> which = new AtomicReference<>();

    void install() {
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                which.compareAndSet(null, "SIG" + s.getName());
                received.countDown();
            });
        }
    }

    /** Blocks until a termination signal arrives; returns its name, e.g. {@code SIGTERM}. */
    String await() throws InterruptedException {
        received.await();
        return which.get();
    }
}
