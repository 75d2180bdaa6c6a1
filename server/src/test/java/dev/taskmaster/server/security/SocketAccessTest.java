package dev.taskmaster.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskmaster.config.AccessGrant;
import dev.taskmaster.config.AccessGrant.Kind;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketAccessTest {

    @TempDir
    Path tmp;

    static AccessGrant g(Kind kind, String name) {
        return new AccessGrant(kind, name, AccessGrant.Role.VIEWER);
    }

    @Test
    void theModeFollowsWhoIsGranted() {
        assertThat(SocketAccess.of(List.of()).describe()).isEqualTo("0600");
        assertThat(SocketAccess.of(List.of(g(Kind.CERT, "ci"))).describe()).as("certificates come over TCP").isEqualTo("0600");
        assertThat(SocketAccess.of(List.of(g(Kind.GROUP, "deploy"))).describe()).isEqualTo("0660 group deploy");
        assertThat(SocketAccess.of(List.of(g(Kind.GROUP, "a"), g(Kind.GROUP, "b"))).describe()).isEqualTo("0666");
        assertThat(SocketAccess.of(List.of(g(Kind.USER, "alice"))).describe()).isEqualTo("0666");
        assertThat(SocketAccess.of(List.of(g(Kind.USER, "alice"), g(Kind.GROUP, "deploy"))).group()).isEmpty();
    }

    Path socket(Path dir) throws IOException {
        Path socket = dir.resolve("s.sock");
        try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(socket));
        }
        return socket;
    }

    @Test
    void applyGivesTheGroupThenTheMode() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "chgrp to any group needs root");
        Path socket = socket(tmp);
        new SocketAccess(PosixFilePermissions.fromString("rw-rw----"), Optional.of("nogroup")).apply(socket);
        assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
        assertThat(Files.getAttribute(socket, "unix:gid")).isEqualTo(65534);
        IOException e = catchThrowableOfType(IOException.class,
                () -> new SocketAccess(PosixFilePermissions.fromString("rw-rw----"), Optional.of("no-such-group-xyz")).apply(socket));
        assertThat(e).hasMessage("server.access names group no-such-group-xyz, which does not exist");
    }

    @Test
    void aDirectoryOthersCannotEnterIsNamed() throws Exception {
        Path open = Files.createDirectory(tmp.resolve("open"));
        Path closed = Files.createDirectory(open.resolve("closed"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Path socket = socket(closed);
        SocketAccess others = SocketAccess.of(List.of(g(Kind.USER, "alice")));
        List<String> problems = others.unreachable(socket);
        assertThat(problems).contains("server.access grants other users a role, but they cannot reach the socket " + socket
                + ": " + closed + " (mode 0700) does not let them through; set server.socket to a path in a directory they can enter");
        assertThat(problems).noneMatch(p -> p.contains(": " + open + " ("));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx--x--x"));
        assertThat(others.unreachable(socket)).noneMatch(p -> p.contains(": " + closed + " ("));
        assertThat(SocketAccess.of(List.of()).unreachable(socket)).isEmpty();
    }
}
