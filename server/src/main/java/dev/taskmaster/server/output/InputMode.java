package dev.taskmaster.server.output;

/** What an attach session asked for when it attached (see {@code InputMode} in output.proto). */
public enum InputMode {
    /** Watch only. */
    READ_ONLY,
    /** The lease alone, if nobody holds it. */
    EXCLUSIVE,
    /** The lease together with other sharing sessions, if nobody holds it alone. */
    SHARED,
    /** The lease alone, taken from whoever holds it. */
    TAKE_OVER
}
