package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Giving up root for good.
 *
 * <p>Threading: call {@link #dropTo} once, early, before the daemon starts any program or
 * opens anything the target user should not reach. glibc applies setgroups, setgid and setuid
 * to every thread of the process (the kernel calls are per-thread; glibc broadcasts them), so
 * the JVM's existing threads change too; but a spawn running concurrently on another thread
 * could still start a child with the old credentials.
 */
public final class Privileges {

    private Privileges() {}

    /**
     * Sets the supplementary groups, then the gid, then the uid (real, effective and saved) of
     * the whole process to those of {@code user}. Irreversible when it succeeds; EPERM when the
     * process is not privileged. A failure part way leaves the earlier steps done.
     */
    public static void dropTo(UserInfo user) throws NativeException {
        List<Integer> groups = Users.supplementaryGroups(user);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment list = arena.allocate(JAVA_INT, Math.max(1, groups.size()));
            for (int i = 0; i < groups.size(); i++) {
                list.setAtIndex(JAVA_INT, i, groups.get(i));
            }
            LibC.check("setgroups", LibC.setgroups(groups.size(), list));
        }
        LibC.check("setgid", LibC.setgid(user.gid()));
        LibC.check("setuid", LibC.setuid(user.uid()));
    }
}
