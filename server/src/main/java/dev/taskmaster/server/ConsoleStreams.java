package dev.taskmaster.server;

import dev.taskmaster.cli.EmbeddedShell;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Where the daemon's log lines go in the foreground. Logback closes an appender's stream when
 * the log stops, so neither of these closes what it writes to. Written by logback's one
 * asynchronous appender thread.
 */
final class ConsoleStreams {

    private ConsoleStreams() {
    }

    /** Standard error, left open when the log stops. */
    static OutputStream stderr() {
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
     * Whole lines, printed above the control shell's prompt so that a log line never lands in
     * the middle of what the user is typing.
     */
    static OutputStream shell(EmbeddedShell shell) {
        return new OutputStream() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

            @Override
            public synchronized void write(int b) {
                if (b == '\n') {
                    shell.printAbove(line.toString(StandardCharsets.UTF_8));
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
