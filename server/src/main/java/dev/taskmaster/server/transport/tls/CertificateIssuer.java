package dev.taskmaster.server.transport.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes the certificates of a small private CA: the CA itself, a server certificate for some
 * names and addresses, and client certificates whose subject carries the client's name (CN)
 * and role (OU). EC P-256 keys signed with ECDSA-SHA256; BouncyCastle builds the ASN.1, the
 * JDK's providers do the cryptography. Stateless; any thread.
 */
public final class CertificateIssuer {

    /** A CA's certificate and the key it signs with. */
    public record Authority(X509Certificate certificate, PrivateKey key) {
    }

    /** A certificate and its key pair, as made. */
    public record Issued(X509Certificate certificate, PrivateKey key) {
    }

    public static final Duration CA_VALIDITY = Duration.ofDays(3650);
    public static final int SERVER_DAYS = 730;
    public static final int CLIENT_DAYS = 365;
    /** Certificates start an hour back, so a host whose clock is a little behind accepts them at once. */
    static final Duration BACKDATE = Duration.ofHours(1);

    private static final SecureRandom RANDOM = new SecureRandom();

    private CertificateIssuer() {
    }

    /** A self-signed CA that may sign end certificates only (path length 0). */
    public static Issued authority(String commonName, Instant now, Duration validity) throws GeneralSecurityException {
        KeyPair keys = keyPair();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Taskmaster")
                .addRDN(BCStyle.CN, commonName).build();
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), start(now), end(now, validity),
                name, keys.getPublic());
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
        } catch (CertIOException e) {
            throw new GeneralSecurityException(e);
        }
        return new Issued(sign(b, keys.getPrivate()), keys.getPrivate());
    }

    /**
     * A server certificate for {@code hosts} (names become DNS names, IP addresses IP addresses
     * in the subject alternative names, which is what clients check); the first is the CN.
     */
    public static Issued server(Authority ca, List<String> hosts, Instant now, Duration validity)
            throws GeneralSecurityException {
        GeneralName[] names = hosts.stream().map(CertificateIssuer::generalName).toArray(GeneralName[]::new);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, hosts.getFirst()).build();
        return leaf(ca, subject, now, validity, KeyPurposeId.id_kp_serverAuth, new GeneralNames(names));
    }

    /**
     * A client certificate: {@code CN=name, OU=role}. The daemon takes the caller's identity from
     * the CN and, when it names a role, the role from the OU.
     */
    public static Issued client(Authority ca, String name, String role, Instant now, Duration validity)
            throws GeneralSecurityException {
        // Encoded OU first, CN last: printed most-specific first (RFC 2253), that reads "CN=name,OU=role".
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.OU, role).addRDN(BCStyle.CN, name)
                .build();
        return leaf(ca, subject, now, validity, KeyPurposeId.id_kp_clientAuth, null);
    }

    private static Issued leaf(Authority ca, X500Name subject, Instant now, Duration validity, KeyPurposeId purpose,
            GeneralNames alternativeNames) throws GeneralSecurityException {
        KeyPair keys = keyPair();
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca.certificate(), serial(), start(now),
                end(now, validity), subject, keys.getPublic());
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(ca.certificate()));
            if (alternativeNames != null) {
                b.addExtension(Extension.subjectAlternativeName, false, alternativeNames);
            }
        } catch (CertIOException e) {
            throw new GeneralSecurityException(e);
        }
        return new Issued(sign(b, ca.key()), keys.getPrivate());
    }

    /** An IP address (v4 or v6) as itself, anything else as a DNS name. */
    static GeneralName generalName(String host) {
        return Hosts.isIpLiteral(host) ? new GeneralName(GeneralName.iPAddress, host)
                : new GeneralName(GeneralName.dNSName, host.toLowerCase(Locale.ROOT));
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    /** Random and positive, 159 bits: unique without a serial file (RFC 5280 allows up to 20 octets). */
    private static BigInteger serial() {
        return new BigInteger(159, RANDOM).setBit(158);
    }

    private static Date start(Instant now) {
        return Date.from(now.minus(BACKDATE));
    }

    private static Date end(Instant now, Duration validity) {
        return Date.from(now.plus(validity));
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }
}
