package dev.taskmaster.client;

/**
 * A daemon target that cannot or must not be dialled, found before anything is sent: the
 * message is one whole line, ready for a user (without a program-name prefix).
 */
public final class TargetException extends RuntimeException {

    /** What kind of problem, so each client maps it to its exit code. */
    public enum Kind {
        /** The target or its settings are wrong: a bad address, a missing or malformed file, plaintext off loopback. */
        INVALID,
        /** Refused for safety: a socket or directory someone else owns or may replace, a secret readable by others. */
        UNSAFE
    }

    private final Kind kind;

    public TargetException(Kind kind, String message) {
        this(kind, message, null);
    }

    public TargetException(Kind kind, String message, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
