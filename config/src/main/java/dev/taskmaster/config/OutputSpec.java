package dev.taskmaster.config;

import java.nio.file.Path;
import java.util.Optional;

/** Where one output stream (stdout or stderr) of a program goes. */
public sealed interface OutputSpec {

    /**
     * The daemon reads the stream and writes it to a log file (appending, with rotation), and
     * keeps it for tail and attach.
     *
     * @param file the log file; empty means the default file under the instance's log directory
     */
    record Capture(Optional<Path> file) implements OutputSpec {
        public static final Capture DEFAULT = new Capture(Optional.empty());
    }

    /** The stream goes to {@code /dev/null} ({@code none} in the file). */
    record Discard() implements OutputSpec {
        public static final Discard INSTANCE = new Discard();
    }
}
