package dev.taskmaster.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code server.syslog}: whether the daemon's own log also goes to the local syslog, and how
 * lines are sent there, the daemon's and those of programs with {@code stdout_syslog} or
 * {@code stderr_syslog}. Immutable.
 *
 * @param daemonLog whether the daemon's log goes to syslog ({@code server.syslog: true} or a mapping)
 * @param facility  the syslog facility of every line sent
 * @param tag       the identifier of the daemon's lines ({@code journalctl -t taskmaster});
 *                  a program's lines carry the program's name instead
 * @param socket    the local syslog socket, a Unix datagram socket ({@code /dev/log})
 * @param format    how a line is framed on that socket
 */
public record SyslogSpec(boolean daemonLog, Facility facility, String tag, Path socket, Format format) {

    public static final Path DEFAULT_SOCKET = Path.of("/dev/log");
    public static final String DEFAULT_TAG = "taskmaster";
    /** Longest tag: RFC 5424's APP-NAME; RFC 3164 asks for less, but local daemons take it. */
    public static final int MAX_TAG = 48;

    /** No daemon log to syslog; the settings programs' output uses unless {@code server.syslog} says otherwise. */
    public static final SyslogSpec DEFAULT = new SyslogSpec(false, Facility.DAEMON, DEFAULT_TAG, DEFAULT_SOCKET, Format.RFC3164);

    public SyslogSpec {
        Objects.requireNonNull(facility);
        Objects.requireNonNull(tag);
        Objects.requireNonNull(socket);
        Objects.requireNonNull(format);
    }

    /** Framing of a line on the socket. */
    public enum Format {
        /** {@code <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG}, what glibc's syslog(3) sends: every local syslog daemon and journald parse it. */
        RFC3164,
        /** {@code <PRI>1 TIMESTAMP HOST TAG PID - - MSG} (RFC 5424), for a syslog daemon that wants it (rsyslog, syslog-ng). */
        RFC5424;

        public String configValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The syslog facilities of RFC 5424 by their usual names, with their codes. */
    public enum Facility {
        KERN(0), USER(1), MAIL(2), DAEMON(3), AUTH(4), SYSLOG(5), LPR(6), NEWS(7), UUCP(8), CRON(9), AUTHPRIV(10),
        FTP(11), LOCAL0(16), LOCAL1(17), LOCAL2(18), LOCAL3(19), LOCAL4(20), LOCAL5(21), LOCAL6(22), LOCAL7(23);

        private final int code;

        Facility(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        public String configValue() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Optional<Facility> of(String name) {
            String n = name.strip().toUpperCase(Locale.ROOT);
            for (Facility f : values()) {
                if (f.name().equals(n)) {
                    return Optional.of(f);
                }
            }
            return Optional.empty();
        }

        static String names() {
            return String.join(", ", List.of(values()).stream().map(Facility::configValue).toList());
        }
    }
}
