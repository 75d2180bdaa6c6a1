package dev.taskmaster.server.log;

import dev.taskmaster.server.os.Errno;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The daemon log's lines that its file could not take yet (a full disk), in order, bounded:
 * {@link #MAX_ENTRIES} entries (one logged event each: a line, or a message with its stack
 * trace) or {@link #MAX_BYTES}; what does not fit is counted, in lines and bytes. When the file
 * takes writes again, a gap notice goes first (when, how long, why, what was lost), then the held
 * lines. One hold for the daemon's life: it outlives the file streams, which a rotation replaces.
 *
 * <p>Threading: every method runs under this object's lock; the streams lock it for each write,
 * and the retry thread (started at the first failure) for each retry.
 */
final class DaemonLogHold {

    static final int MAX_ENTRIES = 1000;
    static final int MAX_BYTES = 1024 * 1024;
    private static final long FIRST_RETRY_MILLIS = 50;
    private static final long MAX_RETRY_MILLIS = 1000;
    /** As the log's own lines begin ({@link DaemonLog}'s pattern). */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private final ArrayDeque<byte[]> held = new ArrayDeque<>();
    private long heldBytes;
    /** Since the first failure of the gap in progress; null while the log is written normally. */
    private Instant since;
    private long sinceNanos;
    private String reason;
    private long lostLines;
    private long lostBytes;
    private long retryMillis = FIRST_RETRY_MILLIS;
    /** The stream writing the log now: a rotation replaces it. */
    private HoldingLogStream current;
    private ScheduledExecutorService retries;
    private boolean retryScheduled;
    // For the metrics: since the daemon started.
    private long stalls;
    private long totalLostLines;
    private long totalLostBytes;

    synchronized void attach(HoldingLogStream stream) {
        current = stream;
    }

    synchronized boolean holding() {
        return since != null;
    }

    /** A write failed: the gap begins (or goes on), and {@code entry} waits in it. */
    synchronized void hold(byte[] entry, Throwable failure) {
        if (since == null) {
            since = Instant.now();
            sinceNanos = System.nanoTime();
            reason = Errno.ioReason(failure);
            retryMillis = FIRST_RETRY_MILLIS;
            stalls++;
        }
        scheduleRetry();
        if (held.size() >= MAX_ENTRIES || heldBytes + entry.length > MAX_BYTES) {
            long lines = 0;
            for (byte b : entry) {
                if (b == '\n') {
                    lines++;
                }
            }
            lostLines += Math.max(1, lines);
            lostBytes += entry.length;
            totalLostLines += Math.max(1, lines);
            totalLostBytes += entry.length;
            return;
        }
        held.addLast(entry);
        heldBytes += entry.length;
    }

    /**
     * Writes the notice and the held lines with {@code out}; true once none is left (the gap is
     * over). A line the file does not take ends the attempt, and what is left waits.
     */
    synchronized boolean flush(EntryWriter out) {
        if (since == null) {
            return true;
        }
        if (reason != null) {
            if (out.write(notice()) != null) {
                return false;
            }
            reason = null;
            lostLines = 0;
            lostBytes = 0;
        }
        while (!held.isEmpty()) {
            Exception failure = out.write(held.peekFirst());
            if (failure != null) {
                // The notice is written: what is left waits for a notice of its own.
                since = Instant.now();
                sinceNanos = System.nanoTime();
                reason = Errno.ioReason(failure);
                stalls++;
                return false;
            }
            heldBytes -= held.removeFirst().length;
        }
        since = null;
        return true;
    }

    private byte[] notice() {
        Instant now = Instant.now();
        Duration d = Duration.ofNanos(System.nanoTime() - sinceNanos);
        String line = String.format(Locale.ROOT, "%s WARN  DaemonLog: this log could not be written from %s for %.3f s (%s);"
                + " the %d line%s logged meanwhile follow%s; %d line%s (%d byte%s) lost beyond what is kept"
                + " (%d lines or %d KiB)%n", TIME.format(now), TIME.format(since), d.toNanos() / 1e9, reason, held.size(),
                held.size() == 1 ? "" : "s", held.size() == 1 ? "s" : "", lostLines, lostLines == 1 ? "" : "s", lostBytes,
                lostBytes == 1 ? "" : "s", MAX_ENTRIES, MAX_BYTES / 1024);
        return line.getBytes(StandardCharsets.UTF_8);
    }

    private void scheduleRetry() {
        if (retryScheduled) {
            return;
        }
        retryScheduled = true;
        if (retries == null) {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                    r -> Thread.ofPlatform().name("daemon-log-retry").daemon().unstarted(r));
            executor.setRemoveOnCancelPolicy(true);
            retries = executor;
        }
        long delay = retryMillis;
        retryMillis = Math.min(MAX_RETRY_MILLIS, retryMillis * 2);
        retries.schedule(this::retry, delay, TimeUnit.MILLISECONDS);
    }

    /** The retry thread: the log is quiet, so no write would try the file again; this does. */
    private void retry() {
        HoldingLogStream stream;
        synchronized (this) {
            retryScheduled = false;
            if (since == null) {
                return;
            }
            stream = current;
        }
        boolean done = stream != null && stream.flushHeld();
        synchronized (this) {
            if (!done && since != null) {
                scheduleRetry();
            }
        }
    }

    /** Lines held now (the metrics). */
    synchronized int heldEntries() {
        return held.size();
    }

    /** Times writing the log stopped since the daemon started. */
    synchronized long stalls() {
        return stalls;
    }

    /** Lines lost because the hold was full, since the daemon started. */
    synchronized long lostLines() {
        return totalLostLines;
    }

    synchronized long lostBytes() {
        return totalLostBytes;
    }

    /** The daemon stops with lines still held: they are lost; says how many. */
    synchronized String abandon() {
        if (since == null) {
            return null;
        }
        String what = held.size() + " line" + (held.size() == 1 ? "" : "s") + " of the daemon log could not be written ("
                + (reason == null ? "" : reason + "; ") + (lostLines > 0 ? lostLines + " more were lost before" : "none lost before") + ")";
        totalLostLines += held.size();
        totalLostBytes += heldBytes;
        held.clear();
        heldBytes = 0;
        since = null;
        return what;
    }

    /** Writes one whole entry to the file, or nothing of it. */
    @FunctionalInterface
    interface EntryWriter {
        /** Null when the entry is in the file; else why it is not (and nothing of it is). */
        Exception write(byte[] entry);
    }
}
