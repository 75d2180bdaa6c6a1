package dev.taskmaster.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.taskmaster.config.ListenerSpec;
import dev.taskmaster.config.TlsSpec;
import dev.taskmaster.server.output.Outputs;
import dev.taskmaster.server.security.CertificateRoles;
import dev.taskmaster.server.security.FailedAttempts;
import dev.taskmaster.server.security.Identities;
import dev.taskmaster.server.security.LocalAccess;
import dev.taskmaster.server.security.Token;
import dev.taskmaster.server.security.Tokens;
import dev.taskmaster.server.transport.tls.CertificateIssuer;
import dev.taskmaster.server.transport.tls.PemFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} over HTTPS as a scraper sees it: a real listener on 127.0.0.1, certificates
 * made at test time, the JDK's HTTP client with a client certificate or a bearer token, and the
 * daemon's own {@link Identities}: 200 for a viewer, 401 without valid credentials, 403 for a
 * certificate without a role, a failed handshake without a client certificate where one is
 * required, nothing for plain HTTP on the TLS port (and the port still serves), and a SIGHUP's
 * reload of the certificate and client CA reaching new and kept-alive connections.
 */
class MetricsHttpsTest {

    @TempDir
    Path tmp;

    private DaemonMetrics metrics;

    @AfterEach
    void stop() {
        if (metrics != null) {
            metrics.close();
        }
    }

    private record Pki(CertificateIssuer.Authority ca, Path caFile, Path cert, Path key) {
    }

    private static Path pem(Path file, String type, byte[] der) throws IOException {
        Files.writeString(file, PemFiles.pem(type, der));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private Pki pki(String name) throws Exception {
        CertificateIssuer.Issued ca = CertificateIssuer.authority(name, Instant.now(), Duration.ofDays(30));
        CertificateIssuer.Authority authority = new CertificateIssuer.Authority(ca.certificate(), ca.key());
        CertificateIssuer.Issued server = CertificateIssuer.server(authority, List.of("127.0.0.1", "localhost"),
                Instant.now(), Duration.ofDays(30));
        return new Pki(authority, pem(tmp.resolve(name + "-ca.crt"), "CERTIFICATE", ca.certificate().getEncoded()),
                pem(tmp.resolve(name + "-server.crt"), "CERTIFICATE", server.certificate().getEncoded()),
                pem(tmp.resolve(name + "-server.key"), "PRIVATE KEY", server.key().getEncoded()));
    }

    /** The daemon's metrics on 127.0.0.1, port 0, with these TLS files and the token "tm_viewer" of role viewer. */
    private DaemonMetrics serve(TlsSpec tls) throws Exception {
        Path tokens = tmp.resolve("tokens");
        Files.writeString(tokens, "ci viewer " + HexFormat.of().formatHex(Token.hash("tm_viewer")) + "\n");
        Files.setPosixFilePermissions(tokens, PosixFilePermissions.fromString("rw-------"));
        Identities identities = new Identities(new LocalAccess(List.of(), () -> 0, LocalAccess.Accounts.SYSTEM),
                new CertificateRoles(List.of()), Tokens.load(Optional.of(tokens), () -> 0), new FailedAttempts());
        metrics = new DaemonMetrics(new ListenerSpec("127.0.0.1", 0, Optional.of(tls)), new Outputs(tmp),
                () -> null, "test", "0.0.0", Instant.now(), identities);
        metrics.serve();
        return metrics;
    }

    private static SSLContext client(Pki trusted, CertificateIssuer.Issued me) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", trusted.ca().certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        if (me != null) {
            keys.setKeyEntry("me", me.key(), new char[0], new Certificate[] {me.certificate()});
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    private static HttpClient http(SSLContext context) {
        return HttpClient.newBuilder().sslContext(context).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private HttpResponse<byte[]> get(HttpClient client, String token, boolean gzip) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + metrics.port() + "/metrics"))
                .timeout(Duration.ofSeconds(20));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (gzip) {
            b.header("Accept-Encoding", "gzip");
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void mutualTlsLetsViewersInAndRefusesCertificatesWithoutARole() throws Exception {
        Pki pki = pki("metrics");
        serve(new TlsSpec(pki.cert(), pki.key(), Optional.of(pki.caFile())));
        CertificateIssuer.Issued viewer = CertificateIssuer.client(pki.ca(), "prometheus", "viewer", Instant.now(),
                Duration.ofDays(1));
        HttpResponse<byte[]> ok = get(http(client(pki, viewer)), null, false);
        assertThat(ok.statusCode()).as(text(ok)).isEqualTo(200);
        assertThat(ok.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
        assertThat(text(ok)).contains("taskmaster_daemon_info{instance_name=\"test\",version=\"0.0.0\"} 1\n")
                .contains("# TYPE jvm_memory_used_bytes gauge");

        CertificateIssuer.Issued guest = CertificateIssuer.client(pki.ca(), "guest", "guest", Instant.now(), Duration.ofDays(1));
        HttpResponse<byte[]> denied = get(http(client(pki, guest)), null, false);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(text(denied)).contains("cert CN=guest has no role");

        // Required client certificate: without one, the handshake fails, whatever token is sent (as on the API's listener).
        Throwable noCert = catchThrowable(() -> get(http(client(pki, null)), "tm_viewer", false));
        assertThat(noCert).isInstanceOf(IOException.class);
        // Another CA's certificate: refused in the handshake too.
        Pki other = pki("other");
        CertificateIssuer.Issued stranger = CertificateIssuer.client(other.ca(), "prometheus", "viewer", Instant.now(),
                Duration.ofDays(1));
        assertThat(catchThrowable(() -> get(http(client(pki, stranger)), null, false))).isInstanceOf(IOException.class);
    }

    @Test
    void bearerTokensWithoutClientCertificates() throws Exception {
        Pki pki = pki("metrics");
        serve(new TlsSpec(pki.cert(), pki.key(), Optional.empty()));
        HttpClient client = http(client(pki, null));
        HttpResponse<byte[]> ok = get(client, "tm_viewer", false);
        assertThat(ok.statusCode()).as(text(ok)).isEqualTo(200);
        assertThat(text(ok)).contains("taskmaster_daemon_info");

        HttpResponse<byte[]> none = get(client, null, false);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"taskmaster\"");
        assertThat(text(none)).contains("no credentials");
        HttpResponse<byte[]> wrong = get(client, "tm_guessed", false);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(text(wrong)).contains("the bearer token is not one this daemon accepts");

        HttpResponse<byte[]> zipped = get(client, "tm_viewer", true);
        assertThat(zipped.statusCode()).isEqualTo(200);
        assertThat(zipped.headers().firstValue("Content-Encoding")).contains("gzip");
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(zipped.body()))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("taskmaster_daemon_info");
        }
        HttpResponse<byte[]> elsewhere = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + metrics.port()
                + "/other")).header("Authorization", "Bearer tm_viewer").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(elsewhere.statusCode()).isEqualTo(404);
    }

    /** Plain HTTP to the TLS port gets no answer in HTTP, never metrics; the port serves HTTPS after it. */
    @Test
    void plainHttpOnTheTlsPortFailsAndTheListenerGoesOn() throws Exception {
        Pki pki = pki("metrics");
        serve(new TlsSpec(pki.cert(), pki.key(), Optional.empty()));
        for (int i = 0; i < 5; i++) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), metrics.port())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer tm_viewer\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] answer;
                try {
                    answer = s.getInputStream().readAllBytes(); // a TLS alert at most, then the end
                } catch (java.net.SocketTimeoutException hung) {
                    throw new AssertionError("plain HTTP on the TLS port: no answer nor close in 10 s", hung);
                } catch (IOException reset) {
                    answer = new byte[0];
                }
                String seen = new String(answer, StandardCharsets.ISO_8859_1);
                assertThat(seen).doesNotContain("taskmaster_").doesNotStartWith("HTTP/1.1 200");
            }
        }
        assertThat(get(http(client(pki, null)), "tm_viewer", false).statusCode()).isEqualTo(200);
    }

    /** As the API's listeners on SIGHUP: a new certificate for new handshakes, a new client CA for every request. */
    @Test
    void aReloadReplacesTheCertificateAndTheClientCa() throws Exception {
        Pki pki = pki("metrics");
        serve(new TlsSpec(pki.cert(), pki.key(), Optional.of(pki.caFile())));
        CertificateIssuer.Issued viewer = CertificateIssuer.client(pki.ca(), "prometheus", "viewer", Instant.now(),
                Duration.ofDays(1));
        HttpClient kept = http(client(pki, viewer));
        assertThat(get(kept, null, false).statusCode()).isEqualTo(200);
        X509Certificate before = serverCertificate(pki, viewer);

        // Renewed server certificate from the same CA, and a new client CA: the old viewer's issuer is no longer trusted.
        CertificateIssuer.Issued renewed = CertificateIssuer.server(pki.ca(), List.of("127.0.0.1"), Instant.now(),
                Duration.ofDays(60));
        pem(pki.cert(), "CERTIFICATE", renewed.certificate().getEncoded());
        pem(pki.key(), "PRIVATE KEY", renewed.key().getEncoded());
        Pki next = pki("next");
        Files.copy(next.caFile(), pki.caFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        metrics.reloadCertificates();

        // The kept-alive connection (or a resumed session, which skips the trust manager) is checked against the
        // CA as it is now; a full handshake would fail.
        try {
            HttpResponse<byte[]> stale = get(kept, null, false);
            assertThat(stale.statusCode()).isEqualTo(401);
            assertThat(text(stale)).contains("is no longer trusted by this listener");
        } catch (IOException refusedInTheHandshake) {
            // refused too
        }
        assertThat(catchThrowable(() -> get(http(client(pki, viewer)), null, false))).isInstanceOf(IOException.class);
        CertificateIssuer.Issued nextViewer = CertificateIssuer.client(next.ca(), "prometheus", "viewer", Instant.now(),
                Duration.ofDays(1));
        X509Certificate after = serverCertificate(pki, nextViewer);
        assertThat(after.getSerialNumber()).isEqualTo(renewed.certificate().getSerialNumber())
                .isNotEqualTo(before.getSerialNumber());
        assertThat(get(http(client(pki, nextViewer)), null, false).statusCode()).isEqualTo(200);
    }

    /** A fresh handshake as {@code me}: the certificate the listener presents now. */
    private X509Certificate serverCertificate(Pki trusted, CertificateIssuer.Issued me) throws Exception {
        try (SSLSocket socket = (SSLSocket) client(trusted, me).getSocketFactory().createSocket("127.0.0.1", metrics.port())) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
