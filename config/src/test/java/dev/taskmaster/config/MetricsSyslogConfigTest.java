package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server.metrics}, {@code server.syslog}, {@code stdout_syslog} and {@code stderr_syslog}: values, defaults, located errors. */
class MetricsSyslogConfigTest {

    @TempDir
    Path tmp;
    ConfigFiles files;

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(tmp);
    }

    @Test
    void defaultsServeNoMetricsAndSendNothingToSyslog() {
        Config c = files.load("programs:\n  a:\n    cmd: sleep 1\n");
        assertThat(c.server().metrics()).isEmpty();
        assertThat(c.server().syslog()).isEqualTo(SyslogSpec.DEFAULT);
        assertThat(c.server().syslog().daemonLog()).isFalse();
        assertThat(c.programs().getFirst().stdoutSyslog()).isFalse();
        assertThat(c.programs().getFirst().stderrSyslog()).isFalse();
    }

    @Test
    void metricsOnLoopback() {
        assertThat(files.load("server:\n  metrics: 127.0.0.1:9464\n").server().metrics())
                .contains(new ListenerSpec("127.0.0.1", 9464, Optional.empty()));
        assertThat(files.load("server:\n  metrics: \"[::1]:0\"\n").server().metrics().orElseThrow().port()).isZero();
        assertThat(files.load("server:\n  metrics: localhost:9464\n").server().metrics().orElseThrow().host()).isEqualTo("localhost");
    }

    @Test
    void metricsOffLoopbackOrMalformedIsRefusedWhereItIsWritten() {
        assertThat(files.error("server:\n  metrics: 0.0.0.0:9464\n")).isEqualTo("2:12: server.metrics: expected a loopback"
                + " address (127.0.0.0/8, [::1] or localhost) for /metrics, found \"0.0.0.0:9464\"; it is served over plain"
                + " HTTP without authentication: keep it on loopback, or serve it over HTTPS with the API's authentication:"
                + " {address: 0.0.0.0:9464, tls: …}");
        assertThat(files.error("server:\n  metrics: 10.1.2.3:9464\n")).startsWith("2:12: server.metrics: expected a loopback");
        assertThat(files.error("server:\n  metrics: 9464\n")).startsWith("2:12: server.metrics: expected host:port (the port is missing)");
        assertThat(files.error("server:\n  metrics: 127.0.0.1:70000\n")).startsWith("2:12: server.metrics: expected a port from 0 to 65535");
        assertThat(files.error("server:\n  metrics: [a, b]\n")).startsWith("2:12: server.metrics: expected an address host:port");
    }

    @Test
    void syslogTrueFalseOrAMapping() {
        SyslogSpec on = files.load("server:\n  syslog: true\n").server().syslog();
        assertThat(on).isEqualTo(new SyslogSpec(true, SyslogSpec.Facility.DAEMON, "taskmaster", Path.of("/dev/log"),
                SyslogSpec.Format.RFC3164));
        assertThat(files.load("server:\n  syslog: false\n").server().syslog()).isEqualTo(SyslogSpec.DEFAULT);
        SyslogSpec custom = files.load("server:\n  syslog: {facility: LOCAL3, tag: tm-prod, socket: /tmp/log.sock, format: rfc5424}\n")
                .server().syslog();
        assertThat(custom).isEqualTo(new SyslogSpec(true, SyslogSpec.Facility.LOCAL3, "tm-prod", Path.of("/tmp/log.sock"),
                SyslogSpec.Format.RFC5424));
        assertThat(custom.facility().code()).isEqualTo(19);
    }

    @Test
    void syslogMistakesAreLocated() {
        assertThat(files.error("server:\n  syslog: maybe\n")).isEqualTo("2:11: server.syslog: expected true or false, found \"maybe\"");
        assertThat(files.error("server:\n  syslog: {facility: local9}\n")).isEqualTo("2:22: server.syslog.facility: expected a"
                + " syslog facility: one of kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp,"
                + " local0, local1, local2, local3, local4, local5, local6, local7, found \"local9\"");
        assertThat(files.error("server:\n  syslog: {tag: \"a b\"}\n")).startsWith("2:17: server.syslog.tag: expected a tag of 1 to 48"
                + " printable characters without spaces");
        assertThat(files.error("server:\n  syslog: {tag: \"" + "t".repeat(49) + "\"}\n")).contains("server.syslog.tag: expected a tag");
        assertThat(files.error("server:\n  syslog: {format: json}\n")).isEqualTo("2:20: server.syslog.format: expected rfc3164 or"
                + " rfc5424, found \"json\"");
        assertThat(files.error("server:\n  syslog: {port: 514}\n")).isEqualTo("2:12: server.syslog.port: unknown key \"port\"; expected one of: facility, format, socket, tag");
    }

    @Test
    void programOutputToSyslog() {
        ProgramSpec p = files.program("programs:\n  a:\n    cmd: sleep 1\n    stdout_syslog: true\n    stderr_syslog: yes\n");
        assertThat(p.stdoutSyslog()).isTrue();
        assertThat(p.stderrSyslog()).isTrue();
        assertThat(files.error("programs:\n  a:\n    cmd: sleep 1\n    stdout_syslog: 1\n"))
                .isEqualTo("4:20: programs.a.stdout_syslog: expected true or false, found 1");
        assertThat(files.error("programs:\n  a:\n    cmd: sleep 1\n    redirect_stderr: true\n    stderr_syslog: true\n"))
                .isEqualTo("5:20: programs.a.stderr_syslog: stderr_syslog cannot be true when redirect_stderr is true:"
                        + " standard error goes into stdout; set stdout_syslog");
        assertThat(files.error("programs:\n  a:\n    cmd: sleep 1\n    tty: true\n    stderr_syslog: true\n"))
                .startsWith("5:20: programs.a.stderr_syslog: stderr_syslog cannot be true when tty is true");
    }
}
