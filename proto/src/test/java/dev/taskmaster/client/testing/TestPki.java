package dev.taskmaster.client.testing;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made at test time, and the certificates tests need from it: a
 * daemon's for given hosts, an expired one, a client's (mutual TLS). Keys are EC P-256 made by
 * the JDK; certificates are built with BouncyCastle and signed with the JDK's provider. Files are
 * PEM, keys PKCS#8 and 0600 (as {@code openssl} 3 writes them). Not thread-safe.
 */
public final class TestPki {

    /** A certificate, its key, and the files holding them. */
    public record Issued(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile) {}

    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    private final Path dir;
    private final String name;
    private final KeyPair caKeys;
    private final X509Certificate ca;
    private final Path caFile;

    private TestPki(Path dir, String name, KeyPair caKeys, X509Certificate ca, Path caFile) {
        this.dir = dir;
        this.name = name;
        this.caKeys = caKeys;
        this.ca = ca;
        this.caFile = caFile;
    }

    /** A new CA called {@code CN=<name>}, its certificate written to {@code dir/<name>-ca.pem}. */
    public static TestPki create(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            KeyPair keys = keys();
            X500Name subject = new X500Name("CN=" + name);
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(Duration.ofDays(1))),
                    Date.from(now.plus(Duration.ofDays(30))), subject, keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate ca = sign(b, keys.getPrivate());
            Path file = dir.resolve(name + "-ca.pem");
            writePem(file, "CERTIFICATE", ca.getEncoded(), false);
            return new TestPki(dir, name, keys, ca, file);
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the test CA " + name, e);
        }
    }

    public Path caFile() {
        return caFile;
    }

    public X509Certificate caCertificate() {
        return ca;
    }

    /** A daemon's certificate valid now for {@code hosts} (names, or IP literals), subject {@code CN=<cn>}. */
    public Issued server(String cn, String... hosts) {
        Instant now = Instant.now();
        return issue(cn, null, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), true, List.of(hosts));
    }

    /** As {@link #server}, valid only between the two instants (an expired one: both in the past). */
    public Issued server(String cn, Instant notBefore, Instant notAfter, String... hosts) {
        return issue(cn, null, notBefore, notAfter, true, List.of(hosts));
    }

    /** A client certificate, subject {@code CN=<cn>} and {@code OU=<ou>} when given (the daemon reads a role there). */
    public Issued client(String cn, String ou) {
        Instant now = Instant.now();
        return issue(cn, ou, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), false, List.of());
    }

    /** A client certificate valid only between the two instants. */
    public Issued client(String cn, String ou, Instant notBefore, Instant notAfter) {
        return issue(cn, ou, notBefore, notAfter, false, List.of());
    }

    private Issued issue(String cn, String ou, Instant notBefore, Instant notAfter, boolean server, List<String> hosts) {
        try {
            KeyPair keys = keys();
            X500Name subject = new X500Name((ou != null ? "OU=" + ou + "," : "") + "CN=" + cn);
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial(), Date.from(notBefore), Date.from(notAfter),
                    subject, keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(server ? KeyPurposeId.id_kp_serverAuth
                    : KeyPurposeId.id_kp_clientAuth));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
            if (!hosts.isEmpty()) {
                List<GeneralName> names = new ArrayList<>();
                for (String h : hosts) {
                    names.add(h.chars().allMatch(c -> Character.isDigit(c) || c == '.' || c == ':') && !h.isEmpty()
                            ? new GeneralName(GeneralName.iPAddress, new org.bouncycastle.asn1.DEROctetString(
                                    InetAddress.ofLiteral(h).getAddress()))
                            : new GeneralName(GeneralName.dNSName, h));
                }
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            X509Certificate cert = sign(b, caKeys.getPrivate());
            String base = name + "-" + cn + "-" + SERIAL.incrementAndGet();
            Path certFile = dir.resolve(base + ".pem");
            Path keyFile = dir.resolve(base + ".key");
            writePem(certFile, "CERTIFICATE", cert.getEncoded(), false);
            writePem(keyFile, "PRIVATE KEY", keys.getPrivate().getEncoded(), true);
            return new Issued(cert, keys.getPrivate(), certFile, keyFile);
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue a test certificate for " + cn, e);
        }
    }

    private static KeyPair keys() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    /** Writes a PEM block; a private one is created 0600 before anything is written to it. */
    public static void writePem(Path file, String type, byte[] der, boolean secret) throws IOException {
        String text = "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
        Files.deleteIfExists(file);
        if (secret) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }
}
