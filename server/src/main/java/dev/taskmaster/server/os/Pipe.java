package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Both ends of a pipe, each an open descriptor owned by the caller (close each exactly once,
 * with {@link Fds#close}). Both are close-on-exec, so they reach a child only through
 * {@link Stdio.Fd}, and blocking until {@link Fds#setNonBlocking} says otherwise.
 *
 * <p>Threading: an immutable value.
 */
public record Pipe(int readFd, int writeFd) {

    public static Pipe create() throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            LibC.check("pipe2", LibC.pipe2(fds, LibC.O_CLOEXEC));
            return new Pipe(fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1));
        }
    }
}
