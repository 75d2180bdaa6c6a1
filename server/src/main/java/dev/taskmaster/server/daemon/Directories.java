package dev.taskmaster.server.daemon;

import dev.taskmaster.server.os.Posix;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The directories the daemon writes into besides its private runtime directory: an explicit
 * {@code server.socket}'s or {@code server.pidfile}'s, and the log directories. The first two
 * receive files replaced by name, so they must not let anybody else swap entries: a directory
 * (not a link), owned by this user or root, and not writable by group or others unless
 * sticky (as {@code /tmp} is, where nobody may remove or rename another's entry). The log
 * directories only need to be the daemon's when it runs as root ({@link #requireOwnedByRoot}).
 *
 * <p>Also records which directories one start created ({@link #createMissing}): only those may
 * be handed to {@code server.user}, never one that was there before.
 *
 * <p>Threading: the main thread, during start-up.
 */
final class Directories {

    private Directories() {
    }

    /**
     * Creates {@code dir} and any missing parent, in order from the top.
     *
     * @return the directories this call created (not those another process made meanwhile)
     */
    static List<Path> createMissing(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath().normalize();
        List<Path> missing = new ArrayList<>();
        for (Path p = absolute; p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS); p = p.getParent()) {
            missing.addFirst(p);
        }
        List<Path> made = new ArrayList<>();
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
                made.add(p);
            } catch (FileAlreadyExistsException raced) {
                if (!Files.isDirectory(p)) {
                    throw raced;
                }
            }
        }
        return made;
    }

    /**
     * Creates {@code dir} if it is missing, else checks it as the class says.
     *
     * @param role what the directory is for, in messages: "socket", "pidfile"
     * @throws IllegalStateException with the sentence for the user when it cannot be trusted
     */
    static void prepare(Path dir, String role) throws IOException {
        if (createMissing(dir).isEmpty()) {
            requireTrusted(dir, role);
        }
    }

    /** Checks an existing directory as the class says. */
    static void requireTrusted(Path dir, String role) throws IOException {
        String what = "the " + role + " directory " + dir;
        if (Files.isSymbolicLink(dir)) {
            throw new IllegalStateException(what + " is a symbolic link (to " + Files.readSymbolicLink(dir)
                    + "); name the directory itself");
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalStateException(what + " is not a directory");
        }
        Map<String, Object> a = Files.readAttributes(dir, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
        int uid = (Integer) a.get("uid");
        int euid = Posix.geteuid();
        if (uid != euid && uid != 0) {
            throw new IllegalStateException(what + " is owned by uid " + uid + ", neither this user (" + euid
                    + ") nor root, who alone may be trusted with it");
        }
        int mode = (Integer) a.get("mode") & 07777;
        if ((mode & 022) != 0 && (mode & 01000) == 0) {
            throw new IllegalStateException(what + " is writable by " + Modes.writers(mode) + " (mode "
                    + Modes.octal(mode) + ") without the sticky bit, so they could replace what the daemon puts"
                    + " there; use a directory only its owner can write (or one with the sticky bit, like /tmp)");
        }
    }

    /**
     * As root, the daemon writes its logs by name, following links: in a directory another user
     * owns, that user could make it append to any file. Refused instead.
     */
    static void requireOwnedByRoot(Path dir, String role) throws IOException {
        int uid = (Integer) Files.getAttribute(dir, "unix:uid");
        if (uid != 0) {
            throw new IllegalStateException("the " + role + " " + dir + " is owned by uid " + uid + ", and a daemon"
                    + " running as root does not write in another user's directory; chown it to root, or set"
                    + " server.user to run as that user");
        }
    }
}
