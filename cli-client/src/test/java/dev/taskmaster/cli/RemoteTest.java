package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.client.testing.TestPki;
import dev.taskmaster.client.testing.TlsFakeDaemon;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * taskmasterctl against a real gRPC server over real TCP and TLS ({@link TlsFakeDaemon}), with
 * certificates made at test time: what works, and each failure's one line and exit code.
 */
class RemoteTest extends CtlTest {

    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    private static final String TOKEN = "tm_deploy_bot.8f2k";

    @TempDir
    static Path pkiDir;
    static TestPki pki;
    static TestPki other;
    static TestPki.Issued daemonCert;
    static TestPki.Issued client;

    @TempDir
    Path tmp;
    private TlsFakeDaemon remote;

    @BeforeAll
    static void certificates() {
        pki = TestPki.create(pkiDir, "ca");
        other = TestPki.create(pkiDir, "other");
        daemonCert = pki.server("daemon", "127.0.0.1", "localhost");
        client = pki.client("ops-laptop", "operator");
    }

    @BeforeEach
    void realConnections() {
        opener = DaemonChannel::open;
    }

    @AfterEach
    void stopRemote() throws InterruptedException {
        if (remote != null) {
            remote.close();
        }
    }

    private String[] mtls(String... verb) {
        return concat(new String[] {"--server", remote.address(), "--ca", pki.caFile().toString(), "--cert", client.certFile().toString(),
                "--key", client.keyFile().toString()}, verb);
    }

    static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private Path token(String value, String mode) throws IOException {
        Path f = Files.createTempFile(tmp, "token", "");
        Files.writeString(f, value + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    // ---- it works ---------------------------------------------------------------------------

    @Test
    void statusOverMutualTls() throws Exception {
        remote = TlsFakeDaemon.tls("127.0.0.1", daemonCert, pki.caFile(), true, null);

        Result r = run(mtls("status"));

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.outLines()).hasSize(2);
        assertThat(r.outLines().get(1)).startsWith("web").contains("RUNNING", "4242");
        assertThat(remote.calls()).singleElement().satisfies(s -> assertThat(s.clientSubject()).isEqualTo("CN=ops-laptop,OU=operator"));
    }

    @Test
    void theTokenIsSentWithTheCalls() throws Exception {
        remote = TlsFakeDaemon.tls("127.0.0.1", daemonCert, null, false, TOKEN);

        Result r = run("--server", remote.address(), "--ca", pki.caFile().toString(), "--token-file", token(TOKEN, "rw-------").toString(),
                "info");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(remote.calls()).isNotEmpty().allSatisfy(s -> assertThat(s.authorization()).isEqualTo("Bearer " + TOKEN));
    }

    @Test
    void plaintextToLoopback() throws Exception {
        remote = TlsFakeDaemon.plaintext("127.0.0.1", null);

        Result r = run("--server", remote.address(), "--plaintext", "pid");

        assertThat(r.exit()).as(r.err()).isZero();
    }

    // ---- not authorised: 7 -----------------------------------------------------------------

    @Test
    void aWrongTokenIs7AndNamesTheTokenFile() throws Exception {
        remote = TlsFakeDaemon.tls("127.0.0.1", daemonCert, null, false, TOKEN);
        Path wrong = token("not-the-token", "rw-------");

        Result r = run("--server", remote.address(), "--ca", pki.caFile().toString(), "--token-file", wrong.toString(), "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
        assertThat(r.err()).isEqualTo("taskmasterctl: unknown bearer token (taskmasterd at " + remote.address()
                + " did not accept the token in " + wrong + ")\n");
    }

    @Test
    void noTokenIs7AndSaysWhatToGive() throws Exception {
        remote = TlsFakeDaemon.tls("127.0.0.1", daemonCert, null, false, TOKEN);

        Result r = run("--server", remote.address(), "--ca", pki.caFile().toString(), "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
        assertThat(r.err()).isEqualTo("taskmasterctl: no credentials: this listener needs a bearer token (taskmasterd at "
                + remote.address() + " wants credentials: give --token-file FILE, or --cert FILE and --key FILE)\n");
    }

    @Test
    void aRoleTooLowIs7WithTheDaemonsSentence() throws Exception {
        remote = TlsFakeDaemon.tls("127.0.0.1", daemonCert, pki.caFile(), true, null);

        Result r = run(mtls("shutdown"));

        assertThat(r.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
        assertThat(r.err()).isEqualTo("taskmasterctl: " + TlsFakeDaemon.PERMISSION_SENTENCE + "\n");
    }

    @Test
    void noClientCertificateWhereOneIsRequiredIs7() throws Exception {
        remote = TlsFakeDaemon.tls("127.0.0.1", daemonCert, pki.caFile(), true, null);

        Result r = run("--server", remote.address(), "--ca", pki.caFile().toString(), "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
        assertThat(r.err()).isEqualTo("taskmasterctl: taskmasterd at " + remote.address()
                + " requires a client certificate: give --cert FILE and --key FILE (TLS alert certificate_required)\n");
    }

    @Test
    void aClientCertificateFromAnotherCaIs7() throws Exception {
        remote = TlsFakeDaemon.tls("127.0.0.1", daemonCert, pki.caFile(), true, null);
        var stranger = other.client("intruder", "admin");

        Result r = run("--server", remote.address(), "--ca", pki.caFile().toString(), "--cert", stranger.certFile().toString(),
                "--key", stranger.keyFile().toString(), "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
        assertThat(r.err()).isEqualTo("taskmasterctl: taskmasterd at " + remote.address() + " requires a client certificate from a CA it"
                + " trusts, and " + stranger.certFile() + " is not from one (TLS alert certificate_required)\n");
        assertThat(remote.calls()).isEmpty();
    }

    @Test
    void anExpiredClientCertificateIs7() throws Exception {
        remote = TlsFakeDaemon.tls("127.0.0.1", daemonCert, pki.caFile(), true, null);
        Instant end = Instant.now().minus(Duration.ofDays(1));
        var old = pki.client("old", "operator", end.minus(Duration.ofDays(10)), end);

        Result r = run("--server", remote.address(), "--ca", pki.caFile().toString(), "--cert", old.certFile().toString(),
                "--key", old.keyFile().toString(), "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
        assertThat(r.err()).startsWith("taskmasterctl: taskmasterd at " + remote.address() + " refused the client certificate "
                + old.certFile() + ": it expired on ").endsWith(" (TLS alert certificate_expired)\n").hasLineCount(1);
    }

    @Test
    void aTokenFileOthersMayReadIs7AndNothingIsSent() throws Exception {
        remote = TlsFakeDaemon.tls("127.0.0.1", daemonCert, null, false, TOKEN);
        Path open = token(TOKEN, "rw-r--r--");

        Result r = run("--server", remote.address(), "--ca", pki.caFile().toString(), "--token-file", open.toString(), "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.PERMISSION_DENIED);
        assertThat(r.err()).isEqualTo("taskmasterctl: refusing --token-file " + open + ": it is open to others (mode 0644);"
                + " a secret must be readable by you only: chmod 600 " + open + "\n");
        assertThat(remote.calls()).isEmpty();
    }

    // ---- TLS failures: 5 -------------------------------------------------------------------

    @Test
    void anUnknownCaIs5() throws Exception {
        remote = TlsFakeDaemon.tls("127.0.0.1", other.server("daemon", "127.0.0.1"), null, false, null);

        Result r = run("--server", remote.address(), "--ca", pki.caFile().toString(), "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.TLS);
        assertThat(r.err()).isEqualTo("taskmasterctl: cannot trust taskmasterd at " + remote.address()
                + ": its certificate (CN=daemon, issued by CN=other) is not signed by the CA in " + pki.caFile() + "\n");
    }

    @Test
    void anExpiredDaemonCertificateIs5() throws Exception {
        Instant end = Instant.now().minus(Duration.ofDays(3));
        var expired = pki.server("stale", end.minus(Duration.ofDays(90)), end, "127.0.0.1");
        remote = TlsFakeDaemon.tls("127.0.0.1", expired, null, false, null);

        Result r = run("--server", remote.address(), "--ca", pki.caFile().toString(), "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.TLS);
        assertThat(r.err()).isEqualTo("taskmasterctl: cannot trust taskmasterd at " + remote.address()
                + ": its certificate (CN=stale) expired on " + UTC.format(expired.cert().getNotAfter().toInstant()) + "\n");
    }

    @Test
    void aCertificateForAnotherHostIs5() throws Exception {
        remote = TlsFakeDaemon.tls("127.0.0.1", pki.server("db", "db.internal"), null, false, null);

        Result r = run("--server", remote.address(), "--ca", pki.caFile().toString(), "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.TLS);
        assertThat(r.err()).isEqualTo("taskmasterctl: cannot trust taskmasterd at " + remote.address()
                + ": its certificate (CN=db) is not for 127.0.0.1; it is for DNS:db.internal\n");
    }

    @Test
    void tlsToAPlaintextListenerIs5() throws Exception {
        remote = TlsFakeDaemon.plaintext("127.0.0.1", null);

        Result r = run("--server", remote.address(), "--ca", pki.caFile().toString(), "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.TLS);
        assertThat(r.err()).isEqualTo("taskmasterctl: taskmasterd at " + remote.address()
                + " does not speak TLS on that port (a plaintext listener? --plaintext is for a loopback listener without TLS)\n");
    }

    // ---- unreachable: 6; bad usage: 2 --------------------------------------------------------

    @Test
    void connectionRefusedIs6() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }

        Result r = run("--server", "127.0.0.1:" + port, "--ca", pki.caFile().toString(), "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(r.err()).isEqualTo("taskmasterctl: cannot reach taskmasterd at 127.0.0.1:" + port
                + " (connection refused: nothing listens on that port)\n");
    }

    @Test
    void noAnswerWithinTheTimeoutIs6() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Result r = run("--server", "127.0.0.1:" + silent.getLocalPort(), "--ca", pki.caFile().toString(), "--timeout", "700ms", "status");

            assertThat(r.exit()).isEqualTo(ExitCodes.UNREACHABLE);
            assertThat(r.err()).startsWith("taskmasterctl: cannot reach taskmasterd at 127.0.0.1:" + silent.getLocalPort()
                    + " (no connection within the deadline").hasLineCount(1);
        }
    }

    @Test
    void plaintextToAnotherHostIsRefusedAsBadUsage() {
        Result r = run("--server", "192.0.2.7:7443", "--plaintext", "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("taskmasterctl: refusing plaintext to 192.0.2.7:7443: --plaintext is only for a loopback address"
                + " (127.0.0.1, [::1], localhost); use TLS (--ca) for other hosts\n");
    }

    @Test
    void aMalformedServerIsBadUsage() {
        Result r = run("--server", "web1", "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).startsWith("taskmasterctl: invalid server address \"web1\": no port").hasLineCount(1);
    }

    @Test
    void aMissingCaFileIsBadUsage() {
        Path missing = tmp.resolve("nope.pem");

        Result r = run("--server", "127.0.0.1:7443", "--ca", missing.toString(), "status");

        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("taskmasterctl: --ca " + missing + ": no such file\n");
    }
}
