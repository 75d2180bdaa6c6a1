package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code server.metrics} as {@code {address, tls}}: files of its own, the listener's ({@code tls: true}), located errors. */
class MetricsTlsConfigTest {

    @TempDir
    Path tmp;
    ConfigFiles files;
    Path cert;
    Path key;

    @BeforeEach
    void setUp() throws IOException {
        files = new ConfigFiles(tmp);
        cert = Files.writeString(tmp.resolve("server.crt"), ListenersTest.CERT);
        key = Files.writeString(tmp.resolve("server.key"), ListenersTest.KEY);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void tlsFilesOfItsOwnAllowAnyAddress() {
        Config c = files.load("server:\n  metrics:\n    address: 0.0.0.0:9464\n"
                + "    tls: {cert: server.crt, key: server.key, client_ca: server.crt}\n");
        assertThat(c.server().metrics()).contains(new ListenerSpec("0.0.0.0", 9464,
                Optional.of(new TlsSpec(cert, key, Optional.of(cert)))));
        assertThat(files.load("server:\n  metrics: {address: \"[::]:0\", tls: {cert: server.crt, key: server.key}}\n")
                .server().metrics()).contains(new ListenerSpec("::", 0, Optional.of(new TlsSpec(cert, key, Optional.empty()))));
    }

    @Test
    void tlsTrueTakesTheFilesOfTheListener() {
        Config c = files.load("""
                server:
                  listen:
                    - address: 127.0.0.1:7442
                    - address: 0.0.0.0:7443
                      tls: {cert: server.crt, key: server.key, client_ca: server.crt}
                  metrics: {address: 0.0.0.0:9464, tls: true}
                """);
        assertThat(c.server().metrics()).contains(new ListenerSpec("0.0.0.0", 9464,
                Optional.of(new TlsSpec(cert, key, Optional.of(cert)))));
    }

    @Test
    void aMappingWithoutTlsIsPlainHttpOnLoopback() {
        assertThat(files.load("server:\n  metrics: {address: 127.0.0.1:9464}\n").server().metrics())
                .contains(new ListenerSpec("127.0.0.1", 9464, Optional.empty()));
        assertThat(files.load("server:\n  metrics: {address: 127.0.0.1:9464, tls: false}\n").server().metrics())
                .contains(new ListenerSpec("127.0.0.1", 9464, Optional.empty()));
        assertThat(files.error("server:\n  metrics: {address: 0.0.0.0:9464, tls: false}\n")).isEqualTo("2:22: server.metrics.address:"
                + " expected a loopback address (127.0.0.0/8, [::1] or localhost) for /metrics, found \"0.0.0.0:9464\"; it is"
                + " served over plain HTTP without authentication: keep it on loopback, or serve it over HTTPS with the API's"
                + " authentication: {address: 0.0.0.0:9464, tls: …}");
    }

    @Test
    void mistakesAreNamedWhereTheyAreWritten() {
        assertThat(files.error("server:\n  metrics: {address: 0.0.0.0:9464, tls: true}\n")).isEqualTo("2:41: server.metrics.tls:"
                + " expected the tls files of server.listen, found no listener with tls there; write tls: {cert: …, key: …,"
                + " client_ca: …} here instead");
        assertThat(files.error("""
                server:
                  listen:
                    - address: 127.0.0.1:7443
                      tls: {cert: server.crt, key: server.key}
                    - address: 127.0.0.1:7444
                      tls: {cert: server.crt, key: server.key, client_ca: server.crt}
                  metrics: {address: 0.0.0.0:9464, tls: true}
                """)).isEqualTo("7:41: server.metrics.tls: expected the tls files of server.listen, found 2 listeners with"
                + " different tls files there; write tls: {cert: …, key: …, client_ca: …} here instead");
        assertThat(files.error("server:\n  metrics: {address: 0.0.0.0:9464, tls: maybe}\n"))
                .isEqualTo("2:41: server.metrics.tls: expected true or false, found \"maybe\"");
        assertThat(files.error("server:\n  metrics: {address: 0.0.0.0:9464, tls: {cert: server.crt}}\n"))
                .isEqualTo("2:41: server.metrics.tls: expected the required key \"key\" (the private key of cert, a PEM file),"
                        + " found no such key");
        assertThat(files.error("server:\n  metrics: {tls: {cert: server.crt, key: server.key}}\n")).startsWith("2:12: server.metrics: expected the required key \"address\"");
        assertThat(files.error("server:\n  metrics: {address: 127.0.0.1:1, port: 2}\n"))
                .isEqualTo("2:35: server.metrics.port: unknown key \"port\"; expected one of: address, tls");
    }
}
