package dev.taskmaster.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real file system that a test can fill and free: a small tmpfs mounted for the test (root
 * only; the test is skipped, as an assumption, where it cannot be mounted). {@link #fill}
 * writes a filler file until the kernel says ENOSPC, {@link #free} deletes it. {@link #close}
 * always unmounts.
 *
 * <p>As on any file system, "full" means no new block can be had: a file whose last block is
 * partly used still takes the bytes that fit in it (up to a page on tmpfs).
 *
 * <p>Threading: not thread-safe; one test uses it.
 */
public final class SmallDisk implements AutoCloseable {

    private final Path dir;
    private final Path filler;
    private boolean mounted;

    private SmallDisk(Path dir) {
        this.dir = dir;
        this.filler = dir.resolve(".filler");
        this.mounted = true;
    }

    /**
     * Mounts a tmpfs of {@code bytes} on the new directory {@code dir}; skips the test when
     * not root, or when mounting fails (no mount namespace, no tmpfs).
     */
    public static SmallDisk mount(Path dir, long bytes) throws IOException, InterruptedException {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        Files.createDirectories(dir);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + bytes + ",mode=0755", "tmpfs", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        boolean done = p.waitFor(20, TimeUnit.SECONDS);
        Assumptions.assumeTrue(done && p.exitValue() == 0, "cannot mount a tmpfs on " + dir + ": " + out.strip());
        return new SmallDisk(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Fills the file system: a filler file grows until no block is left (ENOSPC). Fills again after {@link #free}. */
    public void fill() throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left on device")) {
                throw e;
            }
        }
    }

    /** Frees what {@link #fill} took. */
    public void free() throws IOException {
        Files.deleteIfExists(filler);
    }

    /** Bytes free now, as statfs says. */
    public long freeBytes() throws IOException {
        return Files.getFileStore(dir).getUsableSpace();
    }

    /** Unmounts (lazily if something still holds a file open there: the test's process may have failed). */
    @Override
    public void close() throws IOException, InterruptedException {
        if (!mounted) {
            return;
        }
        mounted = false;
        for (List<String> command : List.of(List.of("umount", dir.toString()), List.of("umount", "-l", dir.toString()))) {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor(Duration.ofSeconds(20).toMillis(), TimeUnit.MILLISECONDS) && p.exitValue() == 0) {
                return;
            }
        }
        throw new IOException("cannot unmount the tmpfs on " + dir);
    }
}
