package dev.taskmaster.server.output;

import dev.taskmaster.config.LogFullPolicy;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.os.Errno;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one stream of one instance into its log file, and carries it through a log that
 * cannot be written (a full disk, a quota, an I/O error) by the instance's {@code on_log_full}:
 *
 * <ul>
 * <li>{@code block}: the bytes not written are kept, and the pump is told to stop reading the
 *     pipe(s) they came from, so the program is held back by its full pipe; a retry thread
 *     writes them once the file takes them again (50 ms, then twice as long each time up to
 *     1 s), then the pipes are read again. Nothing is lost.</li>
 * <li>{@code drop}: the pipe is read on, and what cannot be written is dropped and counted,
 *     exactly, in bytes and lines; writing is tried again on the same schedule, and resumes at
 *     the next line start of the stream, so the file never holds part of a line.</li>
 * </ul>
 *
 * Either way the stop and the resumption are reported ({@link EngineEvent.LogWritingStopped},
 * {@link EngineEvent.LogWritingResumed}: events and daemon log lines), and a marker line goes
 * into the file at the gap: {@code [taskmaster: … ; N lines (B bytes) lost]}.
 *
 * <p>Threading: {@link #write} and {@link #streamEnded} run on the output pump thread, retries
 * on the {@link LogRetries} thread, the counters are read from any thread. While the log is
 * written normally a batch costs one volatile read more than the write itself, and no lock;
 * everything about a gap happens under this object's lock.
 */
final class LogWriter {

    private static final Logger log = LoggerFactory.getLogger(LogWriter.class);
    private static final long FIRST_RETRY_MILLIS = 50;
    private static final long MAX_RETRY_MILLIS = 1000;
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ISO_INSTANT;

    private final ProcessOutput output;
    private final StdStream stream;
    private final LogRetries retries;
    /** The stop in progress; null while the log is written normally. Set by the pump thread only. */
    private volatile Gap gap;
    // Counters since the daemon started: written under this writer's lock, read without it, so
    // that status never waits for a write that hangs (the lock is held across file I/O).
    private volatile long bytesDropped;
    private volatile long linesDropped;
    private volatile long stalls;
    private volatile long nanosBlocked;

    /** One stop of writing, from the failed write to the marker. Guarded by the writer's lock. */
    private static final class Gap {
        final long startNanos = System.nanoTime();
        final Instant start = Instant.now();
        final String reason;
        final Path file;
        /** Written under the lock; volatile for the counters' lock-free reads. */
        volatile LogFullPolicy policy;
        /** While the policy is block: when the program began to be held back. */
        final long blockedSince;
        long bytesLost;
        long linesLost;
        /** Drop: whether the stream is at a line start (what was lost ended a line). */
        boolean lineEnded = true;
        /** Block: the bytes read but not written, in order. */
        final Pending pending = new Pending();
        /** Block: the pipes held back, each resumed once. */
        final Set<Runnable> held = new LinkedHashSet<>();
        boolean markerWritten;
        long retryMillis = FIRST_RETRY_MILLIS;
        long nextTryNanos;

        Gap(String reason, Path file, LogFullPolicy policy) {
            this.reason = reason;
            this.file = file;
            this.policy = policy;
            this.blockedSince = startNanos;
            this.nextTryNanos = startNanos + FIRST_RETRY_MILLIS * 1_000_000;
        }
    }

    LogWriter(ProcessOutput output, StdStream stream, LogRetries retries) {
        this.output = output;
        this.stream = stream;
        this.retries = retries;
    }

    /**
     * Writes one batch into {@code file}. Returns false when the pipe must not be read until
     * {@code resume} runs (block, and the file cannot take the batch). Pump thread.
     */
    boolean write(RotatingLogFile file, ByteBuffer bytes, Runnable resume) {
        if (gap == null) {
            int from = bytes.position();
            try {
                file.write(bytes, this);
                return true;
            } catch (java.io.IOException | RuntimeException e) {
                synchronized (this) {
                    return stopped(file, bytes, from, e, resume);
                }
            }
        }
        synchronized (this) {
            return duringGap(file, bytes, resume);
        }
    }

    /** End of file on one of this stream's pipes. Pump thread. */
    synchronized void streamEnded() {
        Gap g = gap;
        if (g != null && g.policy == LogFullPolicy.DROP && !g.lineEnded) {
            // The rest of that line will never come: it is lost whole.
            countLines(g, 1);
            g.lineEnded = true;
        }
    }

    private boolean writeNow(RotatingLogFile file, ByteBuffer bytes, Runnable resume) {
        int from = bytes.position();
        try {
            file.write(bytes, this);
            return true;
        } catch (java.io.IOException | RuntimeException e) {
            return stopped(file, bytes, from, e, resume);
        }
    }

    /** A write failed: a gap begins. Under the lock. */
    private boolean stopped(RotatingLogFile file, ByteBuffer bytes, int from, Exception e, Runnable resume) {
        if (e instanceof RuntimeException) {
            log.error("{}: writing {} to {} failed", output.name(), streamName(), file.path(), e);
        }
        int written = 0;
        byte[] retracted = new byte[0];
        if (e instanceof RotatingLogFile.WriteFailed f) {
            written = f.written();
            retracted = f.retracted();
        }
        Gap g = new Gap(reason(e), file.path(), output.policy());
        stalls++;
        String name = output.name();
        String streamName = streamName();
        LogFullPolicy policy = g.policy;
        retries.report((seq, t) -> new EngineEvent.LogWritingStopped(seq, t, name, streamName, g.file, policy, g.reason));
        if (g.policy == LogFullPolicy.BLOCK) {
            g.pending.add(retracted, 0, retracted.length);
            g.pending.add(bytes, from + written, bytes.limit());
            g.held.add(resume);
        } else {
            lose(g, ByteBuffer.wrap(retracted), 0, retracted.length);
            lose(g, bytes, from + written, bytes.limit());
        }
        gap = g;
        retries.schedule(() -> retry(g), g.retryMillis);
        return g.policy != LogFullPolicy.BLOCK;
    }

    /** A batch while writing is stopped. Under the lock, on the pump thread. */
    private boolean duringGap(RotatingLogFile file, ByteBuffer bytes, Runnable resume) {
        Gap g = gap;
        if (g == null) {
            return writeNow(file, bytes, resume); // resumed meanwhile
        }
        if (g.policy == LogFullPolicy.BLOCK) {
            // Another pipe of this stream (a new run of the program): held back too, its bytes after the others.
            g.pending.add(bytes, bytes.position(), bytes.limit());
            g.held.add(resume);
            return false;
        }
        int from = bytes.position();
        int to = bytes.limit();
        if (!g.lineEnded) {
            int nl = firstNewline(bytes, from, to);
            if (nl < 0) {
                lose(g, bytes, from, to);
                return true;
            }
            lose(g, bytes, from, nl + 1);
            from = nl + 1;
        }
        if (System.nanoTime() - g.nextTryNanos >= 0 && resumeDropped(g, file)) {
            bytes.position(from);
            return from == to || writeNow(file, bytes, resume);
        }
        lose(g, bytes, from, to);
        return true;
    }

    /** The retry thread's turn: try to end the gap {@code g}. */
    private void retry(Gap g) {
        List<Runnable> resumes = List.of();
        synchronized (this) {
            if (gap != g) {
                return; // ended meanwhile (a drop gap can end on the pump thread)
            }
            RotatingLogFile file = output.log(stream);
            if (file == null) {
                // The stream is no longer logged (a new setting, or the instance is gone): nothing to wait for.
                lose(g, g.pending.buffer(), 0, g.pending.length());
                g.pending.clear();
                if (!g.lineEnded) {
                    countLines(g, 1);
                }
                resumes = end(g);
            } else {
                if (g.policy == LogFullPolicy.BLOCK && output.policy() == LogFullPolicy.DROP) {
                    // on_log_full became drop: what was held back is dropped, and the program runs on.
                    nanosBlocked += System.nanoTime() - g.blockedSince;
                    g.policy = LogFullPolicy.DROP;
                    lose(g, g.pending.buffer(), 0, g.pending.length());
                    g.pending.clear();
                    resumes = new ArrayList<>(g.held);
                    g.held.clear();
                }
                if (g.policy == LogFullPolicy.DROP && !g.lineEnded) {
                    // The marker must wait for the line being dropped to end: the next batch tries, at
                    // once; the timer backs off, or a progress bar without newlines keeps it busy.
                    g.nextTryNanos = System.nanoTime();
                    g.retryMillis = Math.min(MAX_RETRY_MILLIS, g.retryMillis * 2);
                    retries.schedule(() -> retry(g), g.retryMillis);
                } else if (g.policy == LogFullPolicy.BLOCK ? resumeHeld(g, file) : resumeDropped(g, file)) {
                    if (g.policy == LogFullPolicy.BLOCK) {
                        resumes = end(g);
                    }
                } else {
                    g.retryMillis = Math.min(MAX_RETRY_MILLIS, g.retryMillis * 2);
                    g.nextTryNanos = System.nanoTime() + g.retryMillis * 1_000_000;
                    retries.schedule(() -> retry(g), g.retryMillis);
                }
            }
        }
        resumes.forEach(Runnable::run);
    }

    /** Block: the marker, then everything held back. True once all of it is in the file. Under the lock. */
    private boolean resumeHeld(Gap g, RotatingLogFile file) {
        try {
            if (!g.markerWritten) {
                file.writeMarker(marker(g));
                g.markerWritten = true;
            }
            ByteBuffer rest = g.pending.asBuffer();
            try {
                file.write(rest, this);
            } catch (RotatingLogFile.WriteFailed f) {
                // Part of it went in: keep what did not, in order, and wait again.
                byte[] back = f.retracted();
                g.pending.keepFrom(f.written(), back);
                return false;
            }
            g.pending.clear();
            return true;
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    /** Drop: the marker, at a line start of the stream. True if it went in (the gap is then over). Under the lock. */
    private boolean resumeDropped(Gap g, RotatingLogFile file) {
        try {
            file.writeMarker(marker(g));
        } catch (java.io.IOException | RuntimeException e) {
            g.nextTryNanos = System.nanoTime() + g.retryMillis * 1_000_000;
            return false;
        }
        end(g);
        return true;
    }

    /** The gap is over: counters, the report; returns the pipes to read again. Under the lock. */
    private List<Runnable> end(Gap g) {
        long now = System.nanoTime();
        if (g.policy == LogFullPolicy.BLOCK) {
            nanosBlocked += now - g.blockedSince;
        }
        Duration stoppedFor = Duration.ofNanos(now - g.startNanos);
        String name = output.name();
        String streamName = streamName();
        LogFullPolicy policy = g.policy;
        long bytes = g.bytesLost;
        long lines = g.linesLost;
        retries.report((seq, t) -> new EngineEvent.LogWritingResumed(seq, t, name, streamName, g.file, policy, g.reason,
                stoppedFor, bytes, lines));
        gap = null;
        List<Runnable> resumes = new ArrayList<>(g.held);
        g.held.clear();
        return resumes;
    }

    /**
     * The daemon stops while writing is stopped: what is held back is lost, and said so, since
     * no marker can be written. Any thread, once the pump has stopped.
     */
    synchronized void abandon() {
        Gap g = gap;
        if (g == null) {
            return;
        }
        lose(g, g.pending.buffer(), 0, g.pending.length());
        g.pending.clear();
        if (!g.lineEnded) {
            countLines(g, 1);
        }
        if (g.policy == LogFullPolicy.BLOCK) {
            nanosBlocked += System.nanoTime() - g.blockedSince;
        }
        log.warn("{}: {} could not be written to {} when the daemon stopped ({}): {}", output.name(), streamName(), g.file,
                g.reason, dev.taskmaster.server.engine.EventLogger.lost(g.linesLost, g.bytesLost));
        gap = null;
    }

    /** Drops {@code bytes[from, to)}, counting bytes and the lines they end. Under the lock. */
    private void lose(Gap g, ByteBuffer bytes, int from, int to) {
        if (to <= from) {
            return;
        }
        int lines = Newlines.count(bytes, from, to);
        g.bytesLost += to - from;
        bytesDropped += to - from;
        countLines(g, lines);
        g.lineEnded = bytes.get(to - 1) == '\n';
    }

    private void countLines(Gap g, long lines) {
        g.linesLost += lines;
        linesDropped += lines;
    }

    private String marker(Gap g) {
        double seconds = (System.nanoTime() - g.startNanos) / 1e9;
        return String.format(Locale.ROOT, "[taskmaster: %s %s could not be written from %s for %.3f s: %s; on_log_full: %s;"
                + " %d %s (%d %s) lost]", output.name(), streamName(), WHEN.format(g.start), seconds, g.reason,
                g.policy.configValue(), g.linesLost, g.linesLost == 1 ? "line" : "lines", g.bytesLost,
                g.bytesLost == 1 ? "byte" : "bytes");
    }

    private String streamName() {
        return stream.name().toLowerCase(Locale.ROOT);
    }

    /** One line: the error's text, with its errno name when it is one a write ends with ({@code ENOSPC}…). */
    static String reason(Throwable e) {
        return Errno.ioReason(e instanceof RotatingLogFile.WriteFailed && e.getCause() != null ? e.getCause() : e);
    }

    private static int firstNewline(ByteBuffer b, int from, int to) {
        return Newlines.first(b, from, to);
    }

    // ---- counters, any thread ------------------------------------------------------------------

    long bytesDropped() {
        return bytesDropped;
    }

    long linesDropped() {
        return linesDropped;
    }

    long stalls() {
        return stalls;
    }

    /** Time the program was held back, the stop in progress included (may be off by one gap's length while it ends). */
    long nanosBlocked() {
        Gap g = gap;
        return nanosBlocked + (g != null && g.policy == LogFullPolicy.BLOCK ? System.nanoTime() - g.blockedSince : 0);
    }

    /** Why writing is stopped now; empty while it is not. */
    Optional<String> stoppedReason() {
        Gap g = gap;
        return g == null ? Optional.empty() : Optional.of(g.reason);
    }

    /** Bytes held back in order: a growable array. */
    private static final class Pending {
        private byte[] bytes = new byte[0];
        private int length;

        void add(byte[] b, int from, int to) {
            add(ByteBuffer.wrap(b), from, to);
        }

        void add(ByteBuffer b, int from, int to) {
            int n = to - from;
            if (n <= 0) {
                return;
            }
            if (bytes.length < length + n) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(length + n, bytes.length * 2));
            }
            b.get(from, bytes, length, n);
            length += n;
        }

        /** After a write that took the first {@code written} bytes and gave back {@code back}: back, then the rest. */
        void keepFrom(int written, byte[] back) {
            byte[] next = new byte[back.length + length - written];
            System.arraycopy(back, 0, next, 0, back.length);
            System.arraycopy(bytes, written, next, back.length, length - written);
            bytes = next;
            length = next.length;
        }

        ByteBuffer asBuffer() {
            return ByteBuffer.wrap(bytes, 0, length);
        }

        ByteBuffer buffer() {
            return ByteBuffer.wrap(bytes);
        }

        int length() {
            return length;
        }

        void clear() {
            bytes = new byte[0];
            length = 0;
        }
    }
}
