package dev.taskmaster.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskmaster.config.AccessGrant;
import dev.taskmaster.config.AccessGrant.Kind;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.server.os.NativeException;
import io.grpc.Status;
import io.grpc.StatusException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rules of local access, on a pretend user database. */
class LocalAccessTest {

    /** alice 1000 (groups 1000, 50 "staff"), bob 1001 (groups 1001, 60 "deploy"), carol 1002 (1002). */
    static final LocalAccess.Accounts ACCOUNTS = new LocalAccess.Accounts() {
        final Map<Integer, String> names = Map.of(0, "root", 1000, "alice", 1001, "bob", 1002, "carol", 900, "tm");
        final Map<Integer, Set<Integer>> groups = Map.of(1000, Set.of(1000, 50), 1001, Set.of(1001, 60), 1002, Set.of(1002));
        final Map<String, Integer> gids = Map.of("staff", 50, "deploy", 60, "carol", 1002);

        @Override
        public Optional<String> userName(int uid) {
            return Optional.ofNullable(names.get(uid));
        }

        @Override
        public Set<Integer> groupsOf(int uid) {
            return groups.getOrDefault(uid, Set.of());
        }

        @Override
        public Optional<Integer> gidOf(String group) {
            return Optional.ofNullable(gids.get(group));
        }
    };

    static LocalAccess access(AccessGrant... grants) {
        return new LocalAccess(List.of(grants), () -> 900, ACCOUNTS);
    }

    static AccessGrant grant(Kind kind, String name, AccessGrant.Role role) {
        return new AccessGrant(kind, name, role);
    }

    @Test
    void rootAndTheDaemonsOwnUserAreAdmin() throws Exception {
        assertThat(access().caller(new UnixPeer(42, 0, 0))).isEqualTo(new Caller("root (uid 0)", Role.ROLE_ADMIN, "unix pid 42"));
        assertThat(access().caller(new UnixPeer(43, 900, 900))).isEqualTo(new Caller("tm (uid 900)", Role.ROLE_ADMIN, "unix pid 43"));
    }

    @Test
    void anyoneElseWithoutAnEntryIsRefusedByUid() {
        StatusException e = catchThrowableOfType(StatusException.class, () -> access().caller(new UnixPeer(7, 1000, 1000)));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(e.getStatus().getDescription()).isEqualTo("alice (uid 1000) may not use this daemon: server.access grants"
                + " uid 1000 no role (only root and the daemon's own user may without an entry)");
        StatusException unknown = catchThrowableOfType(StatusException.class, () -> access().caller(new UnixPeer(7, 4242, 4242)));
        assertThat(unknown.getStatus().getDescription()).startsWith("uid 4242 may not use this daemon");
    }

    @Test
    void usersByNameOrUid() throws Exception {
        LocalAccess a = access(grant(Kind.USER, "alice", AccessGrant.Role.VIEWER), grant(Kind.USER, "1001", AccessGrant.Role.OPERATOR));
        assertThat(a.caller(new UnixPeer(1, 1000, 1000)).role()).isEqualTo(Role.ROLE_VIEWER);
        assertThat(a.caller(new UnixPeer(1, 1001, 1001))).isEqualTo(new Caller("bob (uid 1001)", Role.ROLE_OPERATOR, "unix pid 1"));
        assertThat(catchThrowableOfType(StatusException.class, () -> a.caller(new UnixPeer(1, 1002, 1002)))).isNotNull();
    }

    @Test
    void groupsBySupplementaryMembershipThePeersGidOrNumber() throws Exception {
        LocalAccess a = access(grant(Kind.GROUP, "deploy", AccessGrant.Role.OPERATOR));
        assertThat(a.caller(new UnixPeer(1, 1001, 1001)).role()).isEqualTo(Role.ROLE_OPERATOR); // supplementary
        // carol is not in deploy, but her process runs with gid 60 (newgrp, setgid program): SO_PEERCRED says so.
        assertThat(a.caller(new UnixPeer(1, 1002, 60)).role()).isEqualTo(Role.ROLE_OPERATOR);
        assertThat(catchThrowableOfType(StatusException.class, () -> a.caller(new UnixPeer(1, 1000, 1000)))).isNotNull();
        assertThat(access(grant(Kind.GROUP, "50", AccessGrant.Role.VIEWER)).caller(new UnixPeer(1, 1000, 1000)).role())
                .isEqualTo(Role.ROLE_VIEWER);
        // A group that does not exist matches nobody.
        assertThat(catchThrowableOfType(StatusException.class,
                () -> access(grant(Kind.GROUP, "ghosts", AccessGrant.Role.ADMIN)).caller(new UnixPeer(1, 1000, 1000)))).isNotNull();
    }

    @Test
    void theHighestMatchingRoleWinsAndCertEntriesDoNotCount() throws Exception {
        LocalAccess a = access(grant(Kind.USER, "alice", AccessGrant.Role.VIEWER), grant(Kind.GROUP, "staff", AccessGrant.Role.ADMIN),
                grant(Kind.GROUP, "deploy", AccessGrant.Role.OPERATOR), grant(Kind.CERT, "carol", AccessGrant.Role.ADMIN));
        assertThat(a.caller(new UnixPeer(1, 1000, 1000)).role()).isEqualTo(Role.ROLE_ADMIN);
        assertThat(catchThrowableOfType(StatusException.class, () -> a.caller(new UnixPeer(1, 1002, 1002)))).isNotNull();
    }

    @Test
    void aFailingUserDatabaseIsUnavailableNotAGrant() {
        LocalAccess.Accounts broken = new LocalAccess.Accounts() {
            @Override
            public Optional<String> userName(int uid) throws NativeException {
                throw new NativeException("getpwuid_r", 5);
            }

            @Override
            public Set<Integer> groupsOf(int uid) {
                return Set.of();
            }

            @Override
            public Optional<Integer> gidOf(String group) {
                return Optional.empty();
            }
        };
        StatusException e = catchThrowableOfType(StatusException.class,
                () -> new LocalAccess(List.of(), () -> 900, broken).caller(new UnixPeer(1, 1000, 1000)));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(e.getStatus().getDescription()).startsWith("cannot look up uid 1000 in the user database: ");
    }
}
