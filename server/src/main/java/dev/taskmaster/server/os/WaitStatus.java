package dev.taskmaster.server.os;

/**
 * How a child ended, exactly as the kernel reported it.
 *
 * <p>Threading: immutable values.
 */
public sealed interface WaitStatus {

    /** The child called {@code exit(code)}; {@code code} is 0 … 255. */
    record Exited(int code) implements WaitStatus {}

    /** A signal ended the child; {@code coreDumped} when the kernel wrote a core dump. */
    record Killed(int signal, boolean coreDumped) implements WaitStatus {}
}
