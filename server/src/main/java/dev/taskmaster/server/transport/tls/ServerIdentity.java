package dev.taskmaster.server.transport.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * A certificate chain (leaf first) and the private key of its leaf, checked to belong together.
 * Immutable.
 */
public record ServerIdentity(PrivateKey key, List<X509Certificate> chain) {

    public ServerIdentity {
        chain = List.copyOf(chain);
    }

    public X509Certificate leaf() {
        return chain.getFirst();
    }

    /** Reads both files and checks that the key is the certificate's. */
    public static ServerIdentity load(Path certFile, Path keyFile) throws TlsFileException {
        List<X509Certificate> chain = PemFiles.certificates(certFile);
        PrivateKey key = PemFiles.privateKey(keyFile);
        if (!matches(key, chain.getFirst())) {
            throw new TlsFileException(keyFile, "this private key does not belong to the certificate in " + certFile);
        }
        return new ServerIdentity(key, chain);
    }

    /** Signs a challenge with the key and verifies it with the certificate: what a handshake will do. */
    static boolean matches(PrivateKey key, X509Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "EdDSA", "Ed25519" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null || !key.getAlgorithm().equals(cert.getPublicKey().getAlgorithm())
                && !(algorithm.startsWith("Ed") && cert.getPublicKey().getAlgorithm().startsWith("Ed"))) {
            return false;
        }
        try {
            byte[] challenge = "taskmaster key check".getBytes(StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(challenge);
            byte[] signature = sign.sign();
            Signature verify = Signature.getInstance(algorithm);
            verify.initVerify(cert.getPublicKey());
            verify.update(challenge);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Why this certificate should not be served now, if it should not: expired, or not yet valid. */
    public java.util.Optional<String> invalidAt(Instant now) {
        X509Certificate leaf = leaf();
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            return java.util.Optional.of("the certificate expired on " + leaf.getNotAfter().toInstant());
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            return java.util.Optional.of("the certificate is not valid before " + leaf.getNotBefore().toInstant());
        }
        return java.util.Optional.empty();
    }

    /** For the log: {@code CN=web1, serial 5f…, valid until 2027-12-06T10:00:00Z}. */
    public String describe() {
        X509Certificate leaf = leaf();
        return leaf.getSubjectX500Principal().getName() + ", serial " + leaf.getSerialNumber().toString(16)
                + ", valid until " + leaf.getNotAfter().toInstant();
    }
}
