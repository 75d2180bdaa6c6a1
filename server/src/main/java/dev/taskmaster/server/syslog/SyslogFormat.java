package dev.taskmaster.server.syslog;

import dev.taskmaster.config.SyslogSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * One line as a syslog datagram. {@link SyslogSpec.Format#RFC3164}: what glibc's syslog(3)
 * writes to {@code /dev/log}, {@code <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG} in local time, which
 * journald turns into {@code SYSLOG_IDENTIFIER=TAG} ({@code journalctl -t TAG}) and rsyslog
 * into its {@code programname}. {@link SyslogSpec.Format#RFC5424}:
 * {@code <PRI>1 TIMESTAMP HOSTNAME TAG PID - - MSG} with a UTC timestamp.
 *
 * <p>Threading: immutable; safe from any thread.
 */
public final class SyslogFormat {

    /** Longest message text sent; a longer line is cut and marked: datagrams have a size limit. */
    public static final int MAX_TEXT_BYTES = 8192;
    private static final DateTimeFormatter BSD = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT);

    private final SyslogSpec.Format format;
    private final int facility;
    private final long pid;
    private final String host;
    private final ZoneId zone;

    public SyslogFormat(SyslogSpec spec, long pid, ZoneId zone) {
        this.format = spec.format();
        this.facility = spec.facility().code();
        this.pid = pid;
        this.zone = zone;
        this.host = hostname();
    }

    private static String hostname() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).strip();
            return h.isEmpty() || !h.chars().allMatch(c -> c > 32 && c < 127) ? "-" : h;
        } catch (IOException | RuntimeException unknown) {
            return "-"; // RFC 5424's NILVALUE
        }
    }

    /** The datagram of {@code text} (one line; line breaks in it become spaces). */
    public byte[] datagram(Severity severity, String tag, Instant time, String text) {
        int pri = facility * 8 + severity.code();
        String header = switch (format) {
            case RFC3164 -> "<" + pri + ">" + BSD.format(ZonedDateTime.ofInstant(time, zone)) + " " + tag + "[" + pid + "]: ";
            case RFC5424 -> "<" + pri + ">1 " + DateTimeFormatter.ISO_INSTANT.format(time.truncatedTo(ChronoUnit.MICROS))
                    + " " + host + " " + tag + " " + pid + " - - ";
        };
        byte[] body = clean(text).getBytes(StandardCharsets.UTF_8);
        byte[] head = header.getBytes(StandardCharsets.US_ASCII);
        int bodyLength = Math.min(body.length, MAX_TEXT_BYTES);
        byte[] out = new byte[head.length + bodyLength];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(body, 0, out, head.length, bodyLength);
        return out;
    }

    private static String clean(String text) {
        StringBuilder b = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r' || c == 0) {
                if (b == null) {
                    b = new StringBuilder(text);
                }
                b.setCharAt(i, ' ');
            }
        }
        return b == null ? text : b.toString();
    }
}
