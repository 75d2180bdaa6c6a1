package dev.taskmaster.server.security;

import dev.taskmaster.config.AccessGrant;
import dev.taskmaster.server.os.GroupInfo;
import dev.taskmaster.server.os.Groups;
import dev.taskmaster.server.os.NativeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who may connect to the Unix socket at all, derived from {@code server.access}: the file mode
 * only decides who can reach the daemon; the {@link RoleInterceptor} decides what each caller may
 * do. Nobody else granted: 0600. Only one group granted: 0660 and the socket's group set to it.
 * Other users, or several groups: 0666 (the interceptor refuses whoever has no role, naming
 * their uid). Immutable.
 *
 * @param mode  the socket's permissions
 * @param group the group to give the socket, by name or gid as written in server.access
 */
public record SocketAccess(Set<PosixFilePermission> mode, Optional<String> group) {

    public SocketAccess {
        mode = Set.copyOf(mode);
    }

    public static SocketAccess of(List<AccessGrant> access) {
        boolean users = access.stream().anyMatch(g -> g.kind() == AccessGrant.Kind.USER);
        List<String> groups = access.stream().filter(g -> g.kind() == AccessGrant.Kind.GROUP).map(AccessGrant::name)
                .distinct().toList();
        if (!users && groups.isEmpty()) {
            return new SocketAccess(PosixFilePermissions.fromString("rw-------"), Optional.empty());
        }
        if (!users && groups.size() == 1) {
            return new SocketAccess(PosixFilePermissions.fromString("rw-rw----"), Optional.of(groups.getFirst()));
        }
        return new SocketAccess(PosixFilePermissions.fromString("rw-rw-rw-"), Optional.empty());
    }

    /** Whether only the daemon's own user (and root) may connect: no local user or group is granted a role. */
    public boolean isPrivate() {
        return group.isEmpty() && mode.equals(PosixFilePermissions.fromString("rw-------"));
    }

    /**
     * Gives the socket its group, then its mode (in that order, so it is never open to a group it
     * was not meant for). Changing the group needs the daemon to be root or a member of it.
     *
     * @throws IOException naming the socket and what could not be done
     */
    public void apply(Path socket) throws IOException {
        if (group.isPresent()) {
            int gid = gid(group.get());
            try {
                Files.setAttribute(socket, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                throw new IOException("cannot give the socket " + socket + " to group " + group.get() + " (gid " + gid
                        + ") as server.access asks: " + e.getMessage()
                        + "; the daemon's user must be root or a member of that group", e);
            }
        }
        Files.setPosixFilePermissions(socket, mode);
    }

    /**
     * The directories above the socket that the users it is opened to cannot pass through: with
     * any of them, the mode of the socket does not help, and the daemon should say so (one line
     * per directory). Empty when the socket is private to the daemon's user.
     */
    public List<String> unreachable(Path socket) throws IOException {
        List<String> problems = new ArrayList<>();
        if (mode.equals(PosixFilePermissions.fromString("rw-------"))) {
            return problems;
        }
        Optional<Integer> gid = group.isPresent() ? Optional.of(gid(group.get())) : Optional.empty();
        for (Path dir = socket.toAbsolutePath().getParent(); dir != null; dir = dir.getParent()) {
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class);
            Set<PosixFilePermission> p = a.permissions();
            boolean passable = p.contains(PosixFilePermission.OTHERS_EXECUTE)
                    || (gid.isPresent() && p.contains(PosixFilePermission.GROUP_EXECUTE)
                            && ((Integer) Files.getAttribute(dir, "unix:gid")) == gid.get().intValue());
            if (!passable) {
                problems.add("server.access grants " + (group.map(g -> "group " + g).orElse("other users"))
                        + " a role, but they cannot reach the socket " + socket + ": " + dir + " (mode "
                        + TokenFile.mode(p) + ") does not let them through; set server.socket to a path in a"
                        + " directory they can enter");
            }
        }
        return problems;
    }

    private static int gid(String group) throws IOException {
        Optional<Integer> numeric = LocalAccess.numeric(group);
        if (numeric.isPresent()) {
            return numeric.get();
        }
        try {
            return Groups.lookup(group).map(GroupInfo::gid).orElseThrow(() -> new IOException("server.access names group "
                    + group + ", which does not exist"));
        } catch (NativeException e) {
            throw new IOException("cannot look up group " + group + ": " + e.getMessage(), e);
        }
    }

    /** As {@code ls -l} would show it, e.g. {@code 0660 group deploy}. */
    public String describe() {
        return TokenFile.mode(mode) + group.map(g -> " group " + g).orElse("");
    }
}
