package dev.taskmaster.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Reads the bytes of a configuration file: only a regular file, and never more than a limit.
 * A FIFO would block the reader until someone writes to it, and a device such as
 * {@code /dev/zero} never ends; both are refused from their metadata, before they are opened.
 * The read itself is bounded too, so a file swapped or grown after that check cannot exhaust
 * memory. Stateless; may run on any thread.
 */
public final class FileBytes {

    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;

    private FileBytes() {
    }

    /** Why a file could not be read: the end of a sentence, such as "permission denied". */
    public static final class Unreadable extends Exception {
        Unreadable(String reason) {
            super(reason, null, false, false);
        }

        public String reason() {
            return getMessage();
        }
    }

    /** The whole file, or its first {@code limit + 1} bytes when it is longer than {@code limit}. */
    public static byte[] read(Path file, int limit) throws Unreadable {
        int mode;
        try {
            // stat(2), following links: it never opens the file, so it cannot block on a FIFO.
            mode = (Integer) Files.getAttribute(file, "unix:mode");
        } catch (UnsupportedOperationException | IllegalArgumentException noUnixView) {
            mode = basicMode(file);
        } catch (IOException e) {
            throw new Unreadable(reason(e));
        }
        if ((mode & S_IFMT) != S_IFREG) {
            throw new Unreadable(notRegular(mode));
        }
        // Bounded whatever stat said: the file may grow, or be swapped for another, after it.
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(limit + 1);
        } catch (IOException e) {
            throw new Unreadable(reason(e));
        }
    }

    /** The file type alone, where the file system has no POSIX modes. */
    private static int basicMode(Path file) throws Unreadable {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.isRegularFile() ? S_IFREG : a.isDirectory() ? 0040000 : 0;
        } catch (IOException e) {
            throw new Unreadable(reason(e));
        }
    }

    /** What a non-regular file is, in the words of {@code ls -l} and its manual. */
    private static String notRegular(int mode) {
        return switch (mode & S_IFMT) {
            case 0040000 -> "it is a directory, not a file";
            case 0010000 -> "not a regular file (a FIFO)";
            case 0020000 -> "not a regular file (a character device)";
            case 0060000 -> "not a regular file (a block device)";
            case 0140000 -> "not a regular file (a socket)";
            default -> "not a regular file";
        };
    }

    /** The reason alone: the path is already in the message around it. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage();
    }
}
