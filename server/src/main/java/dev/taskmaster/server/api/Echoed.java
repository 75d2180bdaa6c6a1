package dev.taskmaster.server.api;

/**
 * Quotes user input echoed in an error description, cut to {@link #MAX} characters: a 100 KB
 * name echoed whole would overflow a client's metadata limit (8 KiB by default in grpc-java)
 * and turn a clear INVALID_ARGUMENT or NOT_FOUND into a transport error. The same rule as
 * {@code Targets.quote} of the target parser: quoted as is up to {@link #MAX} characters,
 * beyond that cut with "…" and its length said. Stateless.
 */
final class Echoed {

    /** Most characters of user input an error description repeats. */
    static final int MAX = 200;

    private Echoed() {
    }

    /** {@code "web"}, or {@code "aaaa…" (100000 characters)} for input longer than {@link #MAX}. */
    static String quote(String input) {
        if (input.length() <= MAX) {
            return '"' + input + '"';
        }
        int end = Character.isHighSurrogate(input.charAt(MAX - 1)) ? MAX - 1 : MAX; // never half a character
        return '"' + input.substring(0, end) + "…\" (" + input.length() + " characters)";
    }
}
