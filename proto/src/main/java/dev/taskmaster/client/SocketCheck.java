package dev.taskmaster.client;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Refuses a daemon socket someone else could be behind, before it is dialled, as ssh refuses a
 * key file others can read: the socket must be owned by the caller or root, and so must every
 * directory above it (and every symbolic link on the way), and no such directory may be writable
 * by others unless it is sticky (like /tmp), or they could replace the socket with their own.
 *
 * <p>A path that does not exist, or that the caller may not look at, passes: dialling it fails
 * anyway, and the caller's error message says why. Stateless; any thread.
 */
public final class SocketCheck {

    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;
    private static final int S_ISVTX = 01000;
    private static final int GROUP_OR_OTHER_WRITE = 0022;

    private SocketCheck() {}

    /**
     * @param socket the socket about to be dialled
     * @param uid    the caller's real uid
     * @throws TargetException (UNSAFE) naming the path and what is wrong with it
     */
    public static void verify(Path socket, int uid) {
        Path given = socket.toAbsolutePath().normalize();
        Path real;
        try {
            real = given.toRealPath();
        } catch (NoSuchFileException | AccessDeniedException cannotSee) {
            return;
        } catch (IOException e) {
            throw new TargetException(TargetException.Kind.UNSAFE, "refusing " + given + ": cannot check it: " + e.getMessage(), e);
        }
        Map<String, Object> attrs = attributes(given, real);
        if (attrs == null) {
            return;
        }
        int mode = (Integer) attrs.get("mode");
        int owner = (Integer) attrs.get("uid");
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new TargetException(TargetException.Kind.UNSAFE, "refusing " + given + ": not a socket (" + kind(mode) + ")");
        }
        if (owner != uid && owner != 0) {
            throw new TargetException(TargetException.Kind.UNSAFE, "refusing " + given + ": owned by uid " + owner
                    + ", not by you (" + uid + ") or root");
        }
        // Where the socket really is, and the way there as written (links included).
        checkAncestors(given, real, uid);
        if (!real.equals(given)) {
            checkAncestors(given, given, uid);
            checkLink(given, given, uid);
        }
    }

    private static void checkAncestors(Path socket, Path from, int uid) {
        for (Path dir = from.getParent(); dir != null; dir = dir.getParent()) {
            Map<String, Object> attrs = attributes(socket, dir);
            if (attrs == null) {
                continue;
            }
            int mode = (Integer) attrs.get("mode");
            int owner = (Integer) attrs.get("uid");
            if ((mode & S_IFMT) == S_IFLNK) {
                checkLink(socket, dir, uid);
                continue;
            }
            if (owner != uid && owner != 0) {
                throw new TargetException(TargetException.Kind.UNSAFE, "refusing " + socket + ": "
                        + (dir.equals(socket.getParent()) ? "its directory " : "the directory ") + dir
                        + " is owned by uid " + owner + ", not by you (" + uid + ") or root");
            }
            if ((mode & S_IFMT) == S_IFDIR && (mode & GROUP_OR_OTHER_WRITE) != 0 && (mode & S_ISVTX) == 0) {
                throw new TargetException(TargetException.Kind.UNSAFE, "refusing " + socket + ": "
                        + (dir.equals(socket.getParent()) ? "its directory " : "the directory ") + dir
                        + " is writable by " + ((mode & 0002) != 0 ? "others" : "its group") + " (mode "
                        + String.format("%04o", mode & 07777) + ") without the sticky bit, so the socket could be replaced");
            }
        }
    }

    private static void checkLink(Path socket, Path link, int uid) {
        Map<String, Object> attrs = attributes(socket, link);
        if (attrs != null && (((Integer) attrs.get("mode")) & S_IFMT) == S_IFLNK) {
            int owner = (Integer) attrs.get("uid");
            if (owner != uid && owner != 0) {
                throw new TargetException(TargetException.Kind.UNSAFE, "refusing " + socket + ": the symbolic link " + link
                        + " is owned by uid " + owner + ", not by you (" + uid + ") or root");
            }
        }
    }

    /** The uid and mode of {@code path} itself (a link is not followed); null if it cannot be seen. */
    private static Map<String, Object> attributes(Path socket, Path path) {
        try {
            return Files.readAttributes(path, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException | AccessDeniedException gone) {
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            throw new TargetException(TargetException.Kind.UNSAFE, "refusing " + socket + ": cannot check " + path + ": " + e.getMessage(), e);
        }
    }

    private static String kind(int mode) {
        return switch (mode & S_IFMT) {
            case 0100000 -> "a regular file";
            case S_IFDIR -> "a directory";
            case 0010000 -> "a FIFO";
            case 0020000 -> "a character device";
            case 0060000 -> "a block device";
            default -> "file type " + String.format("%06o", mode & S_IFMT);
        };
    }
}
