package dev.taskmaster.server.transport;

import dev.taskmaster.server.transport.tls.CertificateIssuer;
import dev.taskmaster.server.transport.tls.PemFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** Certificates made at test time, written as PEM files, and a plain JDK TLS client to look at a server with. */
final class TestPki {

    final Path dir;
    final CertificateIssuer.Authority ca;

    TestPki(Path dir, String name) throws GeneralSecurityException {
        this.dir = dir;
        CertificateIssuer.Issued issued = CertificateIssuer.authority(name, Instant.now(), Duration.ofDays(30));
        this.ca = new CertificateIssuer.Authority(issued.certificate(), issued.key());
        write(dir.resolve(name + "-ca.crt"), PemFiles.pem("CERTIFICATE", issued.certificate().getEncoded()));
    }

    Path caFile() {
        return dir.resolve(ca.certificate().getSubjectX500Principal().getName().replaceAll(".*CN=([^,]+).*", "$1") + "-ca.crt");
    }

    /** A server certificate for 127.0.0.1 and ::1 issued {@code age} ago, written to {@code name}.crt/.key. */
    Path[] server(String name, Duration age, Duration validity) throws GeneralSecurityException {
        return files(name, CertificateIssuer.server(ca, List.of(name + ".test", "127.0.0.1", "::1"),
                Instant.now().minus(age), validity));
    }

    Path[] client(String name, String role) throws GeneralSecurityException {
        return files(name, CertificateIssuer.client(ca, name, role, Instant.now(), Duration.ofDays(1)));
    }

    private Path[] files(String name, CertificateIssuer.Issued issued) throws GeneralSecurityException {
        Path crt = write(dir.resolve(name + ".crt"), PemFiles.pem("CERTIFICATE", issued.certificate().getEncoded()));
        Path key = write(dir.resolve(name + ".key"), PemFiles.pem("PRIVATE KEY", issued.key().getEncoded()));
        return new Path[] {crt, key};
    }

    static Path write(Path file, String text) {
        try {
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Handshakes with {@code port} on 127.0.0.1 as the client {@code cert}/{@code key}, returning the server's certificate. */
    static X509Certificate serverCertificate(int port, Path trusted, Path cert, Path key) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", PemFiles.certificates(trusted).getFirst());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("me", PemFiles.privateKey(key), new char[0],
                PemFiles.certificates(cert).toArray(Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(5000);
            socket.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            socket.setUseClientMode(true);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }
}
