package dev.taskmaster.server.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reasons a refused client certificate is logged with, for certificates made here. */
class RefusalLogTest {

    @Test
    void theReasonIsInWords() throws Exception {
        Instant now = Instant.now();
        CertificateIssuer.Issued ca = CertificateIssuer.authority("Ours", now, Duration.ofDays(30));
        CertificateIssuer.Issued other = CertificateIssuer.authority("Theirs", now, Duration.ofDays(30));
        CertificateIssuer.Authority ours = new CertificateIssuer.Authority(ca.certificate(), ca.key());
        List<X509Certificate> trusted = List.of(ca.certificate());
        CertificateException jdk = new CertificateException("PKIX path validation failed");

        X509Certificate expired = CertificateIssuer.client(ours, "old", "viewer", now.minus(Duration.ofDays(10)),
                Duration.ofDays(2)).certificate();
        assertThat(RefusalLog.why(new X509Certificate[] {expired}, trusted, jdk))
                .isEqualTo("it expired on " + expired.getNotAfter().toInstant());
        X509Certificate early = CertificateIssuer.client(ours, "early", "viewer", now.plus(Duration.ofDays(3)),
                Duration.ofDays(2)).certificate();
        assertThat(RefusalLog.why(new X509Certificate[] {early}, trusted, jdk))
                .isEqualTo("it is not valid before " + early.getNotBefore().toInstant());
        X509Certificate foreign = CertificateIssuer.client(new CertificateIssuer.Authority(other.certificate(), other.key()),
                "mallory", "admin", now, Duration.ofDays(2)).certificate();
        assertThat(RefusalLog.why(new X509Certificate[] {foreign}, trusted, jdk))
                .isEqualTo("it was issued by CN=Theirs,O=Taskmaster, which is not in client_ca");
        X509Certificate fine = CertificateIssuer.client(ours, "alice", "admin", now, Duration.ofDays(2)).certificate();
        assertThat(RefusalLog.why(new X509Certificate[] {fine}, trusted, jdk)).isEqualTo("PKIX path validation failed");
    }
}
