package dev.taskmaster.server.security;

import dev.taskmaster.config.AccessGrant;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.server.os.GroupInfo;
import dev.taskmaster.server.os.Groups;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.UserInfo;
import dev.taskmaster.server.os.Users;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * The role of a local user calling on the Unix socket. Root and the daemon's own user are admin;
 * anyone else gets the highest role {@code server.access} grants their user (by name or uid) or
 * any of their groups (the peer's gid, and the primary and supplementary groups of its uid), or
 * is refused. Users and groups are looked up at each call, so accounts and group memberships
 * changed after the daemon started count. Thread-safe (immutable, and the look-ups are).
 */
public final class LocalAccess {

    /** The user and group database, behind a seam so the rules are tested without real accounts. */
    public interface Accounts {
        Optional<String> userName(int uid) throws NativeException;

        /** The primary and supplementary groups of the user with this uid; empty when there is no such user. */
        Set<Integer> groupsOf(int uid) throws NativeException;

        Optional<Integer> gidOf(String groupName) throws NativeException;

        /** The system's databases, through glibc (NSS). */
        Accounts SYSTEM = new Accounts() {
            @Override
            public Optional<String> userName(int uid) throws NativeException {
                return Users.lookup(Integer.toUnsignedString(uid)).map(UserInfo::name);
            }

            @Override
            public Set<Integer> groupsOf(int uid) throws NativeException {
                Optional<UserInfo> user = Users.lookup(Integer.toUnsignedString(uid));
                return user.isEmpty() ? Set.of() : Set.copyOf(Users.supplementaryGroups(user.get()));
            }

            @Override
            public Optional<Integer> gidOf(String groupName) throws NativeException {
                return Groups.lookup(groupName).map(GroupInfo::gid);
            }
        };
    }

    private final List<AccessGrant> grants;
    private final IntSupplier daemonUid;
    private final Accounts accounts;

    /**
     * @param grants    {@code server.access} (its cert entries are ignored here)
     * @param daemonUid the daemon's effective uid at the time of the call: it changes when the
     *                  daemon drops privileges after binding its socket
     */
    public LocalAccess(List<AccessGrant> grants, IntSupplier daemonUid, Accounts accounts) {
        this.grants = grants.stream().filter(g -> g.kind() != AccessGrant.Kind.CERT).toList();
        this.daemonUid = daemonUid;
        this.accounts = accounts;
    }

    /** @throws StatusException PERMISSION_DENIED naming the uid when the user has no role here */
    public Caller caller(UnixPeer peer) throws StatusException {
        String transport = "unix pid " + peer.pid();
        try {
            Optional<String> name = accounts.userName(peer.uid());
            String identity = name.map(n -> n + " (uid " + Integer.toUnsignedString(peer.uid()) + ")")
                    .orElse("uid " + Integer.toUnsignedString(peer.uid()));
            if (peer.uid() == 0 || peer.uid() == daemonUid.getAsInt()) {
                return new Caller(identity, Role.ROLE_ADMIN, transport);
            }
            Role role = granted(peer, name);
            if (role == Role.ROLE_UNSPECIFIED) {
                throw Status.PERMISSION_DENIED.withDescription(identity + " may not use this daemon: server.access"
                        + " grants uid " + Integer.toUnsignedString(peer.uid())
                        + " no role (only root and the daemon's own user may without an entry)").asException();
            }
            return new Caller(identity, role, transport);
        } catch (NativeException e) {
            throw Status.UNAVAILABLE.withDescription("cannot look up uid " + Integer.toUnsignedString(peer.uid())
                    + " in the user database: " + e.getMessage()).asException();
        }
    }

    private Role granted(UnixPeer peer, Optional<String> name) throws NativeException {
        Role best = Role.ROLE_UNSPECIFIED;
        Set<Integer> groups = null; // looked up only when a group entry needs them
        for (AccessGrant g : grants) {
            boolean matches = switch (g.kind()) {
                case USER -> name.map(g.name()::equals).orElse(false) || numeric(g.name()).equals(Optional.of(peer.uid()));
                case GROUP -> {
                    if (groups == null) {
                        groups = new HashSet<>(accounts.groupsOf(peer.uid()));
                        groups.add(peer.gid());
                    }
                    Optional<Integer> gid = numeric(g.name());
                    if (gid.isEmpty()) {
                        gid = accounts.gidOf(g.name());
                    }
                    yield gid.isPresent() && groups.contains(gid.get());
                }
                case CERT -> false;
            };
            if (matches) {
                best = Caller.max(best, Caller.of(g.role()));
            }
        }
        return best;
    }

    static Optional<Integer> numeric(String name) {
        if (name.isEmpty() || !name.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseUnsignedInt(name));
        } catch (NumberFormatException tooLarge) {
            return Optional.empty();
        }
    }
}
