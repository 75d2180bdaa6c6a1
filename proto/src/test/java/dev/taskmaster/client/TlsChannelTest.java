package dev.taskmaster.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.taskmaster.client.testing.TestPki;
import dev.taskmaster.client.testing.TlsFakeDaemon;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.ShutdownRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DaemonChannel} over real TCP with real TLS: certificates made at test time, a real
 * gRPC server ({@link TlsFakeDaemon}) that records what it received, and every failure a user
 * can meet put into its one line ({@link ConnectFailure}).
 */
class TlsChannelTest {

    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    private static final String TOKEN = "tm_Zx81-k2Jd9.fQ";

    @TempDir
    static Path dir;
    static TestPki pki;
    static TestPki other;
    static TestPki.Issued daemonCert;
    static TestPki.Issued client;

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir, "ca");
        other = TestPki.create(dir, "other");
        daemonCert = pki.server("daemon", "127.0.0.1", "localhost");
        client = pki.client("ops-laptop", "operator");
    }

    static ClientSecurity trustingCa() {
        return new ClientSecurity(pki.caFile(), null, null, null, false);
    }

    static ClientSecurity mutual(TestPki.Issued cert) {
        return new ClientSecurity(pki.caFile(), cert.certFile(), cert.keyFile(), null, false);
    }

    static DaemonTarget target(String address, ClientSecurity security) {
        return new DaemonTarget(ServerAddress.parse(address), security, null);
    }

    static ListProcessesResponse list(DaemonTarget t) {
        try (DaemonChannel c = DaemonChannel.open(t)) {
            return c.blockingStub(Duration.ofSeconds(10)).listProcesses(ListProcessesRequest.getDefaultInstance());
        }
    }

    static StatusRuntimeException failure(DaemonTarget t, Duration deadline) {
        try (DaemonChannel c = DaemonChannel.open(t)) {
            c.blockingStub(deadline).listProcesses(ListProcessesRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            return e;
        }
        throw new AssertionError("the call to " + t.label() + " succeeded");
    }

    static ConnectFailure.Diagnosis diagnosis(DaemonTarget t) {
        return diagnosis(t, Duration.ofSeconds(10));
    }

    static ConnectFailure.Diagnosis diagnosis(DaemonTarget t, Duration deadline) {
        Status s = failure(t, deadline).getStatus();
        return ConnectFailure.of(s, t).orElseThrow(() -> new AssertionError("no diagnosis for " + s));
    }

    static Path tokenFile(String token, String mode) throws IOException {
        Path f = Files.createTempFile(dir, "token", "");
        Files.writeString(f, token + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    // ---- what works -------------------------------------------------------------------------

    @Test
    void mutualTlsReachesTheDaemonWhichSeesTheClientCertificate() throws Exception {
        try (var d = TlsFakeDaemon.tls("127.0.0.1", daemonCert, pki.caFile(), true, null)) {
            assertThat(list(target(d.address(), mutual(client))).getProcesses(0).getFullName()).isEqualTo("web");

            assertThat(d.calls()).hasSize(1);
            assertThat(d.calls().getFirst().clientSubject()).isEqualTo("CN=ops-laptop,OU=operator");
            assertThat(d.calls().getFirst().authorization()).isNull();
        }
    }

    @Test
    void theTokenGoesWithEveryCallOverTls() throws Exception {
        try (var d = TlsFakeDaemon.tls("127.0.0.1", daemonCert, null, false, TOKEN)) {
            DaemonTarget t = target(d.address(), new ClientSecurity(pki.caFile(), null, null, tokenFile(TOKEN, "rw-------"), false));
            try (DaemonChannel c = DaemonChannel.open(t)) {
                for (int i = 0; i < 3; i++) {
                    c.blockingStub(Duration.ofSeconds(10)).listProcesses(ListProcessesRequest.getDefaultInstance());
                }
            }
            assertThat(d.calls()).hasSize(3).allSatisfy(s -> {
                assertThat(s.authorization()).isEqualTo("Bearer " + TOKEN);
                assertThat(s.clientSubject()).isNull();
            });
        }
    }

    @Test
    void aWrongOrMissingTokenIsTheDaemonsUnauthenticatedNotAConnectionFailure() throws Exception {
        try (var d = TlsFakeDaemon.tls("127.0.0.1", daemonCert, null, false, TOKEN)) {
            DaemonTarget wrong = target(d.address(), new ClientSecurity(pki.caFile(), null, null, tokenFile("nope", "rw-------"), false));
            StatusRuntimeException e = failure(wrong, Duration.ofSeconds(10));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(e.getStatus().getDescription()).isEqualTo("unknown bearer token");
            assertThat(ConnectFailure.of(e.getStatus(), wrong)).isEmpty();

            StatusRuntimeException none = failure(target(d.address(), trustingCa()), Duration.ofSeconds(10));
            assertThat(none.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        }
    }

    @Test
    void theDaemonsPermissionDeniedSentenceComesThrough() throws Exception {
        try (var d = TlsFakeDaemon.tls("127.0.0.1", daemonCert, pki.caFile(), true, null);
             DaemonChannel c = DaemonChannel.open(target(d.address(), mutual(client)))) {
            assertThatThrownBy(() -> c.blockingStub(Duration.ofSeconds(10)).shutdown(ShutdownRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(e.getStatus().getDescription()).isEqualTo(TlsFakeDaemon.PERMISSION_SENTENCE);
                    });
        }
    }

    @Test
    void plaintextToALoopbackListenerCarriesTheToken() throws Exception {
        try (var d = TlsFakeDaemon.plaintext("127.0.0.2", TOKEN)) {
            DaemonTarget t = target(d.address(), new ClientSecurity(null, null, null, tokenFile(TOKEN, "r--------"), true));
            assertThat(list(t).getProcessesCount()).isEqualTo(1);
            assertThat(d.calls().getFirst().authorization()).isEqualTo("Bearer " + TOKEN);
        }
    }

    @Test
    void aKeyAndCertificateMadeByOpensslWork() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        Path cert = dir.resolve("openssl-client.pem");
        Path key = dir.resolve("openssl-client.key");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
                "-out", cert.toString(), "-subj", "/CN=openssl-client", "-days", "1").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----"); // PKCS#8, as openssl 3 writes
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));

        // The self-signed client certificate is its own CA, which the daemon trusts.
        try (var d = TlsFakeDaemon.tls("127.0.0.1", daemonCert, cert, true, null)) {
            list(target(d.address(), new ClientSecurity(pki.caFile(), cert, key, null, false)));
            assertThat(d.calls().getFirst().clientSubject()).isEqualTo("CN=openssl-client");
        }
    }

    // ---- the daemon's certificate -----------------------------------------------------------

    @Test
    void aDaemonCertificateFromAnotherCaIsNotTrusted() throws Exception {
        try (var d = TlsFakeDaemon.tls("127.0.0.1", other.server("daemon", "127.0.0.1"), null, false, null)) {
            var diag = diagnosis(target(d.address(), trustingCa()));
            assertThat(diag.kind()).isEqualTo(ConnectFailure.Kind.TLS);
            assertThat(diag.line()).isEqualTo("cannot trust taskmasterd at " + d.address()
                    + ": its certificate (CN=daemon, issued by CN=other) is not signed by the CA in " + pki.caFile());
        }
    }

    @Test
    void withoutCaTheDefaultTrustStoreDoesNotKnowAPrivateCa() throws Exception {
        try (var d = TlsFakeDaemon.tls("127.0.0.1", daemonCert, null, false, null)) {
            var diag = diagnosis(target(d.address(), ClientSecurity.NONE));
            assertThat(diag.kind()).isEqualTo(ConnectFailure.Kind.TLS);
            assertThat(diag.line()).isEqualTo("cannot trust taskmasterd at " + d.address() + ": its certificate (CN=daemon, issued by CN=ca)"
                    + " is not signed by a CA in the JDK's default trust store (give the daemon's CA with --ca FILE)");
        }
    }

    @Test
    void anExpiredDaemonCertificateSaysWhenItExpired() throws Exception {
        Instant end = Instant.now().minus(Duration.ofDays(1));
        var expired = pki.server("old", end.minus(Duration.ofDays(30)), end, "127.0.0.1");
        try (var d = TlsFakeDaemon.tls("127.0.0.1", expired, null, false, null)) {
            var diag = diagnosis(target(d.address(), trustingCa()));
            assertThat(diag.kind()).isEqualTo(ConnectFailure.Kind.TLS);
            assertThat(diag.line()).isEqualTo("cannot trust taskmasterd at " + d.address() + ": its certificate (CN=old) expired on "
                    + UTC.format(expired.cert().getNotAfter().toInstant()));
        }
    }

    @Test
    void aCertificateForAnotherHostSaysWhichHostsItIsFor() throws Exception {
        try (var d = TlsFakeDaemon.tls("127.0.0.1", pki.server("elsewhere", "other.example", "10.9.9.9"), null, false, null)) {
            var diag = diagnosis(target(d.address(), trustingCa()));
            assertThat(diag.kind()).isEqualTo(ConnectFailure.Kind.TLS);
            assertThat(diag.line()).isEqualTo("cannot trust taskmasterd at " + d.address()
                    + ": its certificate (CN=elsewhere) is not for 127.0.0.1; it is for DNS:other.example, IP:10.9.9.9");
        }
    }

    @Test
    void aCertificateForTheNameOrAddressDialledIsTrusted() throws Exception {
        try (var byIp = TlsFakeDaemon.tls("127.0.0.3", pki.server("by-ip", "127.0.0.3"), null, false, null);
             var byName = TlsFakeDaemon.tls("127.0.0.1", pki.server("by-name", "localhost"), null, false, null)) {
            assertThat(list(target(byIp.address(), trustingCa())).getProcessesCount()).isEqualTo(1);
            assertThat(list(target("localhost:" + byName.port(), trustingCa())).getProcessesCount()).isEqualTo(1);
            // The same certificate dialled by an address it does not name:
            assertThat(diagnosis(target(byName.address(), trustingCa())).line())
                    .endsWith("its certificate (CN=by-name) is not for 127.0.0.1; it is for DNS:localhost");
        }
    }

    // ---- our certificate, as the daemon sees it ---------------------------------------------

    @Test
    void noClientCertificateWhereOneIsRequiredIsNotAuthorised() throws Exception {
        try (var d = TlsFakeDaemon.tls("127.0.0.1", daemonCert, pki.caFile(), true, null)) {
            var diag = diagnosis(target(d.address(), trustingCa()));
            assertThat(diag.kind()).isEqualTo(ConnectFailure.Kind.NOT_AUTHORISED);
            assertThat(diag.line()).isEqualTo("taskmasterd at " + d.address()
                    + " requires a client certificate: give --cert FILE and --key FILE (TLS alert certificate_required)");
        }
    }

    @Test
    void aClientCertificateFromAnotherCaIsNotAuthorised() throws Exception {
        var stranger = other.client("intruder", "admin");
        try (var d = TlsFakeDaemon.tls("127.0.0.1", daemonCert, pki.caFile(), true, null)) {
            var diag = diagnosis(target(d.address(), new ClientSecurity(pki.caFile(), stranger.certFile(), stranger.keyFile(), null, false)));
            assertThat(diag.kind()).isEqualTo(ConnectFailure.Kind.NOT_AUTHORISED);
            assertThat(diag.line()).isEqualTo("taskmasterd at " + d.address() + " requires a client certificate from a CA it trusts, and "
                    + stranger.certFile() + " is not from one (TLS alert certificate_required)");
            assertThat(d.calls()).isEmpty();
        }
    }

    @Test
    void anExpiredClientCertificateIsNotAuthorisedAndSaysWhenItExpired() throws Exception {
        Instant end = Instant.now().minus(Duration.ofDays(2));
        var old = pki.client("old-laptop", "viewer", end.minus(Duration.ofDays(30)), end);
        try (var d = TlsFakeDaemon.tls("127.0.0.1", daemonCert, pki.caFile(), true, null)) {
            var diag = diagnosis(target(d.address(), mutual(old)));
            assertThat(diag.kind()).isEqualTo(ConnectFailure.Kind.NOT_AUTHORISED);
            assertThat(diag.line()).startsWith("taskmasterd at " + d.address() + " refused the client certificate " + old.certFile()
                    + ": it expired on " + old.cert().getNotAfter().toInstant().toString().replace('T', ' ').replace("Z", " UTC"))
                    .endsWith("(TLS alert certificate_expired)");
        }
    }

    // ---- TLS on one side only, nobody there -------------------------------------------------

    @Test
    void tlsToAPlaintextListenerSaysItDoesNotSpeakTls() throws Exception {
        try (var d = TlsFakeDaemon.plaintext("127.0.0.1", null)) {
            var diag = diagnosis(target(d.address(), trustingCa()));
            assertThat(diag.kind()).isEqualTo(ConnectFailure.Kind.TLS);
            assertThat(diag.line()).isEqualTo("taskmasterd at " + d.address()
                    + " does not speak TLS on that port (a plaintext listener? --plaintext is for a loopback listener without TLS)");
        }
    }

    @Test
    void plaintextToATlsListenerSaysSo() throws Exception {
        // Racy: the listener's close arrives as a clean close or, when our preface is still unread
        // on its side, as a reset (about 1 in 14 here); both must read the same.
        try (var d = TlsFakeDaemon.tls("127.0.0.1", daemonCert, null, false, null)) {
            for (int i = 0; i < 60; i++) {
                var diag = diagnosis(target(d.address(), new ClientSecurity(null, null, null, null, true)));
                assertThat(diag.kind()).as("attempt %d", i).isEqualTo(ConnectFailure.Kind.TLS);
                assertThat(diag.line()).isEqualTo("taskmasterd at " + d.address()
                        + " closed the connection as it was set up (a TLS listener? drop --plaintext)");
            }
        }
    }

    @Test
    void aPortNobodyListensOnIsConnectionRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        var diag = diagnosis(target("127.0.0.1:" + port, trustingCa()));
        assertThat(diag.kind()).isEqualTo(ConnectFailure.Kind.UNREACHABLE);
        assertThat(diag.line()).isEqualTo("cannot reach taskmasterd at 127.0.0.1:" + port + " (connection refused: nothing listens on that port)");
    }

    @Test
    void anUnknownHostIsUnreachable() {
        var diag = diagnosis(target("no-such-host.invalid:7443", trustingCa()));
        assertThat(diag.kind()).isEqualTo(ConnectFailure.Kind.UNREACHABLE);
        assertThat(diag.line()).isEqualTo("cannot reach taskmasterd at no-such-host.invalid:7443 (unknown host no-such-host.invalid)");
    }

    @Test
    void aListenerThatNeverAnswersTimesOutAsUnreachable() throws Exception {
        // Accepted by the kernel's backlog, never by anyone: TCP connects, TLS waits for ever.
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            var diag = diagnosis(target("127.0.0.1:" + silent.getLocalPort(), trustingCa()), Duration.ofMillis(700));
            assertThat(diag.kind()).isEqualTo(ConnectFailure.Kind.UNREACHABLE);
            assertThat(diag.line()).isEqualTo("cannot reach taskmasterd at 127.0.0.1:" + silent.getLocalPort()
                    + " (no connection within the deadline: the host may be down, a firewall may drop the packets,"
                    + " or what listens there does not answer TLS)");
        }
    }

    // ---- settings refused before anything is sent -------------------------------------------

    @Test
    void plaintextOffLoopbackIsRefused() {
        assertThatThrownBy(() -> DaemonChannel.open(target("10.1.2.3:7443", new ClientSecurity(null, null, null, null, true))))
                .isInstanceOfSatisfying(TargetException.class, e -> assertThat(e.kind()).isEqualTo(TargetException.Kind.INVALID))
                .hasMessage("refusing plaintext to 10.1.2.3:7443: --plaintext is only for a loopback address (127.0.0.1, [::1],"
                        + " localhost); use TLS (--ca) for other hosts");
        assertThatThrownBy(() -> DaemonChannel.open(target("db.example:7443", new ClientSecurity(null, null, null, null, true))))
                .hasMessageStartingWith("refusing plaintext to db.example:7443");
    }

    @Test
    void aTokenFileOthersCanReadIsRefused() throws Exception {
        Path open = tokenFile(TOKEN, "rw-r--r--");
        assertThatThrownBy(() -> DaemonChannel.open(target("127.0.0.1:7443", new ClientSecurity(pki.caFile(), null, null, open, false))))
                .isInstanceOfSatisfying(TargetException.class, e -> assertThat(e.kind()).isEqualTo(TargetException.Kind.UNSAFE))
                .hasMessage("refusing --token-file " + open + ": it is open to others (mode 0644); a secret must be readable by you only: chmod 600 " + open);
        Path group = tokenFile(TOKEN, "rw-r-----");
        assertThatThrownBy(() -> DaemonChannel.open(target("127.0.0.1:7443", new ClientSecurity(pki.caFile(), null, null, group, false))))
                .hasMessageContaining("it is open to its group (mode 0640)");
    }

    @Test
    void aKeyFileOthersCanReadIsRefused() throws Exception {
        var c = pki.client("loose", null);
        Files.setPosixFilePermissions(c.keyFile(), PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> DaemonChannel.open(target("127.0.0.1:7443", mutual(c))))
                .isInstanceOfSatisfying(TargetException.class, e -> assertThat(e.kind()).isEqualTo(TargetException.Kind.UNSAFE))
                .hasMessageStartingWith("refusing --key " + c.keyFile() + ": it is open to others (mode 0644)");
    }

    @Test
    void badCredentialFilesAreNamed() throws Exception {
        var a = pki.client("a", null);
        var b = pki.client("b", null);
        assertThatThrownBy(() -> DaemonChannel.open(target("127.0.0.1:7443", new ClientSecurity(pki.caFile(), a.certFile(), b.keyFile(), null, false))))
                .hasMessage("--key " + b.keyFile() + " is not the key of the certificate in --cert " + a.certFile() + " (CN=a)");
        Path missing = dir.resolve("missing-ca.pem");
        assertThatThrownBy(() -> DaemonChannel.open(target("127.0.0.1:7443", new ClientSecurity(missing, null, null, null, false))))
                .hasMessage("--ca " + missing + ": no such file");
        assertThatThrownBy(() -> DaemonChannel.open(target("127.0.0.1:7443", new ClientSecurity(a.keyFile(), null, null, null, false))))
                .hasMessage("--ca " + a.keyFile() + ": no certificate in it; expected a PEM file (-----BEGIN CERTIFICATE-----)");
        Path traditional = dir.resolve("traditional.key");
        TestPki.writePem(traditional, "EC PRIVATE KEY", new byte[] {0x30, 0x00}, true);
        assertThatThrownBy(() -> DaemonChannel.open(target("127.0.0.1:7443", new ClientSecurity(pki.caFile(), a.certFile(), traditional, null, false))))
                .hasMessage("--key " + traditional + ": a traditional EC key; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in "
                        + traditional + " -out KEY");
        assertThatThrownBy(() -> DaemonChannel.open(target("127.0.0.1:7443", new ClientSecurity(pki.caFile(), a.certFile(), null, null, false))))
                .hasMessage("--cert " + a.certFile() + " needs its private key: give --key FILE too");
        assertThatThrownBy(() -> DaemonChannel.open(new DaemonTarget(new ServerAddress.Unix(dir.resolve("x.sock")),
                trustingCa(), null))).hasMessage("--ca applies to TLS (a HOST:PORT server), not to the Unix socket unix://" + dir.resolve("x.sock"));
        Path empty = tokenFile("", "rw-------");
        assertThatThrownBy(() -> DaemonChannel.open(target("127.0.0.1:7443", new ClientSecurity(pki.caFile(), null, null, empty, false))))
                .hasMessage("token file " + empty + " is empty");
        Path twoLines = tokenFile("a\nb", "rw-------");
        assertThatThrownBy(() -> DaemonChannel.open(target("127.0.0.1:7443", new ClientSecurity(pki.caFile(), null, null, twoLines, false))))
                .hasMessage("token file " + twoLines + " holds more than one line; it must hold the token alone");
    }
}
