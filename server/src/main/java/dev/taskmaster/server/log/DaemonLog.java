package dev.taskmaster.server.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.RollingPolicyBase;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import dev.taskmaster.config.LogLevel;
import dev.taskmaster.server.security.AuditLog;
import dev.taskmaster.config.LogRotation;
import dev.taskmaster.server.os.FileModes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Sets up the daemon's own log: a local file with size rotation and numbered backups, and
 * standard error when running in the foreground. Called once at start-up, before any thread
 * logs; logback itself is thread-safe afterwards.
 *
 * <p>Every file of the log is created with {@code server.logfile_mode}'s permissions, the
 * one at start-up and each one a rotation starts, and an existing log of ours is tightened to
 * them ({@link FileModes}): logback would create them with whatever the umask allows.
 *
 * <p>A log file that cannot be written (a full disk) loses no line silently: its lines wait in
 * a bounded hold ({@link DaemonLogHold}: 1,000 lines or 1 MiB, what does not fit counted) and,
 * once the file takes writes again, follow a gap notice ({@link HoldingLogStream}).
 */
public final class DaemonLog {

    private static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0}: %msg%n";
    /** One for the daemon's life: lines held while the log cannot be written outlive a rotation or a new configuration. */
    private static final DaemonLogHold HOLD = new DaemonLogHold();

    private DaemonLog() {
    }

    /**
     * @param permissions the mode of the log's files, e.g. {@code 0640}
     * @param console     where log lines also go in the foreground: {@code System.err}, the control
     *                    shell's {@link ConsoleStreams} line stream, or null for the file only
     * @throws IOException when the log file cannot be opened (nothing is configured then)
     */
    public static void configure(Path logfile, LogLevel level, LogRotation rotation, int permissions,
            OutputStream console) throws IOException {
        // Opened here first, so that a log that cannot be written is an error the caller sees,
        // not a status message inside logback while the daemon runs on without a log.
        FileModes.prepare(logfile, permissions);
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        Logger ours = ctx.getLogger("dev.taskmaster");
        ours.setLevel(Level.toLevel(level.name()));
        // The audit trail is written whatever the level: who did what must not depend on verbosity.
        ctx.getLogger(AuditLog.LOGGER).setLevel(Level.INFO);
        // Netty warns on every Unix-socket connection that SO_KEEPALIVE does not apply; it is noise.
        ctx.getLogger("io.grpc.netty.shaded.io.netty.bootstrap").setLevel(Level.ERROR);
        // A TLS handshake refused (no client certificate, TLS 1.1, a scanner) ends at the tail of
        // Netty's pipeline as a warning with a stack trace: one per attempt, by anyone who can
        // connect. Refused client certificates get one line from transport.tls instead.
        ctx.getLogger("io.grpc.netty.shaded.io.netty.channel.DefaultChannelPipeline").setLevel(Level.ERROR);
        Appender<ILoggingEvent> file = async(ctx, "file", fileAppender(ctx, logfile, rotation, permissions));
        if (console == null) {
            root.addAppender(file);
            return;
        }
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(ctx);
        appender.setEncoder(encoder(ctx));
        appender.setOutputStream(console);
        appender.setImmediateFlush(true);
        appender.start();
        root.addAppender(new OrderedTee(ctx, file, async(ctx, "console", appender)));
    }

    /**
     * Hands each line to both queues under one lock, so standard error shows the file's lines in
     * the file's order: two threads logging at once could otherwise pass each other between the
     * two queues. Each target keeps its own queue and thread, so a slow terminal does not hold
     * the file back until its queue is full.
     */
    private static final class OrderedTee extends ch.qos.logback.core.UnsynchronizedAppenderBase<ILoggingEvent> {
        private final Appender<ILoggingEvent> first;
        private final Appender<ILoggingEvent> second;

        OrderedTee(LoggerContext ctx, Appender<ILoggingEvent> first, Appender<ILoggingEvent> second) {
            this.first = first;
            this.second = second;
            setContext(ctx);
            setName("file+console");
            start();
        }

        @Override
        protected synchronized void append(ILoggingEvent event) {
            first.doAppend(event);
            second.doAppend(event);
        }

        @Override
        public void stop() {
            first.stop();
            second.stop();
            super.stop();
        }
    }

    /** Flushes and closes the log; the last thing the daemon does. */
    public static void close() {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
        String lost = HOLD.abandon();
        if (lost != null) {
            // The log could not take its last lines: standard error is all that is left to say it.
            System.err.println("taskmasterd: " + lost);
        }
    }

    /** Times the daemon log's file could not be written, since the daemon started (the metrics). */
    public static long stalls() {
        return HOLD.stalls();
    }

    /** Lines of the daemon log held in memory now, waiting for its file to take writes again. */
    public static int heldLines() {
        return HOLD.heldEntries();
    }

    /** Lines of the daemon log lost because the hold was full (or the daemon stopped), since it started. */
    public static long lostLines() {
        return HOLD.lostLines();
    }

    /** Bytes of those lost lines. */
    public static long lostBytes() {
        return HOLD.lostBytes();
    }

    /**
     * The engine thread logs every event; writing must not make it wait for the disk. Nothing is
     * discarded: when the queue is full (the disk is far behind), logging waits after all.
     */
    private static Appender<ILoggingEvent> async(LoggerContext ctx, String name, Appender<ILoggingEvent> target) {
        AsyncAppender async = new AsyncAppender();
        async.setContext(ctx);
        async.setName(name);
        async.setQueueSize(8192);
        async.setDiscardingThreshold(0);
        async.setMaxFlushTime(2000);
        async.addAppender(target);
        async.start();
        return async;
    }

    private static FileAppender<ILoggingEvent> fileAppender(LoggerContext ctx, Path logfile, LogRotation rotation,
            int permissions) {
        FileAppender<ILoggingEvent> appender;
        if (rotation.maxBytes() > 0) {
            RollingFileAppender<ILoggingEvent> rolling = new ModedRollingFileAppender(permissions);
            rolling.setContext(ctx);
            // Before the policies: logback reports an error for a file set after them.
            rolling.setFile(logfile.toString());
            RollingPolicyBase policy;
            if (rotation.backups() > 0) {
                FixedWindowRollingPolicy window = new FixedWindowRollingPolicy();
                window.setFileNamePattern(logfile + ".%i");
                window.setMinIndex(1);
                window.setMaxIndex(rotation.backups());
                policy = window;
            } else {
                policy = new TruncatingRollingPolicy();
            }
            policy.setContext(ctx);
            policy.setParent(rolling);
            SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
            trigger.setContext(ctx);
            trigger.setMaxFileSize(new FileSize(rotation.maxBytes()));
            // By default logback looks at the size at most once a minute: a burst of events (a
            // crash loop) could write far past logfile_maxbytes before the next look. A stat per
            // line is cheap, and it runs on the log's own thread, not the engine's.
            trigger.setCheckIncrement(ch.qos.logback.core.util.Duration.buildByMilliseconds(0));
            rolling.setRollingPolicy(policy);
            rolling.setTriggeringPolicy(trigger);
            policy.start();
            trigger.start();
            appender = rolling;
        } else {
            appender = new ModedFileAppender(permissions);
            appender.setContext(ctx);
            appender.setFile(logfile.toString());
        }
        appender.setAppend(true);
        appender.setEncoder(encoder(ctx));
        appender.start();
        return appender;
    }

    /**
     * A file appender whose file is created with {@code permissions} (or tightened to them), and
     * written through a {@link HoldingLogStream} rather than logback's own stream.
     */
    private static final class ModedFileAppender extends FileAppender<ILoggingEvent> {
        private final int permissions;

        ModedFileAppender(int permissions) {
            this.permissions = permissions;
        }

        @Override
        public void openFile(String file) throws IOException {
            streamWriteLock.lock();
            try {
                setOutputStream(new HoldingLogStream(Path.of(file), permissions, HOLD));
            } finally {
                streamWriteLock.unlock();
            }
        }
    }

    /** The same for the rolling appender, which opens its file again after every rotation. */
    private static final class ModedRollingFileAppender extends RollingFileAppender<ILoggingEvent> {
        private final int permissions;

        ModedRollingFileAppender(int permissions) {
            this.permissions = permissions;
        }

        @Override
        public void openFile(String file) throws IOException {
            streamWriteLock.lock();
            try {
                setOutputStream(new HoldingLogStream(Path.of(file), permissions, HOLD));
            } finally {
                streamWriteLock.unlock();
            }
        }
    }

    private static PatternLayoutEncoder encoder(LoggerContext ctx) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern(PATTERN);
        encoder.start();
        return encoder;
    }
}
