package dev.taskmaster.server.log;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Where the daemon's log lines go in the foreground. Logback closes an appender's stream when
 * the log stops, so neither of these closes what it writes to. Written by logback's one
 * asynchronous appender thread.
 */
public final class ConsoleStreams {

    private ConsoleStreams() {
    }

    /** Standard error, left open when the log stops. */
    public static OutputStream stderr() {
        PrintStream err = System.err;
        return new OutputStream() {
            @Override
            public void write(int b) {
                err.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                err.write(b, off, len);
            }

            @Override
            public void flush() {
                err.flush();
            }
        };
    }

    /**
     * Whole lines, each handed to {@code printAbove} (the control shell prints them above its
     * prompt so that a log line never lands in the middle of what the user is typing).
     */
    public static OutputStream lines(Consumer<String> printAbove) {
        return new OutputStream() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

            @Override
            public synchronized void write(int b) {
                if (b == '\n') {
                    printAbove.accept(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                } else {
                    line.write(b);
                }
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                for (int i = off; i < off + len; i++) {
                    write(b[i]);
                }
            }
        };
    }
}
