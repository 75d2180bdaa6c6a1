package dev.taskmaster.server.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * CPU time and resident memory of one process from {@code /proc/PID/stat}, read when a scrape
 * asks: nothing is sampled in between.
 *
 * <p>Threading: stateless; any thread (never the engine's: it reads files).
 */
final class ProcUsage {

    /** /proc counts CPU time in USER_HZ ticks, 100 per second on every Linux architecture. */
    private static final double SECONDS_PER_TICK = 0.01;
    /** Page size of x86-64 and arm64 Linux (the only platforms the daemon runs on). */
    private static final long PAGE_BYTES = 4096;

    record Usage(double cpuSeconds, long rssBytes) {
    }

    private final Path proc;

    ProcUsage(Path proc) {
        this.proc = proc;
    }

    Optional<Usage> of(int pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        String stat;
        try {
            stat = new String(Files.readAllBytes(proc.resolve(Integer.toString(pid)).resolve("stat")), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException gone) {
            return Optional.empty();
        }
        // "pid (comm) state ...": comm may hold spaces and parentheses; fields are counted after the last ')'.
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) {
            return Optional.empty();
        }
        String[] f = stat.substring(close + 2).split(" ", 23);
        if (f.length < 22) {
            return Optional.empty();
        }
        try {
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
            return Optional.of(new Usage(ticks * SECONDS_PER_TICK, Long.parseLong(f[21]) * PAGE_BYTES)); // rss (field 24)
        } catch (NumberFormatException odd) {
            return Optional.empty();
        }
    }
}
