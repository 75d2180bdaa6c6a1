package dev.taskmaster.server.syslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.taskmaster.config.SyslogSpec;
import dev.taskmaster.testkit.Poll;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The syslog sender against a real Unix datagram socket bound by the test: the datagrams'
 * framing, a syslog daemon that does not read (offers never wait, drops are counted, what was
 * sent arrives in order), and a socket that is not there.
 */
class SyslogSenderTest {

    static final Duration LIMIT = Duration.ofSeconds(20);
    static final Clock FIXED = Clock.fixed(Instant.parse("2026-03-05T07:08:09.123456789Z"), ZoneOffset.UTC);

    @TempDir
    Path tmp;

    private static SyslogSpec spec(Path socket, SyslogSpec.Facility facility, SyslogSpec.Format format) {
        return new SyslogSpec(true, facility, "tm", socket, format);
    }

    private static String text(byte[] d) {
        return new String(d, StandardCharsets.UTF_8);
    }

    private static List<String> drain(UnixDatagram r, int wait) throws Exception {
        List<String> out = new ArrayList<>();
        for (Optional<byte[]> d = r.receive(wait); d.isPresent(); d = r.receive(0)) {
            out.add(text(d.get()));
        }
        return out;
    }

    @Test
    void rfc3164IsWhatSyslog3Writes() throws Exception {
        SyslogFormat f = new SyslogFormat(spec(tmp, SyslogSpec.Facility.LOCAL0, SyslogSpec.Format.RFC3164), 4242, ZoneOffset.UTC);
        assertThat(text(f.datagram(Severity.INFO, "web", FIXED.instant(), "hello\nworld")))
                .isEqualTo("<134>Mar  5 07:08:09 web[4242]: hello world");
        assertThat(text(f.datagram(Severity.ERR, "web", Instant.parse("2026-11-25T23:00:00Z"), "x")))
                .isEqualTo("<131>Nov 25 23:00:00 web[4242]: x");
    }

    @Test
    void rfc5424HasVersionTimestampHostTagAndPid() throws Exception {
        SyslogFormat f = new SyslogFormat(spec(tmp, SyslogSpec.Facility.DAEMON, SyslogSpec.Format.RFC5424), 7, ZoneOffset.UTC);
        assertThat(text(f.datagram(Severity.WARNING, "tm", FIXED.instant(), "careful")))
                .matches("<28>1 2026-03-05T07:08:09\\.123456Z [!-~]+ tm 7 - - careful");
    }

    @Test
    void aLongLineIsCutToTheLimit() {
        SyslogFormat f = new SyslogFormat(spec(tmp, SyslogSpec.Facility.DAEMON, SyslogSpec.Format.RFC3164), 1, ZoneOffset.UTC);
        byte[] d = f.datagram(Severity.INFO, "t", FIXED.instant(), "x".repeat(100_000));
        assertThat(text(d)).endsWith("x".repeat(SyslogFormat.MAX_TEXT_BYTES));
        assertThat(d.length).isLessThan(SyslogFormat.MAX_TEXT_BYTES + 64);
    }

    @Test
    void linesReachTheSocketWithFacilitySeverityAndTag() throws Exception {
        Path socket = tmp.resolve("log.sock");
        try (UnixDatagram receiver = UnixDatagram.bound(socket, 65536);
                SyslogSender sender = new SyslogSender(spec(socket, SyslogSpec.Facility.LOCAL7, SyslogSpec.Format.RFC3164), 100, FIXED)) {
            assertThat(sender.offer(Severity.NOTICE, "tm", "first")).isTrue();
            assertThat(sender.offer(Severity.DEBUG, "other", "second")).isTrue();
            List<String> got = new ArrayList<>();
            Poll.until("two datagrams", LIMIT, () -> {
                try {
                    got.addAll(drain(receiver, 50));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                // The sender counts a datagram once send() has returned: the receiver may read it first.
                return got.size() >= 2 && sender.sent() == 2;
            });
            long pid = ProcessHandle.current().pid();
            String stamp = java.time.format.DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", java.util.Locale.ROOT)
                    .format(FIXED.instant().atZone(java.time.ZoneId.systemDefault()));
            assertThat(got).containsExactly("<189>" + stamp + " tm[" + pid + "]: first", "<191>" + stamp + " other[" + pid + "]: second");
            assertThat(sender.sent()).isEqualTo(2);
            assertThat(sender.dropped()).isZero();
        }
    }

    /** A syslog daemon that does not read: the socket buffer fills, then the queue; no offer waits; the rest is counted. */
    @RepeatedTest(3)
    void aSyslogThatDoesNotReadNeverHoldsTheCallerAndDropsAreCounted() throws Exception {
        Path socket = tmp.resolve("slow.sock");
        int lines = 20_000;
        try (UnixDatagram receiver = UnixDatagram.bound(socket, 65536);
                SyslogSender sender = new SyslogSender(spec(socket, SyslogSpec.Facility.USER, SyslogSpec.Format.RFC3164), 100, FIXED)) {
            String pad = "y".repeat(200);
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                for (int i = 0; i < lines; i++) {
                    sender.offer(Severity.INFO, "tm", i + " " + pad);
                }
            }, "offer waited for syslog");
            assertThat(sender.dropped()).as("lines dropped while nobody read").isPositive();
            // Now the daemon reads: everything that was not dropped arrives, in order.
            List<String> got = new ArrayList<>();
            Poll.until("every line not dropped to arrive", LIMIT, () -> {
                try {
                    got.addAll(drain(receiver, 50));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return sender.queued() == 0 && got.size() == sender.sent() && sender.sent() + sender.dropped() == lines;
            });
            assertThat(sender.undelivered()).isZero();
            List<Integer> numbers = got.stream().map(s -> Integer.parseInt(s.substring(s.indexOf("]: ") + 3, s.indexOf(' ', s.indexOf("]: ") + 3)))).toList();
            assertThat(numbers).isSorted();
            assertThat(numbers.getFirst()).isZero();
        }
    }

    @Test
    void aMissingSocketCountsLinesAsUndelivered() throws Exception {
        Path socket = tmp.resolve("nobody.sock");
        try (SyslogSender sender = new SyslogSender(spec(socket, SyslogSpec.Facility.USER, SyslogSpec.Format.RFC3164), 100, FIXED)) {
            for (int i = 0; i < 10; i++) {
                assertThat(sender.offer(Severity.INFO, "tm", "lost " + i)).isTrue();
            }
            Poll.until("10 lines undelivered", LIMIT, () -> sender.undelivered() == 10);
            assertThat(sender.sent()).isZero();
            // And once the socket is there, lines go again.
            try (UnixDatagram receiver = UnixDatagram.bound(socket, 65536)) {
                sender.offer(Severity.INFO, "tm", "back");
                List<String> got = new ArrayList<>();
                Poll.until("the line after the outage", LIMIT, () -> {
                    try {
                        got.addAll(drain(receiver, 50));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return got.stream().anyMatch(s -> s.endsWith(": back"));
                });
            }
        }
    }

    @Test
    void outputIsCutIntoLinesAcrossBatches() throws Exception {
        Path socket = tmp.resolve("out.sock");
        try (UnixDatagram receiver = UnixDatagram.bound(socket, 65536);
                SyslogSender sender = new SyslogSender(spec(socket, SyslogSpec.Facility.USER, SyslogSpec.Format.RFC3164), 100, FIXED)) {
            OutputToSyslog.Lines tap = new OutputToSyslog.Lines(sender, Severity.ERR, "web", "web:1: ");
            tap.accept(ByteBuffer.wrap("par".getBytes(StandardCharsets.UTF_8)));
            tap.accept(ByteBuffer.wrap("tial\r\nsecond\n\nlong:".getBytes(StandardCharsets.UTF_8)));
            tap.accept(ByteBuffer.wrap(("z".repeat(SyslogFormat.MAX_TEXT_BYTES + 10) + "\n").getBytes(StandardCharsets.UTF_8)));
            List<String> got = new ArrayList<>();
            Poll.until("five lines", LIMIT, () -> {
                try {
                    got.addAll(drain(receiver, 50));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return got.size() >= 5;
            });
            List<String> texts = got.stream().map(s -> s.substring(s.indexOf("]: ") + 3)).toList();
            assertThat(texts.subList(0, 3)).containsExactly("web:1: partial", "web:1: second", "web:1: ");
            assertThat(texts.get(3)).startsWith("web:1: long:zzz");
            assertThat(texts.get(3).length() + texts.get(4).length() - 2 * "web:1: ".length())
                    .isEqualTo("long:".length() + SyslogFormat.MAX_TEXT_BYTES + 10);
            assertThat(got).allMatch(s -> s.startsWith("<11>")); // user.err
        }
    }
}
