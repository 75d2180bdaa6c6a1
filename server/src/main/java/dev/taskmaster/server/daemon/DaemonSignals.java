package dev.taskmaster.server.daemon;

import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.Signals;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.LoggerFactory;

/**
 * Catches SIGTERM, SIGINT (shut down), SIGHUP (reload) and SIGUSR2 (reopen the program log
 * files) and hands them, in order, to the
 * daemon's main thread. The handlers only enqueue; the main thread does the work. Without
 * this, the JVM would die on SIGTERM with 128+15 and leave the children behind. Signals
 * inherited as ignored are taken back (see {@link #defaultIfIgnored}).
 */
@SuppressWarnings("removal")
final class DaemonSignals {

    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    void install() {
        for (String name : new String[] {"TERM", "INT", "HUP", "USR2"}) {
            sun.misc.Signal signal = new sun.misc.Signal(name);
            defaultIfIgnored(signal.getNumber());
            sun.misc.Signal.handle(signal, s -> received.add("SIG" + s.getName()));
        }
    }

    /**
     * A signal ignored by whoever started the daemon stays ignored across exec: SIGINT for a
     * program started in the background by a script, SIGHUP under nohup. The JVM then keeps it
     * ignored rather than take it over, and reload or shutdown by that signal would silently do
     * nothing. The daemon decides what these signals mean, so it takes them back first.
     */
    private static void defaultIfIgnored(int signal) {
        try {
            if (Signals.isIgnored(signal)) {
                Signals.setDefault(signal);
            }
        } catch (NativeException e) {
            LoggerFactory.getLogger(DaemonSignals.class).warn("cannot take back signal {}: {}", signal, e.getMessage());
        }
    }

    /** A shutdown asked for by other means than a signal (the API); {@code reason} is logged. */
    void request(String reason) {
        received.add(reason);
    }

    /**
     * Whether a stop (SIGTERM, SIGINT, a shutdown request) waits in the queue: one that arrived
     * during a re-exec must not be dropped by the exec. A reload or a log reopen may be: the new
     * program reads its configuration and opens its logs anyway.
     */
    boolean stopPending(String... alsoIgnored) {
        java.util.Set<String> notStops = new java.util.HashSet<>(java.util.List.of("SIGHUP", "SIGUSR2"));
        notStops.addAll(java.util.List.of(alsoIgnored));
        return received.stream().anyMatch(r -> !notStops.contains(r));
    }

    /** Blocks until the next signal or request; returns its name, e.g. {@code SIGHUP}, or the reason. */
    String next() throws InterruptedException {
        return received.take();
    }
}
