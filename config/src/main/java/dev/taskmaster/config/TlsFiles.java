package dev.taskmaster.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Checks the PEM files of a listener's {@code tls:} at load, so that a missing, unreadable or
 * wrong file is a located configuration error rather than a daemon that fails to start (or,
 * worse, to reload). The daemon reads them again itself: this is a check, not a cache.
 */
final class TlsFiles {

    private static final Pattern CERTIFICATE =
            Pattern.compile("-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\\s]*?)-----END CERTIFICATE-----");
    private static final Pattern KEY = Pattern.compile("-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----");

    private TlsFiles() {
    }

    /** A path to a file of one or more PEM certificates, every one of which parses. */
    static Optional<Path> certificates(Source src, Node node, String path, String what) {
        return file(src, node, path).filter(file -> {
            String text = new String(read(file), StandardCharsets.US_ASCII);
            Matcher m = CERTIFICATE.matcher(text);
            int found = 0;
            try {
                CertificateFactory x509 = CertificateFactory.getInstance("X.509");
                while (m.find()) {
                    x509.generateCertificate(new ByteArrayInputStream(Base64.getMimeDecoder().decode(m.group(1))));
                    found++;
                }
            } catch (CertificateException | IllegalArgumentException e) {
                src.error(node, path, "expected a PEM " + what + " in " + file + ", found one that does not parse ("
                        + e.getMessage() + ")");
                return false;
            }
            if (found == 0) {
                src.error(node, path, "expected a PEM " + what + " (-----BEGIN CERTIFICATE-----) in " + file
                        + ", found none");
            }
            return found > 0;
        });
    }

    /** A path to an unencrypted PEM private key that not every user can read. */
    static Optional<Path> privateKey(Source src, Node node, String path) {
        return file(src, node, path).filter(file -> {
            String text = new String(read(file), StandardCharsets.US_ASCII);
            Matcher m = KEY.matcher(text);
            if (!m.find()) {
                src.error(node, path, "expected a PEM private key (-----BEGIN PRIVATE KEY-----) in " + file
                        + ", found none");
                return false;
            }
            if (m.group(1).startsWith("ENCRYPTED") || text.contains("Proc-Type: 4,ENCRYPTED")) {
                src.error(node, path, "expected an unencrypted private key in " + file + ", found an encrypted one;"
                        + " the daemon cannot ask for a passphrase (decrypt it with: openssl pkey -in KEY -out NEW)");
                return false;
            }
            try {
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
                if (mode.contains(PosixFilePermission.OTHERS_READ)) {
                    src.error(node, path, "expected a private key that only its owner (and group) can read, found "
                            + file + " readable by every user; chmod 600 " + file);
                    return false;
                }
            } catch (IOException | UnsupportedOperationException e) {
                // Read a moment ago; a file system without modes has nothing to check.
            }
            return true;
        });
    }

    /**
     * The path as written, which must name a readable regular file within the size of any file
     * of the configuration: a FIFO or a device there would block or never end, as in an include.
     */
    private static Optional<Path> file(Source src, Node node, String path) {
        return Values.text(src, node, path, "a path").flatMap(t -> src.path(node, path, t)).filter(file -> {
            try {
                if (FileBytes.read(file, Limits.FILE_BYTES).length <= Limits.FILE_BYTES) {
                    return true;
                }
                src.error(node, path, "cannot read " + file + ": it is longer than " + Limits.bytes(Limits.FILE_BYTES)
                        + ", the limit for one file of the configuration");
            } catch (FileBytes.Unreadable e) {
                src.error(node, path, "cannot read " + file + ": " + e.reason());
            }
            return false;
        });
    }

    private static byte[] read(Path file) {
        try {
            return FileBytes.read(file, Limits.FILE_BYTES);
        } catch (FileBytes.Unreadable e) {
            return new byte[0]; // readable a moment ago; then it simply holds nothing
        }
    }
}
