package dev.taskmaster.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM certificates and PKCS#8 private keys (what {@code openssl} 3 writes), read with the
 * JDK alone, with errors that name the file and say what to do. Stateless; any thread.
 */
final class PemFiles {

    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
    /** Key algorithms a PKCS#8 key may hold, tried in turn (the DER names it, but the JDK has no lookup by OID). */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS");

    private PemFiles() {}

    /** Every certificate in a PEM file, in order; at least one. */
    static List<X509Certificate> certificates(Path file, String option) {
        String text = new String(readPublic(file, option), StandardCharsets.US_ASCII);
        List<X509Certificate> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE")) {
                    out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(der(m.group(2), file, option))));
                }
            }
        } catch (CertificateException e) {
            throw invalid(option, file, "not a valid certificate: " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw invalid(option, file, "no certificate in it; expected a PEM file (-----BEGIN CERTIFICATE-----)");
        }
        return out;
    }

    /**
     * The private key of a PEM PKCS#8 file (-----BEGIN PRIVATE KEY-----), read only if nobody
     * else may read the file ({@link SecretFiles}).
     */
    static PrivateKey privateKey(Path file, String option) {
        String text = new String(SecretFiles.read(file, option), StandardCharsets.US_ASCII);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            switch (type) {
                case "PRIVATE KEY" -> {
                    return pkcs8(der(m.group(2), file, option), file, option);
                }
                case "ENCRYPTED PRIVATE KEY" -> throw invalid(option, file,
                        "the key is encrypted; give an unencrypted PKCS#8 key: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out KEY");
                case "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY" -> throw invalid(option, file,
                        "a traditional " + type.substring(0, type.indexOf(' ')) + " key; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in "
                                + file + " -out KEY");
                default -> {
                    // a certificate next to the key: skip it
                }
            }
        }
        throw invalid(option, file, "no private key in it; expected a PEM PKCS#8 key (-----BEGIN PRIVATE KEY-----)");
    }

    /** Fails unless {@code key} is the private half of {@code cert}'s public key (a signature made with one checks with the other). */
    static void checkPair(PrivateKey key, X509Certificate cert, Path keyFile, Path certFile) {
        PublicKey pub = cert.getPublicKey();
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null; // RSASSA-PSS needs parameters; the handshake will tell
        };
        if (alg == null) {
            return;
        }
        boolean match;
        try {
            byte[] probe = "taskmaster key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            match = v.verify(sig);
        } catch (GeneralSecurityException e) {
            match = false;
        }
        if (!match) {
            throw new TargetException(TargetException.Kind.INVALID, "--key " + keyFile + " is not the key of the certificate in --cert "
                    + certFile + " (" + cert.getSubjectX500Principal().getName() + ")");
        }
    }

    private static PrivateKey pkcs8(byte[] der, Path file, String option) {
        for (String alg : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException wrongAlgorithm) {
                // try the next one
            }
        }
        throw invalid(option, file, "not a private key this client can use (RSA, EC, Ed25519 or Ed448 in PKCS#8)");
    }

    private static byte[] der(String base64, Path file, String option) {
        try {
            return Base64.getMimeDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw invalid(option, file, "malformed PEM (bad base64): " + e.getMessage());
        }
    }

    private static byte[] readPublic(Path file, String option) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw invalid(option, file, "no such file");
        } catch (AccessDeniedException e) {
            throw invalid(option, file, "permission denied");
        } catch (IOException e) {
            throw invalid(option, file, "cannot read it: " + e.getMessage());
        }
    }

    private static TargetException invalid(String option, Path file, String why) {
        return new TargetException(TargetException.Kind.INVALID, option + " " + file + ": " + why);
    }
}
