package dev.taskmaster.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads the client's secrets (a bearer token, a private key) only from files nobody else may
 * read, as ssh does with its keys: a secret others can read may already be theirs. Stateless;
 * any thread.
 */
public final class SecretFiles {

    private static final int GROUP_OR_OTHER = 0077;
    private static final int MAX_TOKEN_BYTES = 4096;

    private SecretFiles() {}

    /**
     * The token in {@code file}: its first line without surrounding blanks (the rest of the file
     * must be empty), printable ASCII only, as a header value must be.
     *
     * @throws TargetException INVALID for a missing, empty or malformed file; UNSAFE if others may read it
     */
    public static String token(Path file) {
        byte[] bytes = read(file, "--token-file");
        if (bytes.length > MAX_TOKEN_BYTES) {
            throw new TargetException(TargetException.Kind.INVALID, "token file " + file + ": " + bytes.length
                    + " bytes; a token file holds one token on one line");
        }
        String text = new String(bytes, StandardCharsets.US_ASCII).strip();
        if (text.isEmpty()) {
            throw new TargetException(TargetException.Kind.INVALID, "token file " + file + " is empty");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                throw new TargetException(TargetException.Kind.INVALID, "token file " + file
                        + " holds more than one line; it must hold the token alone");
            }
            if (c < 0x21 || c > 0x7e) {
                throw new TargetException(TargetException.Kind.INVALID, "token file " + file
                        + ": expected printable ASCII without blanks, found a character 0x" + Integer.toHexString(c & 0xff)
                        + " at offset " + i);
            }
        }
        return text;
    }

    /**
     * The bytes of a secret file.
     *
     * @param option the option that named it, for messages ({@code --key})
     */
    public static byte[] read(Path file, String option) {
        checkPrivate(file, option);
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TargetException(TargetException.Kind.INVALID, option + " " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new TargetException(TargetException.Kind.INVALID, option + " " + file + ": permission denied");
        } catch (IOException e) {
            throw new TargetException(TargetException.Kind.INVALID, option + " " + file + ": cannot read it: " + e.getMessage(), e);
        }
    }

    /** Refuses a file group or others have any permission on. */
    private static void checkPrivate(Path file, String option) {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(file, "unix:mode");
        } catch (NoSuchFileException e) {
            throw new TargetException(TargetException.Kind.INVALID, option + " " + file + ": no such file");
        } catch (IOException | UnsupportedOperationException e) {
            throw new TargetException(TargetException.Kind.INVALID, option + " " + file + ": cannot check it: " + e.getMessage(), e);
        }
        if ((mode & GROUP_OR_OTHER) != 0) {
            throw new TargetException(TargetException.Kind.UNSAFE, "refusing " + option + " " + file + ": it is open to "
                    + ((mode & 0007) != 0 ? "others" : "its group") + " (mode " + String.format("%04o", mode & 07777)
                    + "); a secret must be readable by you only: chmod 600 " + file);
        }
    }
}
