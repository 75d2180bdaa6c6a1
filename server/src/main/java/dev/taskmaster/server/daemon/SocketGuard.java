package dev.taskmaster.server.daemon;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Prepares the path of the API socket: a directory nobody else can write (the private runtime
 * directory, or an explicit one checked by {@link Directories}), no live daemon already
 * answering there, and no stale socket file left by a daemon that died or could not remove it.
 *
 * <p>Threading: the main thread, during start-up, with the instance lock held.
 */
final class SocketGuard {

    private SocketGuard() {
    }

    /**
     * @param dirChecked       the socket's directory was checked already (it is the runtime directory)
     * @param othersMayConnect a directory made here gets 0711 instead of 0700
     * @return a sentence for the log when a stale socket was removed
     * @throws IllegalStateException with a sentence for the user when the socket cannot be used
     */
    static Optional<String> prepare(Path socket, boolean dirChecked, boolean othersMayConnect) {
        Path dir = socket.toAbsolutePath().getParent();
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                // Only the socket's own directory is private; the ones above it are ordinary.
                Directories.createMissing(dir.getParent());
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(Modes.permissions(RuntimeDirectory.PRIVATE)));
                    Files.setPosixFilePermissions(dir, Modes.permissions(othersMayConnect
                            ? RuntimeDirectory.PASSABLE : RuntimeDirectory.PRIVATE));
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // Made meanwhile by another daemon starting at the same moment: checked like any other.
                    Directories.requireTrusted(dir, "socket");
                }
            } else if (!dirChecked) {
                Directories.requireTrusted(dir, "socket");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the socket directory " + dir + ": " + e.getMessage(), e);
        }
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        if (!Files.isSymbolicLink(socket) && answers(socket)) {
            throw new IllegalStateException("another taskmasterd is already running on " + socket
                    + "; stop it first, or start this one with another --instance");
        }
        try {
            // Nobody listens: left behind by a daemon that died, or that ran as server.user and
            // could not remove it from root's directory. (A link is removed, never followed.)
            Files.delete(socket);
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove the stale socket " + socket + ": " + e.getMessage(), e);
        }
        return Optional.of("removed the stale socket " + socket + " of a daemon that is gone");
    }

    private static boolean answers(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException refused) {
            return false;
        }
    }
}
