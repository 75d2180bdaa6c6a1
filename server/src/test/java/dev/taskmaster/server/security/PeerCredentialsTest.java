package dev.taskmaster.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.config.AccessGrant;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.server.transport.ApiServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SO_PEERCRED for real: the daemon's API server on a real Unix socket, called by root in this
 * JVM and by a second, unprivileged user created for the test, whose client runs as a separate
 * JVM under {@code setpriv}. Needs root (to create the user and switch to it).
 */
class PeerCredentialsTest {

    static final String USER = "tmsec-" + UUID.randomUUID().toString().substring(0, 8);
    static final String GROUP = "tmsecg-" + UUID.randomUUID().toString().substring(0, 8);
    static final String JAVA = ProcessHandle.current().info().command().orElse("java");

    /** World-readable: the other user's JVM reads its classpath and reaches the socket here. */
    static Path shared;
    static Path classpath;
    static int uid;
    ApiServer server;

    static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + out);
        }
        return p.exitValue();
    }

    @BeforeAll
    static void createUserAndClasspath() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to create a user and become it");
        run("groupadd", GROUP);
        run("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--groups", GROUP, USER);
        uid = dev.taskmaster.server.os.Users.lookup(USER).orElseThrow().uid();
        shared = Files.createTempDirectory("tm-peer-");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        classpath = Files.createDirectory(shared.resolve("cp"));
        // The build's classpath lives under /root, which the other user cannot read: copy it.
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path from = Path.of(entry);
            Path to = classpath.resolve((i++) + "-" + from.getFileName());
            if (Files.isDirectory(from)) {
                try (var walk = Files.walk(from)) {
                    for (Path p : walk.toList()) {
                        Files.copy(p, to.resolve(from.relativize(p).toString()));
                    }
                }
            } else if (Files.exists(from)) {
                Files.copy(from, to);
            }
        }
        run("chmod", "-R", "a+rX", shared.toString());
    }

    @AfterAll
    static void removeUser() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            return; // skipped: nothing was created
        }
        new ProcessBuilder("userdel", USER).start().waitFor(30, TimeUnit.SECONDS);
        new ProcessBuilder("groupdel", GROUP).start().waitFor(30, TimeUnit.SECONDS);
        if (shared != null) {
            run("rm", "-rf", shared.toString());
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    Path serve(List<AccessGrant> access) throws IOException {
        Path socket = shared.resolve("api-" + UUID.randomUUID().toString().substring(0, 6) + ".sock");
        int me = dev.taskmaster.server.os.Posix.geteuid();
        server = new ApiServer(socket, List.of(), TlsIdentityTest.WhoAmI::new, List.of(new RoleInterceptor(new Identities(
                new LocalAccess(access, () -> me, LocalAccess.Accounts.SYSTEM), new CertificateRoles(access), Tokens.none(),
                new FailedAttempts()))), SocketAccess.of(access));
        server.start();
        return socket;
    }

    /** What {@link PeerClient} prints when the test user runs it against {@code socket}. */
    static List<String> asTestUser(Path socket) throws Exception {
        Process p = new ProcessBuilder("setpriv", "--reuid=" + USER, "--regid=" + USER, "--init-groups", "--",
                JAVA, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classpath + "/*:" + classpathDirs(),
                PeerClient.class.getName(), socket.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("client finished").isTrue();
            return out.lines().toList();
        } finally {
            p.destroyForcibly();
        }
    }

    static String classpathDirs() throws IOException {
        List<String> dirs = new ArrayList<>();
        try (var list = Files.list(classpath)) {
            list.filter(Files::isDirectory).forEach(d -> dirs.add(d.toString()));
        }
        return String.join(":", dirs);
    }

    @Test
    void rootIsAdminByItsUid() throws Exception {
        Path socket = serve(List.of());
        assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        try (DaemonChannel c = DaemonChannel.open(socket)) {
            var r = c.blockingStub(Duration.ofSeconds(20)).getServerInfo(GetServerInfoRequest.getDefaultInstance());
            assertThat(r.getCallerIdentity()).isEqualTo("root (uid 0)");
            assertThat(r.getCallerRole()).isEqualTo(dev.taskmaster.proto.v1.Role.ROLE_ADMIN);
        }
    }

    @Test
    void anotherUserCannotEvenConnectToAPrivateSocket() throws Exception {
        List<String> out = asTestUser(serve(List.of()));
        assertThat(out).hasSize(2);
        assertThat(out.getFirst()).startsWith("UNAVAILABLE: ");
    }

    @Test
    void anotherUserWithoutAnEntryIsRefusedByUidOnASocketOpenToOthers() throws Exception {
        Path socket = serve(List.of(new AccessGrant(AccessGrant.Kind.USER, "nobody", AccessGrant.Role.VIEWER)));
        assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-rw-rw-"));
        String denied = "PERMISSION_DENIED: " + USER + " (uid " + uid + ") may not use this daemon: server.access grants uid "
                + uid + " no role (only root and the daemon's own user may without an entry)";
        assertThat(asTestUser(socket)).containsExactly(denied, denied);
    }

    @Test
    void aUserEntryGrantsItsRoleAndNoMore() throws Exception {
        Path socket = serve(List.of(new AccessGrant(AccessGrant.Kind.USER, USER, AccessGrant.Role.VIEWER)));
        assertThat(asTestUser(socket)).containsExactly("OK viewer " + USER + " (uid " + uid + ")",
                "PERMISSION_DENIED: Shutdown needs the admin role; " + USER + " (uid " + uid + ") is viewer");
    }

    @Test
    void aSupplementaryGroupGrantsItsRoleOnASocketOfThatGroup() throws Exception {
        Path socket = serve(List.of(new AccessGrant(AccessGrant.Kind.GROUP, GROUP, AccessGrant.Role.ADMIN)));
        assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
        assertThat(Files.getAttribute(socket, "unix:gid")).isEqualTo(dev.taskmaster.server.os.Groups.lookup(GROUP).orElseThrow().gid());
        assertThat(asTestUser(socket)).containsExactly("OK admin " + USER + " (uid " + uid + ")", "OK shutdown");
    }
}
