package dev.taskmaster.server.daemon;

import dev.taskmaster.config.Config;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.Posix;
import dev.taskmaster.server.os.Privileges;
import dev.taskmaster.server.os.UserInfo;
import dev.taskmaster.server.os.Users;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;

/**
 * A daemon started as root with {@code server.user}: what it gives that user, and the switch.
 *
 * <p>The user gets only what is the instance's own and must be written while it runs: the log
 * directories this very start created (the daemon log's own directory, the logdir), so that
 * it can rotate its log and make program logs. Never a directory that was there before: the
 * runtime directory is shared by every instance root runs, and a log's parent may be
 * {@code /var/log}; a user owning those could replace another daemon's socket, or plant a
 * link where root is about to write. The runtime directory, the lock, the pidfile and the
 * socket stay root's (a socket of root's is one every client may trust; root may always
 * connect): the daemon, once switched, cannot remove its socket and pidfile when it stops;
 * the next start of the instance, holding the instance's lock, knows them to be stale and
 * replaces them.
 *
 * <p>Ownership is changed with {@code lchown} (links are not followed), and the logs are opened
 * only after the switch, as the user, so a link in the user's own directories gains nothing.
 *
 * <p>Threading: the main thread, during start-up, before any program runs.
 */
final class PrivilegeDrop {

    private PrivilegeDrop() {
    }

    /** The user to switch to: empty unless running as root with {@code server.user} set. */
    static Optional<UserInfo> target(Config config) throws IOException {
        if (Posix.geteuid() != 0 || config.server().user().isEmpty()) {
            return Optional.empty();
        }
        String name = config.server().user().get();
        return Optional.of(Users.lookup(name).orElseThrow(() -> new IOException("server.user: unknown user \"" + name + "\"")));
    }

    /** Gives {@code user} the directories in {@code madeNow}, which must have been created by this start. */
    static void handOver(UserInfo user, Collection<Path> madeNow) throws IOException {
        for (Path dir : madeNow) {
            chown(dir, user);
        }
    }

    private static void chown(Path p, UserInfo user) throws IOException {
        Files.setAttribute(p, "unix:uid", user.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", user.gid(), LinkOption.NOFOLLOW_LINKS);
    }

    /** Becomes {@code user} for good: groups, gid, uid of every thread. */
    static void become(UserInfo user) throws NativeException {
        Privileges.dropTo(user);
    }

    /**
     * After the switch: the daemon must be able to make files in {@code dir} (new logs, a
     * rotation), or it would fail later, while running.
     *
     * @param role what the directory is for, in the message
     */
    static void requireWritable(UserInfo user, Path dir, String role) throws IOException {
        if (!Files.isWritable(dir)) {
            int uid = (Integer) Files.getAttribute(dir, "unix:uid");
            int mode = (Integer) Files.getAttribute(dir, "unix:mode") & 07777;
            throw new IOException("server.user " + user.name() + " (uid " + user.uid() + ") cannot write " + dir
                    + ", the " + role + " (owned by uid " + uid + ", mode " + Modes.octal(mode) + "), and it was there"
                    + " before this start, so it is not handed over; chown it to " + user.name() + ", or remove it");
        }
    }
}
