package dev.taskmaster.server.output;

import java.nio.ByteBuffer;

/**
 * A copy of a stream's output as it is read, for another destination (syslog). Called on the
 * output pump thread with each batch, before the log file: it must return at once, never block
 * nor wait (hand the bytes to a bounded queue and count what does not fit), and must not keep
 * {@code bytes} past the call (copy what it needs).
 */
@FunctionalInterface
public interface OutputTap {

    void accept(ByteBuffer bytes);
}
