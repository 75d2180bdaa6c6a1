package dev.taskmaster.server.metrics;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Path;

/**
 * CPU time and resident memory of one process from {@code /proc/PID/stat}, read when a scrape
 * asks: nothing is sampled in between. A scrape of 1,000 programs reads 1,000 of these files,
 * so the file is read into a buffer kept between reads and its numbers parsed from the bytes,
 * with no string made.
 *
 * <p>Threading: one reader at a time (the buffer); never the engine's thread (it reads files).
 */
final class ProcUsage {

    /** /proc counts CPU time in USER_HZ ticks, 100 per second on every Linux architecture. */
    private static final double SECONDS_PER_TICK = 0.01;
    /** Page size of x86-64 and arm64 Linux (the only platforms the daemon runs on). */
    private static final long PAGE_BYTES = 4096;
    /** Fields after "pid (comm) ": state is the first (field 3 of proc(5)); utime is field 14. */
    private static final int UTIME = 11;
    private static final int STIME = 12;
    private static final int RSS = 21;

    record Usage(double cpuSeconds, long rssBytes) {
    }

    private final String proc;
    /** A stat line is about 300 bytes; a comm of 64 would still fit. */
    private final byte[] buffer = new byte[1024];

    ProcUsage(Path proc) {
        this.proc = proc.toString() + "/";
    }

    /** The usage of {@code pid}, or null when it is gone or its stat cannot be read. */
    synchronized Usage of(int pid) {
        if (pid <= 0) {
            return null;
        }
        int n = 0;
        try (FileInputStream in = new FileInputStream(proc + pid + "/stat")) {
            int r;
            while (n < buffer.length && (r = in.read(buffer, n, buffer.length - n)) > 0) {
                n += r;
            }
        } catch (IOException | RuntimeException gone) {
            return null;
        }
        // "pid (comm) state ...": comm may hold spaces and parentheses; fields are counted after the last ')'.
        int at = n - 1;
        while (at >= 0 && buffer[at] != ')') {
            at--;
        }
        if (at < 0) {
            return null;
        }
        at += 2;
        long utime = -1;
        long stime = -1;
        for (int field = 0; field <= RSS; field++) {
            if (at >= n) {
                return null;
            }
            if (field == UTIME || field == STIME || field == RSS) {
                long v = 0;
                int start = at;
                boolean negative = at < n && buffer[at] == '-';
                if (negative) {
                    at++;
                }
                while (at < n && buffer[at] >= '0' && buffer[at] <= '9') {
                    v = v * 10 + (buffer[at++] - '0');
                }
                if (at == start || at < n && buffer[at] != ' ' && buffer[at] != '\n') {
                    return null;
                }
                v = negative ? -v : v;
                switch (field) {
                    case UTIME -> utime = v;
                    case STIME -> stime = v;
                    default -> {
                        return new Usage((utime + stime) * SECONDS_PER_TICK, v * PAGE_BYTES);
                    }
                }
            } else {
                while (at < n && buffer[at] != ' ') {
                    at++;
                }
            }
            at++; // the space
        }
        return null;
    }
}
