package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.server.syslog.UnixDatagram;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * server.syslog and stdout_syslog/stderr_syslog through the real bin/taskmasterd: the test
 * binds a Unix datagram socket of its own where /dev/log would be (server.syslog.socket) and
 * reads what the daemon really sends, facility, severity and tag included; a missing socket is
 * one warning, and the daemon runs on.
 */
class SyslogIT {

    static final Duration LIMIT = Duration.ofSeconds(30);
    /** RFC 3164 as glibc's syslog(3) writes it: {@code <PRI>Mmm dd hh:mm:ss TAG[PID]: MSG}. */
    static final Pattern BSD = Pattern.compile("<([0-9]+)>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} ([^\\[]+)\\[([0-9]+)\\]: (.*)",
            Pattern.DOTALL);

    @TempDir
    Path tmp;

    record Line(int facility, int severity, String tag, long pid, String text) {
    }

    static Line parse(byte[] datagram) {
        String s = new String(datagram, StandardCharsets.UTF_8);
        Matcher m = BSD.matcher(s);
        assertThat(m.matches()).as("RFC 3164 datagram: %s", s).isTrue();
        int pri = Integer.parseInt(m.group(1));
        return new Line(pri / 8, pri % 8, m.group(2), Long.parseLong(m.group(3)), m.group(4));
    }

    @Test
    void theDaemonLogAndProgramOutputReachTheSocketWithFacilitySeverityAndTag() throws Exception {
        Path socket = tmp.resolve("log.sock");
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, """
                server:
                  syslog: {facility: local3, tag: tm-test, socket: %s}
                programs:
                  talker:
                    cmd: "sh -c 'echo out-line-1; echo err-line-1 >&2; echo out-line-2; exec sleep 1000'"
                    starttime: 0
                    stdout_syslog: true
                    stderr_syslog: true
                  quiet:
                    cmd: "sh -c 'echo not-for-syslog; exec sleep 1000'"
                    starttime: 0
                """.formatted(socket));
        Map<String, String> env = BinProcess.env(tmp);
        List<Line> got = new CopyOnWriteArrayList<>();
        try (UnixDatagram receiver = UnixDatagram.bound(socket, 65536);
                BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            dev.taskmaster.testkit.Poll.until("the daemon's start and talker's three lines in syslog", LIMIT, () -> {
                drain(receiver, got);
                return got.stream().anyMatch(l -> l.tag().equals("tm-test") && l.text().contains("taskmasterd")
                        && l.text().contains("started"))
                        && got.stream().filter(l -> l.tag().equals("talker")).count() >= 3;
            });
            long daemonPid = daemon.pid();
            Line started = got.stream().filter(l -> l.tag().equals("tm-test") && l.text().contains("started")).findFirst().orElseThrow();
            assertThat(started.facility()).isEqualTo(19); // local3
            assertThat(started.severity()).isEqualTo(6); // info
            assertThat(started.pid()).isEqualTo(daemonPid);
            List<Line> talker = got.stream().filter(l -> l.tag().equals("talker")).toList();
            assertThat(talker).extracting(Line::text).containsExactlyInAnyOrder("out-line-1", "err-line-1", "out-line-2");
            assertThat(talker).allMatch(l -> l.facility() == 19);
            assertThat(talker.stream().filter(l -> l.text().startsWith("out-"))).allMatch(l -> l.severity() == 6);
            assertThat(talker.stream().filter(l -> l.text().startsWith("err-"))).allMatch(l -> l.severity() == 3);
            // In order within a stream.
            assertThat(talker.stream().map(Line::text).filter(t -> t.startsWith("out-")).toList())
                    .containsExactly("out-line-1", "out-line-2");
            // A warning goes with severity warning: a stop of a program that is not there is not one; a bad signal is
            // refused by the client. The state change of a stop is info and carries the program's name.
            BinProcess.Result stop = BinProcess.ctl(tmp, env, LIMIT, "stop", "talker");
            assertThat(stop.code()).as(stop.err()).isZero();
            dev.taskmaster.testkit.Poll.until("the stop of talker in syslog", LIMIT, () -> {
                drain(receiver, got);
                return got.stream().anyMatch(l -> l.tag().equals("tm-test") && l.text().contains("talker")
                        && l.text().contains("STOPPED"));
            });
            assertThat(got).noneMatch(l -> l.text().contains("not-for-syslog"));
            BinProcess.shutdown(daemon, tmp, env, LIMIT);
        }
    }

    @Test
    void aMissingSocketIsOneWarningAndTheDaemonRunsOn() throws Exception {
        Path socket = tmp.resolve("nobody-here.sock");
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, """
                server:
                  syslog: {socket: %s}
                programs:
                  talker:
                    cmd: "sh -c 'for i in 1 2 3 4 5; do echo line $i; done; exec sleep 1000'"
                    starttime: 0
                    stdout_syslog: true
                """.formatted(socket));
        Map<String, String> env = BinProcess.env(tmp);
        try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            dev.taskmaster.testkit.Poll.until("talker RUNNING", LIMIT, () -> {
                try {
                    return BinProcess.ctl(tmp, env, LIMIT, "status").out().lines().anyMatch(l -> l.matches("talker +RUNNING .*"));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Path log = tmp.resolve("state/taskmaster/default/taskmasterd.log");
            dev.taskmaster.testkit.Poll.until("the syslog warning in the daemon log", LIMIT, () -> read(log).contains("syslog: cannot send to"));
            String text = read(log);
            assertThat(text.lines().filter(l -> l.contains("syslog: cannot send to")).count()).as(text).isEqualTo(1);
            assertThat(text).contains("syslog: cannot send to " + socket + " (sendto " + socket + ": No such file or directory (ENOENT))");
            assertThat(daemon.isAlive()).isTrue();
            BinProcess.shutdown(daemon, tmp, env, LIMIT);
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void drain(UnixDatagram receiver, List<Line> into) {
        try {
            for (var d = receiver.receive(100); d.isPresent(); d = receiver.receive(0)) {
                into.add(parse(d.get()));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
