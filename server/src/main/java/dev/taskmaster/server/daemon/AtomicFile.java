package dev.taskmaster.server.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;

/**
 * Small files (the pidfile, the recovery state file) replaced whole: written to a new temporary file
 * beside the target, then renamed over it, so a reader sees the old content or the new, never
 * half. Nothing on the way follows a symbolic link: the temporary file is created with O_EXCL
 * under a random name (a link planted at any fixed name, such as {@code default.pid.tmp},
 * is never written through), and rename replaces a link at the target itself, not the file it
 * points to. The directory is the caller's to check ({@link Directories}, {@link RuntimeDirectory}).
 *
 * <p>Threading: stateless; concurrent writers of one target each rename their own complete file.
 */
public final class AtomicFile {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int ATTEMPTS = 10;

    private AtomicFile() {
    }

    /** Replaces {@code target} with {@code content}, mode {@code permissions} (less what the umask removes). */
    public static void write(Path target, String content, int permissions) throws IOException {
        Path absolute = target.toAbsolutePath();
        for (int i = 0; ; i++) {
            byte[] random = new byte[8];
            RANDOM.nextBytes(random);
            Path tmp = absolute.resolveSibling("." + absolute.getFileName() + "." + HexFormat.of().formatHex(random) + ".tmp");
            FileChannel ch;
            try {
                // CREATE_NEW is O_CREAT|O_EXCL: it fails on any existing name, a link included.
                ch = FileChannel.open(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(Modes.permissions(permissions)));
            } catch (FileAlreadyExistsException taken) {
                if (i == ATTEMPTS) {
                    throw taken;
                }
                continue;
            }
            try {
                try (ch) {
                    ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                    while (bytes.hasRemaining()) {
                        ch.write(bytes);
                    }
                }
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return;
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                throw e;
            }
        }
    }
}
