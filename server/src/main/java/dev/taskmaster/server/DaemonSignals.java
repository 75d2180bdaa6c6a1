package dev.taskmaster.server;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Catches SIGTERM, SIGINT (shut down), SIGHUP (reload) and SIGUSR2 (reopen the program log
 * files) and hands them, in order, to the
 * daemon's main thread. The handlers only enqueue; the main thread does the work. Without
 * this, the JVM would die on SIGTERM with 128+15 and leave the children behind.
 */
@SuppressWarnings("removal")
final class DaemonSignals {

    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    void install() {
        for (String name : new String[] {"TERM", "INT", "HUP", "USR2"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> received.add("SIG" + s.getName()));
        }
    }

    /** A shutdown asked for by other means than a signal (the API); {@code reason} is logged. */
    void request(String reason) {
        received.add(reason);
    }

    /** Blocks until the next signal or request; returns its name, e.g. {@code SIGHUP}, or the reason. */
    String next() throws InterruptedException {
        return received.take();
    }
}
