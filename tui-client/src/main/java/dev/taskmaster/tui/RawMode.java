package dev.taskmaster.tui;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The controlling terminal's line discipline, switched with {@code stty} on {@code /dev/tty}
 * (as Lanterna itself does): raw for a console attach, so every key (Ctrl-C, Ctrl-Z, arrows)
 * reaches the program, then back exactly as it was.
 */
final class RawMode implements AutoCloseable {

    private final String saved;

    private RawMode(String saved) {
        this.saved = saved;
    }

    /** Saves the current settings and makes the terminal raw. */
    static RawMode enter() throws IOException {
        String saved = stty("-g").strip();
        stty("raw", "-echo");
        return new RawMode(saved);
    }

    /** Puts the saved settings back. */
    @Override
    public void close() throws IOException {
        stty(saved);
    }

    private static String stty(String... args) throws IOException {
        StringBuilder cmd = new StringBuilder("stty");
        for (String a : args) {
            cmd.append(' ').append(a);
        }
        cmd.append(" < /dev/tty");
        // Output to a file, not a pipe: waiting on the process (with a deadline) cannot then
        // block on reading a pipe that a stuck stty keeps open.
        java.nio.file.Path outFile = java.nio.file.Files.createTempFile("taskmaster-tui-stty", ".out");
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", cmd.toString()).redirectErrorStream(true)
                    .redirectOutput(outFile.toFile()).start();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    throw new IOException(cmd + " did not finish in 5 s");
                }
            } catch (InterruptedException e) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException(cmd + " interrupted", e);
            }
            String out = java.nio.file.Files.readString(outFile, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(cmd + " failed: " + out.strip());
            }
            return out;
        } finally {
            java.nio.file.Files.deleteIfExists(outFile);
        }
    }
}
