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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code server.listen}: addresses, the loopback rule for plaintext, overlaps, and the TLS files. */
class ListenersTest {

    /** A self-signed certificate, only parsed here (the TLS itself is tested with certificates made at test time). */
    static final String CERT = """
            -----BEGIN CERTIFICATE-----
            MIIBezCCASGgAwIBAgIUC4pyn5yqQRV/bO4bTt+WRiBO3XwwCgYIKoZIzj0EAwIw
            EjEQMA4GA1UEAwwHZml4dHVyZTAgFw0yNjEyMDYyMTA0MDNaGA8yMTI2MTExMjIx
            MDQwM1owEjEQMA4GA1UEAwwHZml4dHVyZTBZMBMGByqGSM49AgEGCCqGSM49AwEH
            A0IABGAiVUO/by7PoGWS7LdGtiAjcB5ETtN0l417jGdPsh+5LLt9jGRVCzaOEPIC
            L/ILl8gn7Ps3F5WyA8+TuryBngWjUzBRMB0GA1UdDgQWBBSN0nM/qQ8nKwsnosq9
            sYrTxpZHVzAfBgNVHSMEGDAWgBSN0nM/qQ8nKwsnosq9sYrTxpZHVzAPBgNVHRMB
            Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIGEeRJ7rrwqY69iTgIoISedaa/JW
            hwybhudMgJ5jPvusAiEA1QuLSniDpi0yuG4RADmTetRN9f65xo1g6fHZ+1KY9eg=
            -----END CERTIFICATE-----
            """;
    static final String KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";

    @TempDir
    Path tmp;
    ConfigFiles files;
    Path cert;
    Path key;

    @BeforeEach
    void setUp() throws IOException {
        files = new ConfigFiles(tmp);
        cert = Files.writeString(tmp.resolve("server.crt"), CERT);
        key = Files.writeString(tmp.resolve("server.key"), KEY);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    }

    private String listen(String items) {
        return "server:\n  listen:\n" + items;
    }

    private String tlsListener(String address) {
        return "    - address: \"" + address + "\"\n      tls: {cert: server.crt, key: server.key}\n";
    }

    @Test
    void everyFormOfAddress() {
        Config c = files.load(listen("""
                    - address: 127.0.0.1:7442
                    - address: "[::1]:7444"
                    - address: localhost:0
                    - address: 127.0.0.2:0
                    - address: 0.0.0.0:7443
                      tls: {cert: server.crt, key: server.key, client_ca: server.crt}
                    - address: "[::]:7445"
                      tls: {cert: server.crt, key: server.key}
                    - address: taskmaster.example.org:443
                      tls:
                        cert: server.crt
                        key: ./server.key
                """));
        TlsSpec plain = new TlsSpec(cert, key, Optional.empty());
        assertThat(c.server().listen()).containsExactly(
                new ListenerSpec("127.0.0.1", 7442, Optional.empty()),
                new ListenerSpec("::1", 7444, Optional.empty()),
                new ListenerSpec("localhost", 0, Optional.empty()),
                new ListenerSpec("127.0.0.2", 0, Optional.empty()),
                new ListenerSpec("0.0.0.0", 7443, Optional.of(new TlsSpec(cert, key, Optional.of(cert)))),
                new ListenerSpec("::", 7445, Optional.of(plain)),
                new ListenerSpec("taskmaster.example.org", 443, Optional.of(plain)));
        assertThat(c.server().listen()).extracting(ListenerSpec::address).containsExactly("127.0.0.1:7442",
                "[::1]:7444", "localhost:0", "127.0.0.2:0", "0.0.0.0:7443", "[::]:7445", "taskmaster.example.org:443");
        assertThat(c.server().listen()).extracting(ListenerSpec::loopback)
                .containsExactly(true, true, true, true, false, false, false);
        assertThat(c.server().listen().get(4).tls().orElseThrow().mutual()).isTrue();
    }

    @Test
    void plaintextOffLoopbackIsRefusedWithTheReason() {
        String why = "; plaintext would expose the API to the network: add tls with cert and key";
        assertThat(files.error(listen("    - address: 0.0.0.0:7443\n"))).isEqualTo("3:16: server.listen[0].address:"
                + " expected a loopback address (127.0.0.0/8, [::1] or localhost) for a listener without tls, found"
                + " \"0.0.0.0:7443\"" + why);
        assertThat(files.error(listen("    - address: \"[::]:7443\"\n"))).endsWith("found \"[::]:7443\"" + why);
        assertThat(files.error(listen("    - address: 192.168.1.5:7443\n"))).endsWith("found \"192.168.1.5:7443\"" + why);
        assertThat(files.error(listen("    - address: host.example:7443\n"))).endsWith("found \"host.example:7443\"" + why);
        assertThat(files.error(listen("    - address: \"[::ffff:10.0.0.1]:7443\"\n"))).startsWith("3:16: server.listen[0]");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "no port         | 127.0.0.1       | expected host:port (the port is missing), " + ListenerParser.ADDRESS_EXAMPLES,
        "port too large  | 127.0.0.1:65536 | expected a port from 0 to 65535 after the last \":\"",
        "port not a number | localhost:http | expected a port from 0 to 65535 after the last \":\"",
        "IPv6 unbracketed | ::1:7443       | expected an IPv6 address in brackets, like [::1]:7443",
        "bad IPv4        | 300.0.0.1:7443  | expected an IPv4 address of four numbers from 0 to 255",
        "short IPv4      | 127.1:7443      | expected an IPv4 address of four numbers from 0 to 255",
        "bad IPv6        | [fe80::zz]:7443 | expected an IPv6 address between the brackets",
        "IPv4 in brackets | [127.0.0.1]:7443 | expected an IPv6 address between the brackets",
        "no port after brackets | [::1]   | expected [IPv6]:port, " + ListenerParser.ADDRESS_EXAMPLES,
        "no host         | :7443           | expected a host before the port (0.0.0.0 for every IPv4 address)",
        "bad host name   | my_host:7443    | expected an IP address or a host name before the port",
    })
    void malformedAddresses(String what, String address, String expected) {
        assertThat(files.error(listen(tlsListener(address))))
                .isEqualTo("3:16: server.listen[0].address: " + expected + ", found \"" + address + "\"");
    }

    @Test
    void twoListenersCannotClaimOneAddress() {
        assertThat(files.error(listen("    - address: 127.0.0.1:7443\n    - address: 127.0.0.1:7443\n")))
                .isEqualTo("4:16: server.listen[1].address: duplicate address \"127.0.0.1:7443\" (first at line 3)");
        // The same IPv6 address written two ways, and a host name in two cases.
        assertThat(files.error(listen("    - address: \"[::1]:1\"\n    - address: \"[0:0:0:0:0:0:0:1]:1\"\n")))
                .isEqualTo("4:16: server.listen[1].address: duplicate address \"[0:0:0:0:0:0:0:1]:1\" (first at line 3)");
        assertThat(files.error(listen("    - address: localhost:1\n    - address: LOCALHOST:1\n")))
                .isEqualTo("4:16: server.listen[1].address: duplicate address \"LOCALHOST:1\" (first at line 3)");
        assertThat(files.error(listen(tlsListener("0.0.0.0:7443") + "    - address: 127.0.0.1:7443\n")))
                .isEqualTo("5:16: server.listen[1].address: address \"127.0.0.1:7443\" overlaps \"0.0.0.0:7443\""
                        + " (line 3): 0.0.0.0 listens on every IPv4 address at port 7443; keep one of the two");
        assertThat(files.error(listen("    - address: 127.0.0.1:7443\n" + tlsListener("[::]:7443"))))
                .isEqualTo("4:16: server.listen[1].address: address \"[::]:7443\" overlaps \"127.0.0.1:7443\" (line 3):"
                        + " [::] listens on every address, IPv4 included, at port 7443; keep one of the two");
        // Port 0 is a new port each time; other ports, and 0.0.0.0 beside an IPv6 address, do not collide.
        assertThat(files.load(listen("    - address: 127.0.0.1:0\n    - address: 127.0.0.1:0\n"
                + "    - address: 127.0.0.1:7444\n" + tlsListener("0.0.0.0:7443") + "    - address: \"[::1]:7443\"\n"))
                .server().listen()).hasSize(5);
    }

    @Test
    void theShapeOfTheList() {
        assertThat(files.error("server:\n  listen: 127.0.0.1:7443\n")).isEqualTo("2:11: server.listen: expected a list"
                + " of listeners (each with an address, and tls unless on loopback), found \"127.0.0.1:7443\"");
        assertThat(files.error(listen("    - 127.0.0.1:7443\n"))).isEqualTo("3:7: server.listen[0]: expected a"
                + " listener: a mapping with address and tls, found \"127.0.0.1:7443\"");
        assertThat(files.error(listen("    - tls: {cert: server.crt, key: server.key}\n"))).isEqualTo("3:7:"
                + " server.listen[0]: expected the required key \"address\" (host:port to listen on), found no such key");
        assertThat(files.error(listen("    - address: 127.0.0.1:1\n      port: 3\n"))).isEqualTo("4:7:"
                + " server.listen[0].port: unknown key \"port\"; expected one of: address, tls");
        assertThat(files.load("server:\n  listen: []\n").server().listen()).isEmpty();
        assertThat(files.load("server:\n  listen:\n").server().listen()).isEmpty();
    }

    @Test
    void tlsNeedsACertificateAndItsKey() {
        assertThat(files.error(listen("    - address: 0.0.0.0:1\n      tls: {cert: server.crt}\n"))).isEqualTo("4:12:"
                + " server.listen[0].tls: expected the required key \"key\" (the private key of cert, a PEM file),"
                + " found no such key");
        assertThat(files.error(listen("    - address: 0.0.0.0:1\n      tls: {key: server.key}\n"))).isEqualTo("4:12:"
                + " server.listen[0].tls: expected the required key \"cert\" (the server's certificate, a PEM file),"
                + " found no such key");
        assertThat(files.error(listen("    - address: 0.0.0.0:1\n      tls:\n        cert: server.crt\n"
                + "        key: server.key\n        client-ca: server.crt\n"))).isEqualTo("7:9:"
                + " server.listen[0].tls.client-ca: unknown key \"client-ca\"; did you mean \"client_ca\"?");
        assertThat(files.error(listen("    - address: 0.0.0.0:1\n      tls: yes\n"))).isEqualTo("4:12:"
                + " server.listen[0].tls: expected a mapping with cert, key and optionally client_ca, found yes");
    }

    @Test
    void theFilesAreCheckedAtLoadWithTheirPaths() throws IOException {
        Path missing = tmp.resolve("nope.crt");
        assertThat(files.error(listen("    - address: 0.0.0.0:1\n      tls: {cert: nope.crt, key: server.key}\n")))
                .isEqualTo("4:19: server.listen[0].tls.cert: cannot read " + missing + ": no such file");
        assertThat(files.error(listen("    - address: 0.0.0.0:1\n      tls: {cert: server.crt, key: server.key,"
                + " client_ca: " + tmp + "}\n"))).isEqualTo("4:59: server.listen[0].tls.client_ca: cannot read "
                + tmp + ": it is a directory, not a file");
        Files.writeString(tmp.resolve("text.crt"), "hello\n");
        assertThat(files.error(listen("    - address: 0.0.0.0:1\n      tls: {cert: text.crt, key: server.key}\n")))
                .isEqualTo("4:19: server.listen[0].tls.cert: expected a PEM certificate (-----BEGIN CERTIFICATE-----)"
                        + " in " + tmp.resolve("text.crt") + ", found none");
        Files.writeString(tmp.resolve("broken.crt"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertThat(files.error(listen("    - address: 0.0.0.0:1\n      tls: {cert: broken.crt, key: server.key}\n")))
                .startsWith("4:19: server.listen[0].tls.cert: expected a PEM certificate in " + tmp.resolve("broken.crt")
                        + ", found one that does not parse (");
        // The certificate where the key should be.
        assertThat(files.error(listen("    - address: 0.0.0.0:1\n      tls: {cert: server.crt, key: server.crt}\n")))
                .isEqualTo("4:36: server.listen[0].tls.key: expected a PEM private key (-----BEGIN PRIVATE KEY-----)"
                        + " in " + cert + ", found none");
        Path encrypted = Files.writeString(tmp.resolve("enc.key"), "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAA\n");
        Files.setPosixFilePermissions(encrypted, PosixFilePermissions.fromString("rw-------"));
        assertThat(files.error(listen("    - address: 0.0.0.0:1\n      tls: {cert: server.crt, key: enc.key}\n")))
                .isEqualTo("4:36: server.listen[0].tls.key: expected an unencrypted private key in " + encrypted
                        + ", found an encrypted one; the daemon cannot ask for a passphrase (decrypt it with:"
                        + " openssl pkey -in KEY -out NEW)");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(files.error(listen("    - address: 0.0.0.0:1\n      tls: {cert: server.crt, key: server.key}\n")))
                .isEqualTo("4:36: server.listen[0].tls.key: expected a private key that only its owner (and group)"
                        + " can read, found " + key + " readable by every user; chmod 600 " + key);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
        assertThat(files.load(listen("    - address: 0.0.0.0:1\n      tls: {cert: server.crt, key: server.key}\n"))
                .server().listen()).hasSize(1);
    }

    @Test
    void everyProblemOfTheListIsReportedAtOnce() {
        assertThat(files.errors(listen("    - address: 0.0.0.0:1\n    - address: x:99999\n"
                + "    - address: 127.0.0.1:2\n      tls: {cert: server.crt}\n")))
                .extracting(ConfigFiles::located).containsExactly(
                        "3:16: server.listen[0].address: expected a loopback address (127.0.0.0/8, [::1] or localhost)"
                                + " for a listener without tls, found \"0.0.0.0:1\"; plaintext would expose the API to"
                                + " the network: add tls with cert and key",
                        "4:16: server.listen[1].address: expected a port from 0 to 65535 after the last \":\","
                                + " found \"x:99999\"",
                        "6:12: server.listen[2].tls: expected the required key \"key\" (the private key of cert,"
                                + " a PEM file), found no such key");
    }

    @Test
    void aChangeOfListenersIsAServerChange() {
        Config before = files.load(listen("    - address: 127.0.0.1:1\n"));
        Config after = files.load(listen("    - address: 127.0.0.1:2\n"));
        assertThat(ConfigDiff.between(before, after).serverChanged()).isTrue();
        assertThat(ConfigDiff.between(before, files.load(listen("    - address: 127.0.0.1:1\n"))).serverChanged()).isFalse();
    }
}
