package dev.taskmaster.server.run;

import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.Signals;
import java.util.concurrent.BlockingQueue;

/**
 * Catches SIGINT (Ctrl-C), SIGTERM and SIGHUP (the terminal went away) for
 * {@code taskmasterd run}, which stops its program gracefully on any of them, and hands each to
 * the main thread's queue. The handlers only enqueue. A signal inherited as ignored is taken
 * back first, or a run started in the background by a script could not be stopped by SIGINT.
 */
@SuppressWarnings("removal")
final class RunSignals {

    private RunSignals() {
    }

    /** From now on, each of the three signals puts a {@link RunEvent.SignalReceived} into {@code queue}. */
    static void install(BlockingQueue<RunEvent> queue) {
        for (String name : new String[] {"INT", "TERM", "HUP"}) {
            sun.misc.Signal signal = new sun.misc.Signal(name);
            try {
                if (Signals.isIgnored(signal.getNumber())) {
                    Signals.setDefault(signal.getNumber());
                }
            } catch (NativeException e) {
                org.slf4j.LoggerFactory.getLogger(RunSignals.class).warn("cannot take back SIG{}: {}", name, e.getMessage());
            }
            sun.misc.Signal.handle(signal, s -> queue.add(new RunEvent.SignalReceived("SIG" + s.getName(), s.getNumber())));
        }
    }
}
