package dev.taskmaster.server.syslog;

import dev.taskmaster.config.SyslogSpec;

/**
 * The daemon's way to syslog, opened at the first line meant for it: a daemon whose
 * configuration sends nothing there runs no sender thread. The settings are
 * {@code server.syslog}'s at start-up (a reload does not change them).
 *
 * <p>Threading: any thread.
 */
public final class SyslogOutlet implements AutoCloseable {

    private final SyslogSpec spec;
    private SyslogSender sender;
    private boolean closed;

    public SyslogOutlet(SyslogSpec spec) {
        this.spec = spec;
    }

    public SyslogSpec spec() {
        return spec;
    }

    /** The sender, started now if it was not; null once closed. */
    public synchronized SyslogSender sender() {
        if (sender == null && !closed) {
            sender = new SyslogSender(spec);
        }
        return sender;
    }

    /** The sender if one was started, else null: for metrics, which must not start one. */
    public synchronized SyslogSender current() {
        return sender;
    }

    /** Sends what is queued (for a moment at most) and stops. */
    @Override
    public synchronized void close() {
        closed = true;
        if (sender != null) {
            sender.close();
        }
    }
}
