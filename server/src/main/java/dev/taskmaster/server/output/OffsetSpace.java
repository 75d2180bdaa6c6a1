package dev.taskmaster.server.output;

/**
 * The three offset spaces of an instance's output (see {@code output.proto}): every byte of
 * stdout, every byte of stderr, and both in the order the daemon read them. Offsets start at 0
 * when the daemon starts managing the instance and only grow, across restarts of the process.
 */
public enum OffsetSpace {
    STDOUT,
    STDERR,
    COMBINED;

    /** Whether bytes of {@code stream} belong to this space. */
    boolean holds(StdStream stream) {
        return this == COMBINED || ordinal() == stream.ordinal();
    }
}
