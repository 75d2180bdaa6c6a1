package dev.taskmaster.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reading files a test waits on (a program's log, a pidfile) that may not exist yet.
 *
 * <p>Threading: static and stateless; call from any thread.
 */
public final class TestFiles {

    private TestFiles() {
    }

    /** The file's text (UTF-8), or "" while it does not exist; any other failure is unchecked. */
    public static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
