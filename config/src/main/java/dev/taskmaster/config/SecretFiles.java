package dev.taskmaster.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Checks a file that holds a secret (a webhook's signing key, an SMTP password) at load: it
 * must be a readable regular file with something on its first line, that not every user of the
 * machine can read or change. A world-readable secret is an error, not a warning: the secret
 * is then no longer one, and a warning in a log nobody reads would not change that. The daemon
 * reads the file again at each delivery (a rotated secret needs no reload); this is a check.
 */
final class SecretFiles {

    /** A secret is a line, not a document. */
    static final int MAX_BYTES = 64 * 1024;

    private SecretFiles() {
    }

    static Optional<Path> check(Source src, Node node, String path, String what) {
        return Values.text(src, node, path, "a path").flatMap(t -> src.path(node, path, t)).filter(file -> {
            byte[] bytes;
            try {
                bytes = FileBytes.read(file, MAX_BYTES);
            } catch (FileBytes.Unreadable e) {
                src.error(node, path, "cannot read the " + what + " file " + file + ": " + e.reason());
                return false;
            }
            if (bytes.length > MAX_BYTES) {
                src.error(node, path, "expected a " + what + " of one line in " + file + ", found a file longer than "
                        + Limits.bytes(MAX_BYTES));
                return false;
            }
            if (firstLine(bytes).isEmpty()) {
                src.error(node, path, "expected a " + what + " on the first line of " + file + ", found it empty");
                return false;
            }
            try {
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
                if (mode.contains(PosixFilePermission.OTHERS_READ) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
                    src.error(node, path, "expected a " + what + " file that only its owner (and group) can read, found "
                            + file + " " + (mode.contains(PosixFilePermission.OTHERS_READ) ? "readable" : "writable")
                            + " by every user; chmod 600 " + file);
                    return false;
                }
            } catch (IOException | UnsupportedOperationException e) {
                // Read a moment ago; a file system without modes has nothing to check.
            }
            return true;
        });
    }

    /** The first line, without its line break and surrounding blanks: what the daemon uses as the secret. */
    static String firstLine(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        int end = text.indexOf('\n');
        return (end < 0 ? text : text.substring(0, end)).strip();
    }
}
