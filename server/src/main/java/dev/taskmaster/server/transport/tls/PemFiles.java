package dev.taskmaster.server.transport.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Reads and writes PEM files: certificates, and private keys in PKCS#8 or the traditional RSA
 * and EC forms that {@code openssl} writes. Failures are {@link TlsFileException}s naming the
 * file and what is wrong with it. Stateless; any thread.
 */
public final class PemFiles {

    private PemFiles() {
    }

    /** Every certificate in {@code file}, in order; at least one. */
    public static List<X509Certificate> certificates(Path file) throws TlsFileException {
        List<X509Certificate> out = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser pem = parser(file)) {
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                if (o instanceof X509CertificateHolder holder) {
                    out.add(converter.getCertificate(holder));
                }
            }
        } catch (CertificateException | IOException | RuntimeException e) {
            throw new TlsFileException(file, "not a valid PEM certificate file (" + e.getMessage() + ")");
        }
        if (out.isEmpty()) {
            throw new TlsFileException(file, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return List.copyOf(out);
    }

    /** The first private key in {@code file}, which must not be encrypted. */
    public static PrivateKey privateKey(Path file) throws TlsFileException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser pem = parser(file)) {
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                switch (o) {
                    case PrivateKeyInfo info -> {
                        return converter.getPrivateKey(info);
                    }
                    case PEMKeyPair pair -> {
                        return converter.getKeyPair(pair).getPrivate();
                    }
                    case PKCS8EncryptedPrivateKeyInfo e -> throw encrypted(file);
                    case PEMEncryptedKeyPair e -> throw encrypted(file);
                    default -> {
                        // a certificate or parameters before the key: look further
                    }
                }
            }
        } catch (TlsFileException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new TlsFileException(file, "not a valid PEM private key file (" + e.getMessage() + ")");
        }
        throw new TlsFileException(file, "holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
    }

    private static TlsFileException encrypted(Path file) {
        return new TlsFileException(file, "the private key is encrypted, and the daemon cannot ask for a passphrase");
    }

    private static PEMParser parser(Path file) throws TlsFileException {
        try {
            Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
            return new PEMParser(reader);
        } catch (NoSuchFileException e) {
            throw new TlsFileException(file, "no such file");
        } catch (AccessDeniedException e) {
            throw new TlsFileException(file, "permission denied");
        } catch (IOException e) {
            throw new TlsFileException(file, e.getMessage());
        }
    }

    /** {@code type} ("CERTIFICATE", "PRIVATE KEY") around {@code der}, as PEM text. */
    public static String pem(String type, byte[] der) {
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            writer.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return text.toString();
    }
}
