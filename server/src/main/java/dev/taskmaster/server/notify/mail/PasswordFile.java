package dev.taskmaster.server.notify.mail;

import dev.taskmaster.server.notify.DeliveryException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;

/**
 * Reads the SMTP password from its file: the first line, without its line end. Read at each
 * delivery, so that a changed password takes effect without a reload. Stateless; any thread.
 */
final class PasswordFile {

    private PasswordFile() {
    }

    /** The first line of {@code file}; every failure is permanent and names the file. */
    static String read(Path file) throws DeliveryException {
        try {
            // A password every user of the host can read is no secret: refuse it, as the
            // configuration refuses such a TLS private key.
            if (Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ)) {
                throw problem(file, "readable by every user; chmod 600 " + file);
            }
        } catch (NoSuchFileException e) {
            throw problem(file, "no such file");
        } catch (AccessDeniedException e) {
            throw problem(file, "permission denied");
        } catch (IOException | UnsupportedOperationException e) {
            // no modes on this file system: nothing to check; reading below reports the rest
        }
        String line;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            line = in.readLine();
        } catch (NoSuchFileException e) {
            throw problem(file, "no such file");
        } catch (AccessDeniedException e) {
            throw problem(file, "permission denied");
        } catch (IOException e) {
            throw problem(file, "cannot be read (" + e.getMessage() + ")");
        }
        if (line == null || line.isEmpty()) {
            throw problem(file, "its first line is empty, expected the password there");
        }
        return line;
    }

    private static DeliveryException problem(Path file, String what) {
        return new DeliveryException("SMTP password_file " + file + ": " + what, true);
    }
}
