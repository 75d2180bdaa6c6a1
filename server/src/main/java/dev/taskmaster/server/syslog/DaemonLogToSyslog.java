package dev.taskmaster.server.syslog;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import org.slf4j.LoggerFactory;

/**
 * The daemon's log, line by line, to syslog ({@code server.syslog}): an appender beside the
 * log file's, at the same level, each line tagged with {@code server.syslog.tag} and the
 * severity of its level. It only queues ({@link SyslogSender#offer}): a logging thread never
 * waits for syslog.
 *
 * <p>Threading: logback calls it from any thread; {@link #attach} after each
 * (re)configuration of the daemon log, which removes every appender.
 */
public final class DaemonLogToSyslog extends UnsynchronizedAppenderBase<ILoggingEvent> {

    static final String NAME = "syslog";

    private final SyslogSender sender;
    private final String tag;

    private DaemonLogToSyslog(SyslogSender sender, String tag) {
        this.sender = sender;
        this.tag = tag;
    }

    /** Adds the appender to the daemon log's root logger (once: a second call replaces the first). */
    public static void attach(SyslogSender sender, String tag) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAppender(NAME);
        DaemonLogToSyslog appender = new DaemonLogToSyslog(sender, tag);
        appender.setContext(ctx);
        appender.setName(NAME);
        appender.start();
        root.addAppender(appender);
    }

    @Override
    protected void append(ILoggingEvent event) {
        String name = event.getLoggerName();
        String text = name.substring(name.lastIndexOf('.') + 1) + ": " + event.getFormattedMessage();
        IThrowableProxy t = event.getThrowableProxy();
        if (t != null) {
            text += ": " + t.getClassName() + (t.getMessage() != null ? ": " + t.getMessage() : "")
                    + " (stack trace in the daemon log)";
        }
        sender.offer(severity(event.getLevel()), tag, text);
    }

    static Severity severity(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> Severity.ERR;
            case Level.WARN_INT -> Severity.WARNING;
            case Level.INFO_INT -> Severity.INFO;
            default -> Severity.DEBUG;
        };
    }
}
