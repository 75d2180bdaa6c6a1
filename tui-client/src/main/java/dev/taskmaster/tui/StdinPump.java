package dev.taskmaster.tui;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The one thread that reads the terminal: it hands each run of bytes to the current sink
 * (the monitor's {@link KeyPipe}, or an attached console), and {@code onEnd} when input ends.
 * A blocking read, so it costs nothing while nobody types.
 */
final class StdinPump implements Runnable {

    private final InputStream in;
    private final Runnable onEnd;
    private volatile Consumer<byte[]> sink;

    StdinPump(InputStream in, Consumer<byte[]> sink, Runnable onEnd) {
        this.in = in;
        this.sink = sink;
        this.onEnd = onEnd;
    }

    /** Routes input to {@code next} from now on and returns the sink it replaces. */
    Consumer<byte[]> swap(Consumer<byte[]> next) {
        Consumer<byte[]> previous = sink;
        sink = next;
        return previous;
    }

    Thread startDaemon() {
        return Thread.ofPlatform().daemon().name("tui-stdin").start(this);
    }

    @Override
    public void run() {
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (n > 0) {
                    try {
                        sink.accept(Arrays.copyOf(buf, n));
                    } catch (RuntimeException e) {
                        // A sink's failure must not stop the keyboard.
                        System.getLogger("taskmaster-tui").log(System.Logger.Level.DEBUG, "input sink failed", e);
                    }
                }
            }
        } catch (IOException e) {
            // The terminal went away: same as end of input.
        }
        onEnd.run();
    }
}
