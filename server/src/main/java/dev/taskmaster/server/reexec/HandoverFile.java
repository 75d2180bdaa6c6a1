package dev.taskmaster.server.reexec;

import dev.taskmaster.server.os.Exec;
import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.NativeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The handover travels in a memfd: an anonymous file that exists only as a descriptor, inherited
 * through execve and named on the new command line by its number. Nothing on a file system can
 * be planted, swapped or read by anyone else, and a daemon takes a handover only from a
 * descriptor the kernel shows as this memfd ({@code /memfd:taskmasterd-reexec}) that records
 * its own pid and the current boot: only the same process, before its execve, could have made it.
 *
 * <p>Stateless; any thread.
 */
public final class HandoverFile {

    static final String NAME = "taskmasterd-reexec";
    /** How /proc shows the descriptor of such a memfd. */
    private static final String LINK = "/memfd:" + NAME + " (deleted)";

    private HandoverFile() {
    }

    /** Writes {@code handover} into a new memfd, left open and inheritable; returns its descriptor. */
    static int write(Handover handover) throws IOException {
        byte[] bytes = handover.encode();
        int fd;
        try {
            fd = Exec.memfdCreate(NAME, 0);
        } catch (NativeException e) {
            throw new IOException("cannot make the re-exec handover: " + e.getMessage(), e);
        }
        try {
            // Reopening a memfd through /proc gives a new description at offset 0: written there, read there.
            Files.write(fdPath(fd), bytes);
            return fd;
        } catch (IOException e) {
            Fds.closeQuietly(fd);
            throw new IOException("cannot write the re-exec handover: " + e.getMessage(), e);
        }
    }

    /**
     * Reads and closes the handover named by {@code --reexec-handover}: refused (an exception
     * saying why) unless the descriptor is this process's handover memfd, written by this pid
     * in this boot.
     */
    public static Handover take(int fd) throws IOException {
        try {
            Path path = fdPath(fd);
            String link;
            try {
                link = Files.readSymbolicLink(path).toString();
            } catch (IOException e) {
                throw new IOException("descriptor " + fd + " is not open", e);
            }
            if (!link.equals(LINK)) {
                throw new IOException("descriptor " + fd + " is " + link + ", not a re-exec handover");
            }
            Handover h = Handover.decode(Files.readAllBytes(path));
            long pid = ProcessHandle.current().pid();
            if (h.pid() != pid) {
                throw new IOException("the handover was written by pid " + h.pid() + ", not by this process (" + pid + ")");
            }
            String boot = bootId();
            if (!h.bootId().equals(boot)) {
                throw new IOException("the handover was written before a reboot (boot " + h.bootId() + ", now " + boot + ")");
            }
            return h;
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    static String bootId() throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
    }

    private static Path fdPath(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }
}
