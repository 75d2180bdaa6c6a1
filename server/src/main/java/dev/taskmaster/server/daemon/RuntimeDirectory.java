package dev.taskmaster.server.daemon;

import dev.taskmaster.server.os.ExclusiveLock;
import dev.taskmaster.server.os.Posix;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runtime directory of this user's instances ({@code $XDG_RUNTIME_DIR/taskmaster}, else
 * {@code /tmp/taskmaster-<uid>}): their locks, pidfiles and default sockets. Whoever can write
 * in it can replace a socket, or plant a link where a daemon is about to write, so it must be
 * this user's alone, and it is checked the way ssh checks {@code ~/.ssh}: a directory (not a
 * link), owned by the effective uid, not writable by group or others. One that fails is
 * refused with a sentence naming what is wrong; it is never repaired, because something may
 * already have been planted in it. One that is ours and merely readable (say 0755) is set to
 * the mode needed and the change is reported.
 *
 * <p>The mode is 0700, or 0711 when other local users are allowed to connect (they may then
 * pass through to the socket, but still not list or change the directory).
 *
 * <p>Threading: called once, on the main thread, before anything else touches the directory.
 */
final class RuntimeDirectory {

    static final int PRIVATE = 0700;
    static final int PASSABLE = 0711;

    private RuntimeDirectory() {
    }

    /**
     * Creates {@code dir} with the right mode, or checks the one that is there.
     *
     * @return a sentence for the log when the mode of an existing directory was changed
     * @throws IllegalStateException with the sentence for the user when it cannot be used
     */
    static Optional<String> prepare(Path dir, boolean othersMayConnect) {
        int wanted = othersMayConnect ? PASSABLE : PRIVATE;
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                // The directories above are ordinary ones (/tmp, $XDG_RUNTIME_DIR); only this one is private.
                Files.createDirectories(dir.getParent());
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(Modes.permissions(PRIVATE)));
                    // The umask may have taken bits of 0711 away; ours is the only name for it so far.
                    chmod(dir, wanted);
                    return Optional.empty();
                } catch (FileAlreadyExistsException raced) {
                    // Another daemon of this user starting at the same moment: checked like any other.
                }
            }
            return check(dir, wanted);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the runtime directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Optional<String> check(Path dir, int wanted) throws IOException {
        int euid = Posix.geteuid();
        if (Files.isSymbolicLink(dir)) {
            throw new IllegalStateException(dir + " is a symbolic link (to " + Files.readSymbolicLink(dir)
                    + "), not a directory of this user's; remove it and start again");
        }
        Map<String, Object> a = Files.readAttributes(dir, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalStateException(dir + " is not a directory; remove it and start again");
        }
        int uid = (Integer) a.get("uid");
        if (uid != euid) {
            throw new IllegalStateException(dir + " is owned by uid " + uid + ", not by this user (" + euid
                    + "); remove it and start again");
        }
        int mode = (Integer) a.get("mode") & 07777;
        if ((mode & 022) != 0) {
            throw new IllegalStateException(dir + " is writable by " + Modes.writers(mode) + " (mode " + Modes.octal(mode)
                    + "), so anything in it may have been planted; remove it and start again");
        }
        if (mode == wanted) {
            return Optional.empty();
        }
        if (mode == PASSABLE && wanted == PRIVATE) {
            List<String> sharing = instancesRunningIn(dir);
            if (!sharing.isEmpty()) {
                // Closing it would cut off the users another instance's server.access lets in.
                return Optional.of("runtime directory " + dir + " stays " + Modes.octal(mode) + ": "
                        + String.join(", ", sharing) + " running there may grant other users access");
            }
        }
        chmod(dir, wanted);
        return Optional.of("runtime directory " + dir + " had mode " + Modes.octal(mode) + "; set it to "
                + Modes.octal(wanted));
    }

    /** The instances whose daemon holds its lock in {@code dir} now (read before this one takes its own). */
    private static List<String> instancesRunningIn(Path dir) throws IOException {
        List<String> running = new ArrayList<>();
        try (DirectoryStream<Path> locks = Files.newDirectoryStream(dir, "*.lock")) {
            for (Path lock : locks) {
                if (ExclusiveLock.held(lock)) {
                    String file = lock.getFileName().toString();
                    running.add("instance \"" + file.substring(0, file.length() - ".lock".length()) + "\"");
                }
            }
        }
        running.sort(null);
        return running;
    }

    /** Through the link-refusing view: the JDK opens the directory with O_NOFOLLOW and changes it by descriptor. */
    private static void chmod(Path dir, int mode) throws IOException {
        Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setPermissions(Modes.permissions(mode));
    }
}
