package dev.taskmaster.server.transport.tls;

import static dev.taskmaster.server.daemon.DaemonCommandRun.taskmasterd;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.ListenerSpec;
import dev.taskmaster.server.daemon.DaemonCommandRun;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code taskmasterd tls init} and {@code tls client}, run through the daemon's command line; what
 * they write is read back with the JDK's own CertificateFactory, as a TLS peer would.
 */
class TlsCommandsTest {

    static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    @TempDir
    Path tmp;

    static X509Certificate read(Path file) throws Exception {
        Collection<? extends java.security.cert.Certificate> all = CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)));
        assertThat(all).as("certificates in %s", file).hasSize(1);
        return (X509Certificate) all.iterator().next();
    }

    private static byte[] ski(X509Certificate c) {
        byte[] ext = c.getExtensionValue("2.5.29.14");
        assertThat(ext).as("subject key identifier of %s", c.getSubjectX500Principal()).isNotNull();
        return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifier();
    }

    private static byte[] aki(X509Certificate c) {
        byte[] ext = c.getExtensionValue("2.5.29.35");
        assertThat(ext).as("authority key identifier of %s", c.getSubjectX500Principal()).isNotNull();
        return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifierObject()
                .getOctets();
    }

    @Test
    void initMakesACaAndAServerCertificateForEveryNameAndAddress() throws Exception {
        Path dir = tmp.resolve("tls");
        Instant before = Instant.now();
        DaemonCommandRun run = taskmasterd("tls", "init", dir.toString(), "--host", "web1.example.org", "--host", "10.1.2.3,::1",
                "--host", "localhost");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");

        X509Certificate ca = read(dir.resolve("ca.crt"));
        assertThat(ca.getSubjectX500Principal().getName()).isEqualTo("CN=Taskmaster CA web1.example.org,O=Taskmaster");
        assertThat(ca.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThat(ca.getBasicConstraints()).as("a CA that signs end certificates only").isZero();
        assertThat(ca.getCriticalExtensionOIDs()).contains("2.5.29.19", "2.5.29.15");
        assertThat(ca.getKeyUsage()[5]).as("keyCertSign").isTrue();
        assertThat(ca.getKeyUsage()[0]).as("digitalSignature").isFalse();
        ca.verify(ca.getPublicKey());
        assertThat(Duration.between(ca.getNotBefore().toInstant(), ca.getNotAfter().toInstant()).toDays())
                .isEqualTo(3650);
        assertThat(ca.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(((java.security.interfaces.ECPublicKey) ca.getPublicKey()).getParams().getCurve().getField()
                .getFieldSize()).isEqualTo(256);
        assertThat(ca.getSigAlgName()).isEqualTo("SHA256withECDSA");

        X509Certificate server = read(dir.resolve("server.crt"));
        server.verify(ca.getPublicKey());
        assertThat(server.getSubjectX500Principal().getName()).isEqualTo("CN=web1.example.org");
        assertThat(server.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThat(server.getSubjectAlternativeNames()).containsExactly(List.of(2, "web1.example.org"),
                List.of(7, "10.1.2.3"), List.of(7, "0:0:0:0:0:0:0:1"), List.of(2, "localhost"));
        assertThat(server.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        assertThat(server.getBasicConstraints()).as("not a CA").isEqualTo(-1);
        assertThat(server.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(server.getKeyUsage()[5]).as("keyCertSign").isFalse();
        assertThat(aki(server)).isEqualTo(ski(ca));
        assertThat(ski(server)).isNotEqualTo(ski(ca));
        // Valid from (a little before) now for two years.
        assertThat(server.getNotBefore().toInstant()).isBefore(before).isAfter(before.minus(Duration.ofHours(2)));
        assertThat(Duration.between(server.getNotBefore().toInstant(), server.getNotAfter().toInstant()).toDays())
                .isEqualTo(730 + 0);
        assertThat(server.getSerialNumber()).isNotEqualTo(ca.getSerialNumber());

        for (String key : List.of("ca.key", "server.key")) {
            Path file = dir.resolve(key);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as(key).isEqualTo("rw-------");
            assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----\n");
        }
        assertThat(ServerIdentity.load(dir.resolve("server.crt"), dir.resolve("server.key")).leaf()).isEqualTo(server);
        assertThat(ServerIdentity.matches(PemFiles.privateKey(dir.resolve("ca.key")), ca)).isTrue();
        assertThat(ServerIdentity.matches(PemFiles.privateKey(dir.resolve("ca.key")), server)).isFalse();
    }

    @Test
    void thePrintedSnippetIsAConfigurationThatLoads() throws Exception {
        Path dir = tmp.resolve("tls");
        DaemonCommandRun run = taskmasterd("tls", "init", dir.toString(), "--host", "127.0.0.1", "--port", "8443");
        assertThat(run.code()).as(run.err()).isZero();
        String yaml = run.out().substring(run.out().indexOf("server:\n"), run.out().indexOf("\nThen make"));
        Config config = ConfigLoader.load(Files.writeString(tmp.resolve("taskmaster.yaml"), yaml), Map.of());
        assertThat(config.server().listen()).containsExactly(new ListenerSpec("0.0.0.0", 8443, Optional.of(
                new dev.taskmaster.config.TlsSpec(dir.resolve("server.crt"), dir.resolve("server.key"),
                        Optional.of(dir.resolve("ca.crt"))))));
        assertThat(run.out()).contains("server.crt  the server certificate for 127.0.0.1, valid until ",
                "taskmasterd tls client NAME --role viewer|operator|admin --dir " + dir);
    }

    @Test
    void initNeverOverwritesAFile() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("tls"));
        Path planted = Files.writeString(dir.resolve("server.key"), "mine\n");
        DaemonCommandRun run = taskmasterd("tls", "init", dir.toString(), "--host", "a.example");
        assertThat(run.code()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("taskmasterd: " + planted + " already exists; tls init never overwrites a file"
                + " (remove the old files, or choose another directory)\n");
        assertThat(Files.readString(planted)).isEqualTo("mine\n");
        assertThat(dir.resolve("ca.key")).doesNotExist();
        // A dangling symbolic link is not followed to create its target either.
        Files.delete(planted);
        Files.createSymbolicLink(dir.resolve("ca.crt"), tmp.resolve("elsewhere"));
        assertThat(taskmasterd("tls", "init", dir.toString(), "--host", "a.example").code()).isEqualTo(1);
        assertThat(tmp.resolve("elsewhere")).doesNotExist();

        Path fresh = tmp.resolve("fresh");
        assertThat(taskmasterd("tls", "init", fresh.toString(), "--host", "a.example").code()).isZero();
        byte[] first = Files.readAllBytes(fresh.resolve("ca.key"));
        assertThat(taskmasterd("tls", "init", fresh.toString(), "--host", "b.example").code()).isEqualTo(1);
        assertThat(Files.readAllBytes(fresh.resolve("ca.key"))).isEqualTo(first);
    }

    @Test
    void initRefusesBadUsageWithOneLine() {
        Path dir = tmp.resolve("tls");
        DaemonCommandRun bad = taskmasterd("tls", "init", dir.toString(), "--host", "no_underscores.example");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).isEqualTo("taskmasterd: --host \"no_underscores.example\" is neither a host name nor an IP address\n");
        DaemonCommandRun days = taskmasterd("tls", "init", dir.toString(), "--host", "a.example", "--days", "4000");
        assertThat(days.code()).isEqualTo(2);
        assertThat(days.err()).isEqualTo("taskmasterd: --days 4000: expected 1 to 3650 (the CA's own lifetime)\n");
        assertThat(taskmasterd("tls", "init", dir.toString()).code()).as("--host is required").isEqualTo(2);
        assertThat(dir).doesNotExist();
    }

    @Test
    void clientCertificatesCarryNameAndRoleAndChainToTheCa() throws Exception {
        Path dir = tmp.resolve("tls");
        assertThat(taskmasterd("tls", "init", dir.toString(), "--host", "web1.example.org").code()).isZero();
        Instant before = Instant.now();
        DaemonCommandRun run = taskmasterd("tls", "client", "ops-laptop", "--role", "Operator", "--dir", dir.toString(), "--days", "30");
        assertThat(run.code()).as(run.err()).isZero();
        X509Certificate ca = read(dir.resolve("ca.crt"));
        X509Certificate client = read(dir.resolve("ops-laptop.crt"));
        client.verify(ca.getPublicKey());
        assertThat(client.getSubjectX500Principal().getName()).isEqualTo("CN=ops-laptop,OU=operator");
        assertThat(client.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(client.getBasicConstraints()).isEqualTo(-1);
        assertThat(client.getSubjectAlternativeNames()).isNull();
        assertThat(aki(client)).isEqualTo(ski(ca));
        assertThat(client.getNotAfter().toInstant()).isBetween(before.plus(Duration.ofDays(30)).minusSeconds(5),
                Instant.now().plus(Duration.ofDays(30)));
        Path key = dir.resolve("ops-laptop.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(ServerIdentity.matches(PemFiles.privateKey(key), client)).isTrue();
        assertThat(run.out()).contains("taskmasterctl --server web1.example.org:7443 --ca " + dir.resolve("ca.crt")
                + " --cert " + dir.resolve("ops-laptop.crt") + " --key " + key + " status");

        // The printed command line takes the listener's port when it is not the default.
        assertThat(taskmasterd("tls", "client", "ci", "--role", "viewer", "--dir", dir.toString(), "--port", "17443").out())
                .contains("taskmasterctl --server web1.example.org:17443 --ca ");

        // Each role, and the default validity of a year.
        for (String role : List.of("viewer", "admin")) {
            assertThat(taskmasterd("tls", "client", role + "-user", "--role", role, "--dir", dir.toString()).code()).isZero();
            X509Certificate c = read(dir.resolve(role + "-user.crt"));
            assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=" + role + "-user,OU=" + role);
            assertThat(Duration.between(c.getNotBefore().toInstant(), c.getNotAfter().toInstant()).toDays()).isEqualTo(365);
        }
    }

    @Test
    void clientRefusesWhatItCannotDoWell() throws Exception {
        Path dir = tmp.resolve("tls");
        DaemonCommandRun noCa = taskmasterd("tls", "client", "alice", "--role", "viewer", "--dir", dir.toString());
        assertThat(noCa.code()).isEqualTo(1);
        assertThat(noCa.err()).isEqualTo("taskmasterd: cannot read the CA: " + dir.resolve("ca.crt")
                + ": no such file (make one with: taskmasterd tls init DIR --host NAME)\n");
        assertThat(taskmasterd("tls", "init", dir.toString(), "--host", "a.example").code()).isZero();
        DaemonCommandRun role = taskmasterd("tls", "client", "alice", "--role", "root", "--dir", dir.toString());
        assertThat(role.code()).isEqualTo(2);
        assertThat(role.err()).isEqualTo("taskmasterd: --role \"root\": expected viewer, operator or admin\n");
        DaemonCommandRun name = taskmasterd("tls", "client", "../alice", "--role", "viewer", "--dir", dir.toString());
        assertThat(name.code()).isEqualTo(2);
        assertThat(name.err()).startsWith("taskmasterd: client name \"../alice\": expected up to 64 letters");
        DaemonCommandRun outlive = taskmasterd("tls", "client", "alice", "--role", "viewer", "--dir", dir.toString(), "--days", "4000");
        assertThat(outlive.code()).isEqualTo(2);
        assertThat(outlive.err()).startsWith("taskmasterd: --days 4000: the certificate would outlive the CA, which expires on ");
        assertThat(taskmasterd("tls", "client", "alice", "--role", "viewer", "--dir", dir.toString()).code()).isZero();
        DaemonCommandRun again = taskmasterd("tls", "client", "alice", "--role", "admin", "--dir", dir.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).isEqualTo("taskmasterd: " + dir.resolve("alice.crt")
                + " already exists; tls client never overwrites a file (remove it, or choose another name)\n");
        assertThat(read(dir.resolve("alice.crt")).getSubjectX500Principal().getName()).isEqualTo("CN=alice,OU=viewer");
        // The server's key is no CA key.
        Path notCa = Files.createDirectories(tmp.resolve("not-ca"));
        Files.copy(dir.resolve("server.crt"), notCa.resolve("ca.crt"));
        Files.copy(dir.resolve("server.key"), notCa.resolve("ca.key"));
        DaemonCommandRun fake = taskmasterd("tls", "client", "bob", "--role", "viewer", "--dir", notCa.toString());
        assertThat(fake.code()).isEqualTo(1);
        assertThat(fake.err()).isEqualTo("taskmasterd: " + notCa.resolve("ca.key") + " and " + notCa.resolve("ca.crt")
                + " are not a CA certificate and its key\n");
    }
}
