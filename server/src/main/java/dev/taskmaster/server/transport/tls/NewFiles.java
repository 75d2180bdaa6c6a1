package dev.taskmaster.server.transport.tls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Writes a set of new files all or nothing, never over an existing file (nor through a symbolic
 * link planted where one is to be): private keys are created 0600 from the start, not chmodded
 * after. Not thread-safe; one command at a time.
 */
final class NewFiles {

    /** A file to create: its text, and whether it is a secret (0600) or public (0644). */
    record NewFile(Path path, String text, boolean secret) {
    }

    private NewFiles() {
    }

    /** The first of {@code paths} that exists already (a dangling symbolic link counts), if any. */
    static java.util.Optional<Path> firstExisting(List<Path> paths) {
        return paths.stream().filter(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS)).findFirst();
    }

    /** Creates every file, or, if one cannot be, removes those already made and throws. */
    static void create(List<NewFile> files) throws IOException {
        List<Path> made = new ArrayList<>();
        try {
            for (NewFile f : files) {
                String mode = f.secret() ? "rw-------" : "rw-r--r--";
                // CREATE_NEW is O_CREAT|O_EXCL: it fails on anything there, a symbolic link included.
                try (SeekableByteChannel out = Files.newByteChannel(f.path(),
                        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)))) {
                    made.add(f.path());
                    ByteBuffer bytes = ByteBuffer.wrap(f.text().getBytes(StandardCharsets.US_ASCII));
                    while (bytes.hasRemaining()) {
                        out.write(bytes);
                    }
                }
            }
        } catch (IOException e) {
            for (Path p : made) {
                Files.deleteIfExists(p);
            }
            if (e instanceof FileAlreadyExistsException exists) {
                throw new IOException(exists.getFile() + " already exists; it is never overwritten");
            }
            throw new IOException("cannot write " + (e instanceof java.nio.file.FileSystemException fs
                    ? fs.getFile() + ": " + fs.getReason() : e.getMessage()));
        }
    }
}
