package dev.taskmaster.server.spawn;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * A regular expression searched in text that other users control (the command lines of their
 * processes), within a time limit: Java's backtracking matcher can take years on a crafted
 * pattern/text pair ({@code (.*a){20}} on a line of a's), and the search must end. The text is
 * read through a {@link CharSequence} whose {@code charAt} checks the deadline, the one call every
 * step of the matcher makes.
 *
 * <p>Threading: stateless; any thread.
 */
final class BoundedMatch {

    /** Beyond this many characters a command line is not looked at (ARG_MAX allows megabytes). */
    static final int MAX_TEXT = 4096;

    /** Thrown out of the matcher when the time is up; never escapes {@link #find}. */
    private static final class TimeUp extends RuntimeException {
        TimeUp() {
            super(null, null, false, false);
        }
    }

    private BoundedMatch() {
    }

    /**
     * Whether {@code pattern} is found in the first {@link #MAX_TEXT} characters of {@code text};
     * false when the search takes longer than {@code limit}.
     */
    static boolean find(Pattern pattern, String text, Duration limit) {
        String cut = text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) : text;
        try {
            return pattern.matcher(new Timed(cut, System.nanoTime() + limit.toNanos())).find();
        } catch (TimeUp e) {
            return false;
        }
    }

    private record Timed(String text, long deadline) implements CharSequence {
        @Override
        public char charAt(int index) {
            if (System.nanoTime() > deadline) {
                throw new TimeUp();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Timed(text.substring(start, end), deadline);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
