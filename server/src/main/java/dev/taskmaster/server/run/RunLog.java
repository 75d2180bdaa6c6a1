package dev.taskmaster.server.run;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.OutputStream;
import org.slf4j.LoggerFactory;

/**
 * The log of {@code taskmasterd run}: its own lines, and those of the engine and OS layers, on
 * standard error only, each starting with {@code [taskmaster]} so that they stand apart from
 * the program's output, which shares the terminal. No file: there is no configuration to name
 * one. Written synchronously, so a line is out before the program's next output it explains.
 * Configured once, on the main thread, before any other thread logs.
 */
final class RunLog {

    static final String PREFIX = "[taskmaster] ";

    private RunLog() {
    }

    static void configure(OutputStream stderr) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
        ctx.getLogger("dev.taskmaster").setLevel(Level.INFO);
        // The events have their own, shorter lines here (RunReporter); the engine's own warnings stay.
        ctx.getLogger("dev.taskmaster.events").setLevel(Level.OFF);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        // Warnings and errors say so; routine lines do not need a level.
        encoder.setPattern("[taskmaster] %replace(%level: ){'(INFO|DEBUG|TRACE): ', ''}%msg%n");
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(ctx);
        appender.setName("stderr");
        appender.setEncoder(encoder);
        appender.setOutputStream(stderr);
        appender.setImmediateFlush(true);
        appender.start();
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    }

    /** Flushes and closes the log: the last thing before the exit. */
    static void close() {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
    }
}
