package dev.taskmaster.server.notify.mail;

import dev.taskmaster.server.transport.tls.CertificateIssuer;
import dev.taskmaster.server.transport.tls.PemFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** A CA made at test time, its certificate as a PEM file (a {@code ca_file}), and server TLS contexts it signs. */
final class MailPki {

    private final CertificateIssuer.Authority ca;
    final Path caFile;

    MailPki(Path dir, String name) throws Exception {
        CertificateIssuer.Issued issued = CertificateIssuer.authority(name, Instant.now(), Duration.ofDays(1));
        ca = new CertificateIssuer.Authority(issued.certificate(), issued.key());
        caFile = Files.writeString(dir.resolve(name + ".crt"), PemFiles.pem("CERTIFICATE", issued.certificate().getEncoded()));
    }

    /** A server-side TLS context whose certificate, signed by this CA, names {@code hosts}. */
    SSLContext server(List<String> hosts) throws Exception {
        CertificateIssuer.Issued cert = CertificateIssuer.server(ca, hosts, Instant.now(), Duration.ofDays(1));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", cert.key(), new char[0], new Certificate[] {cert.certificate(), ca.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }
}
