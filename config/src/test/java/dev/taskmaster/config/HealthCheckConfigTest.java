package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code health_check:}, {@code max_restarts} and {@code backoff.reset_after}: what is read, and where a mistake is reported. */
class HealthCheckConfigTest {

    @TempDir
    Path tmp;
    ConfigFiles files;

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(tmp);
    }

    /** A one-program file whose health_check is {@code check} (flow style, on line 4 from column 5). */
    private String error(String check) {
        return files.error("programs:\n  a:\n    cmd: x\n    health_check: " + check + "\n");
    }

    private HealthCheck check(String check) {
        return files.program("programs:\n  a:\n    cmd: x\n    health_check: " + check + "\n").healthCheck().orElseThrow();
    }

    @Test
    void defaultsAreFilledIn() {
        HealthCheck c = check("{tcp: \"127.0.0.1:6379\"}");
        assertThat(c).isEqualTo(new HealthCheck(new HealthCheck.Tcp("127.0.0.1", 6379), Duration.ofSeconds(10),
                Duration.ofSeconds(5), 3, Duration.ZERO, HealthCheck.UnhealthyAction.NONE));
        ProgramSpec p = files.program("programs:\n  a:\n    cmd: x\n");
        assertThat(p.healthCheck()).isEmpty();
        assertThat(p.maxRestarts()).isEqualTo(-1);
        assertThat(p.backoff().resetAfter()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void everyProbeKindIsRead() {
        assertThat(check("{heartbeat_file: /run/a.hb, max_age: 20s, interval: 2s, timeout: 1s, retries: 2,"
                + " start_period: 30s, on_unhealthy: RESTART}")).isEqualTo(new HealthCheck(
                new HealthCheck.Heartbeat("/run/a.hb", Duration.ofSeconds(20)), Duration.ofSeconds(2), Duration.ofSeconds(1),
                2, Duration.ofSeconds(30), HealthCheck.UnhealthyAction.RESTART));
        assertThat(check("{cmd: \"pg_isready -h '127.0.0.1'\"}").probe())
                .isEqualTo(new HealthCheck.Command("pg_isready -h '127.0.0.1'", java.util.List.of("pg_isready", "-h", "127.0.0.1")));
        assertThat(check("{tcp: \"[::1]:80\"}").probe()).isEqualTo(new HealthCheck.Tcp("::1", 80));
        assertThat(check("{http: \"http://127.0.0.1:8080/healthz\"}").probe())
                .isEqualTo(new HealthCheck.Http(URI.create("http://127.0.0.1:8080/healthz")));
    }

    @Test
    void aHeartbeatFileIsOnePerInstance() {
        ProgramSpec p = files.program("programs:\n  a:\n    cmd: x\n    numprocs: 2\n"
                + "    health_check: {heartbeat_file: \"/run/%(program_name)s.%(process_num)d\"}\n");
        HealthCheck.Heartbeat hb = (HealthCheck.Heartbeat) p.healthCheck().orElseThrow().probe();
        assertThat(p.instances()).extracting(hb::file).containsExactly(Path.of("/run/a.0"), Path.of("/run/a.1"));
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    numprocs: 2\n    health_check: {heartbeat_file: /run/hb}\n"))
                .isEqualTo("5:36: programs.a.health_check.heartbeat_file: expected a path with %(process_num)d when"
                        + " numprocs is 2, found \"/run/hb\": every instance would touch the same file");
    }

    @Test
    void exactlyOneProbeKind() {
        assertThat(error("{tcp: \"h:1\", http: \"http://h/\"}")).isEqualTo("4:38: programs.a.health_check.http: expected"
                + " exactly one of heartbeat_file, cmd, tcp and http, found http and tcp; keep one");
        assertThat(error("{interval: 5s}"))
                .isEqualTo("4:19: programs.a.health_check: expected exactly one of heartbeat_file, cmd, tcp and http, found none");
        assertThat(error("{tcp: \"h:1\", max_age: 5s}")).isEqualTo("4:41: programs.a.health_check.max_age: max_age is the"
                + " age a heartbeat_file may reach; it has no meaning without heartbeat_file");
        assertThat(error("yes")).isEqualTo("4:19: programs.a.health_check: expected a mapping with one of heartbeat_file,"
                + " cmd, tcp or http, found yes");
    }

    @Test
    void badValuesAreLocated() {
        assertThat(error("{heartbeat_file: run/hb}")).isEqualTo("4:36: programs.a.health_check.heartbeat_file: expected"
                + " an absolute path, found \"run/hb\"; the program and the daemon must agree on where it is");
        assertThat(error("{tcp: localhost}")).isEqualTo("4:25: programs.a.health_check.tcp: expected host:port, like"
                + " 127.0.0.1:6379 or [::1]:6379, found \"localhost\"");
        assertThat(error("{tcp: \"h:70000\"}"))
                .isEqualTo("4:25: programs.a.health_check.tcp: expected a port from 1 to 65535, found 70000");
        assertThat(error("{http: \"ftp://h/\"}")).isEqualTo("4:26: programs.a.health_check.http: expected an http:// or"
                + " https:// URL, like http://127.0.0.1:8080/healthz, found \"ftp://h/\"");
        assertThat(error("{cmd: \"\"}"))
                .isEqualTo("4:25: programs.a.health_check.cmd: the command is empty");
        assertThat(error("{tcp: \"h:1\", interval: 0}"))
                .isEqualTo("4:42: programs.a.health_check.interval: expected a duration greater than 0, found 0");
        assertThat(error("{tcp: \"h:1\", retries: 0}"))
                .isEqualTo("4:41: programs.a.health_check.retries: expected an integer from 1 to 1000, found 0");
        assertThat(error("{tcp: \"h:1\", on_unhealthy: kill}"))
                .isEqualTo("4:46: programs.a.health_check.on_unhealthy: expected restart or none, found \"kill\"");
        assertThat(error("{tcp: \"h:1\", intervall: 5}")).isEqualTo("4:32: programs.a.health_check.intervall: unknown key"
                + " \"intervall\"; did you mean \"interval\"?");
    }

    @Test
    void maxRestartsAndResetAfter() {
        ProgramSpec p = files.program("programs:\n  a:\n    cmd: x\n    max_restarts: 5\n    backoff: {reset_after: 5m}\n");
        assertThat(p.maxRestarts()).isEqualTo(5);
        assertThat(p.backoff()).isEqualTo(new Backoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(30), Duration.ofMinutes(5)));
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    max_restarts: -2\n"))
                .isEqualTo("4:19: programs.a.max_restarts: expected an integer >= -1, found -2");
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    backoff: {reset_after: soon}\n"))
                .startsWith("4:28: programs.a.backoff.reset_after: expected a duration");
    }
}
