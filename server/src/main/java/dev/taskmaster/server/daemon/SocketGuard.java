package dev.taskmaster.server.daemon;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Prepares the path of the API socket: a private directory (0700), no live daemon already
 * answering there, and no stale socket file left by a daemon that died.
 */
final class SocketGuard {

    private SocketGuard() {
    }

    /** @throws IllegalStateException with a sentence for the user when the socket cannot be used */
    static void prepare(Path socket) {
        Path dir = socket.toAbsolutePath().getParent();
        try {
            if (!Files.isDirectory(dir)) {
                // Only the socket's own directory is private; the ones above it are ordinary.
                Files.createDirectories(dir.getParent());
                try {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // Another instance starting at the same moment made it: it is just as good.
                    if (!Files.isDirectory(dir)) {
                        throw raced;
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the socket directory " + dir + ": " + e.getMessage(), e);
        }
        if (!Files.exists(socket)) {
            return;
        }
        if (answers(socket)) {
            throw new IllegalStateException("another taskmasterd is already running on " + socket
                    + "; stop it first, or start this one with another --instance");
        }
        try {
            Files.delete(socket); // nobody listens: left behind by a daemon that died
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove the stale socket " + socket + ": " + e.getMessage(), e);
        }
    }

    private static boolean answers(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException refused) {
            return false;
        }
    }
}
