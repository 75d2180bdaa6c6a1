package dev.taskmaster.server.daemon;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance's pidfile: written once the daemon is up, removed when it stops. It is only a
 * convenience for scripts ({@code kill $(cat …)}); which daemon runs is decided by the instance
 * lock ({@link InstanceLock}), which is why a pidfile found at start-up can be removed at once.
 *
 * <p>Threading: the main thread (start-up and shutdown).
 */
final class Pidfile {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private Pidfile() {
    }

    /** Written whole and renamed into place, never through a link ({@link AtomicFile}). */
    static void write(Path pidfile) throws IOException {
        AtomicFile.write(pidfile, ProcessHandle.current().pid() + "\n", 0644);
    }

    /**
     * A pidfile found at start-up, with the instance's lock held, names a daemon that is gone
     * (one that ran as server.user cannot remove it from root's directory): removed at once, so
     * that nobody reads a dead pid while this daemon starts.
     */
    static Optional<String> removeStale(Path pidfile) throws IOException {
        if (!Files.exists(pidfile, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        Files.delete(pidfile);
        return Optional.of("removed the stale pidfile " + pidfile + " of a daemon that is gone");
    }

    /**
     * The pidfile goes with the daemon. One that switched to server.user may not remove it from
     * root's directory: it stays, and the next start of the instance replaces it.
     */
    static void remove(Path pidfile) {
        try {
            Files.deleteIfExists(pidfile);
        } catch (AccessDeniedException e) {
            log.info("{} stays behind: this user may not remove it from its directory; the next start of the"
                    + " instance removes it", pidfile);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", pidfile, e.getMessage());
        }
    }
}
