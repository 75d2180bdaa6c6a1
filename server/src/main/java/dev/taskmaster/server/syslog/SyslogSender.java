package dev.taskmaster.server.syslog;

import dev.taskmaster.config.SyslogSpec;
import dev.taskmaster.server.os.NativeException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends lines to the local syslog socket from one thread of its own, through a bounded queue:
 * {@link #offer} never blocks nor waits, so neither the engine nor an output pump is ever held
 * by a slow or stopped syslog daemon; a line that does not fit is dropped and counted
 * ({@link #dropped}). A socket that is missing or refuses lines (no syslog daemon) gives one
 * warning in the daemon log until it works again, never a failure; its lines are counted as
 * {@link #undelivered}.
 *
 * <p>Threading: {@link #offer} and the counters from any thread; {@link #close} once.
 */
public final class SyslogSender implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SyslogSender.class);
    /** Lines waiting at most: a few seconds of a chatty program; beyond, lines are dropped and counted. */
    public static final int QUEUE_LINES = 10_000;
    /** How long a full socket buffer (a busy syslog daemon) is waited for before a retry. */
    private static final long BUSY_WAIT_MILLIS = 20;

    private record Line(Severity severity, String tag, Instant time, String text) {
    }

    private final Path socket;
    private final SyslogFormat format;
    private final Clock clock;
    private final BlockingQueue<Line> queue;
    private final LongAdder sent = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder undelivered = new LongAdder();
    private final Thread thread;
    private volatile boolean closed;
    /** Sender thread only: why the socket cannot be used now (null while it works), for one warning per outage. */
    private String outage;
    private long lostInOutage;

    public SyslogSender(SyslogSpec spec) {
        this(spec, QUEUE_LINES, Clock.systemUTC());
    }

    SyslogSender(SyslogSpec spec, int queueLines, Clock clock) {
        this.socket = spec.socket();
        this.format = new SyslogFormat(spec, ProcessHandle.current().pid(), ZoneId.systemDefault());
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(queueLines);
        this.thread = Thread.ofPlatform().daemon().name("syslog-sender").unstarted(this::run);
        thread.start();
    }

    /** Queues one line for syslog; false (and counted as dropped) when the queue is full. Never blocks. */
    public boolean offer(Severity severity, String tag, String text) {
        if (closed || !queue.offer(new Line(severity, tag, clock.instant(), text))) {
            dropped.increment();
            return false;
        }
        return true;
    }

    /** Lines the syslog socket took. */
    public long sent() {
        return sent.sum();
    }

    /** Lines dropped because the queue was full (syslog slower than the lines came). */
    public long dropped() {
        return dropped.sum();
    }

    /** Lines the socket did not take: missing, refused, or the daemon stopping before they went. */
    public long undelivered() {
        return undelivered.sum();
    }

    /** Lines waiting now. */
    public int queued() {
        return queue.size();
    }

    public Path socket() {
        return socket;
    }

    private void run() {
        try (UnixDatagram out = UnixDatagram.sender(SyslogFormat.MAX_TEXT_BYTES + 512)) {
            while (!closed) {
                Line line = queue.poll(200, TimeUnit.MILLISECONDS);
                if (line != null) {
                    send(out, line);
                }
            }
        } catch (NativeException e) {
            log.warn("syslog: cannot open a socket to send with ({}); nothing goes to syslog", e.getMessage());
            closed = true;
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
        } finally {
            undelivered.add(queue.size());
            queue.clear();
        }
    }

    private void send(UnixDatagram out, Line line) throws InterruptedException {
        byte[] datagram = format.datagram(line.severity(), line.tag(), line.time(), line.text());
        while (!closed) {
            try {
                if (out.send(socket, datagram) == UnixDatagram.Sent.SENT) {
                    sent.increment();
                    if (outage != null) {
                        log.info("syslog: {} takes lines again; {} line(s) could not be sent meanwhile", socket, lostInOutage);
                        outage = null;
                    }
                    return;
                }
                Thread.sleep(BUSY_WAIT_MILLIS); // its buffer is full: the queue holds (and counts) the rest meanwhile
            } catch (NativeException e) {
                undelivered.increment();
                if (outage == null) {
                    outage = e.errnoName();
                    lostInOutage = 0;
                    log.warn("syslog: cannot send to {} ({}); the daemon goes on without syslog, and says when it"
                            + " works again", socket, e.getMessage());
                }
                lostInOutage++;
                return;
            }
        }
        undelivered.increment();
    }

    /** Stops the thread, sending what can go within {@code waitMillis} first. */
    public void close(long waitMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        while (!queue.isEmpty() && System.nanoTime() < deadline && thread.isAlive()) {
            Thread.onSpinWait();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        closed = true;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(500);
    }
}
