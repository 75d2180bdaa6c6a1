package dev.taskmaster.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How a program finds its process among those already running ({@code adopt:}): before it runs
 * {@code cmd}, and after a {@code cmd} that daemonizes (forks and exits), the daemon looks for
 * it and adopts it instead of starting another.
 */
public sealed interface AdoptSpec {

    /** The configuration key that says it: {@code pidfile} or {@code match}. */
    String key();

    /** The value as written: the path, or the pattern. */
    String value();

    /** The process whose pid this file holds (a decimal number; surrounding white space allowed). */
    record Pidfile(Path path) implements AdoptSpec {
        public Pidfile {
            Objects.requireNonNull(path);
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException("pidfile must be absolute: " + path);
            }
        }

        @Override
        public String key() {
            return "pidfile";
        }

        @Override
        public String value() {
            return path.toString();
        }
    }

    /**
     * The newest process whose whole command line (arguments joined by spaces, as {@code pgrep -f}
     * reads it) this regular expression finds, among those that are neither the daemon's nor any
     * program's.
     */
    record Match(String pattern) implements AdoptSpec {
        public Match {
            if (pattern.isEmpty()) {
                throw new IllegalArgumentException("empty match pattern");
            }
            java.util.regex.Pattern.compile(pattern);
        }

        @Override
        public String key() {
            return "match";
        }

        @Override
        public String value() {
            return pattern;
        }
    }
}
