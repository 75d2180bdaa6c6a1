package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real daemon with its socket opened by server.access to a second user created for the
 * test: root is admin, the user is the viewer the entry makes it, every change is audited in the
 * daemon log and named in the events. Needs root (to create the user and run as it).
 */
class AccessIT {

    static final Duration LIMIT = Duration.ofSeconds(30);
    static final String USER = "tmit-" + UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    Path tmp;

    @BeforeAll
    static void createUser() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root to create a user and become it");
        run("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", USER);
    }

    @AfterAll
    static void removeUser() throws Exception {
        if ("root".equals(System.getProperty("user.name"))) {
            new ProcessBuilder("userdel", USER).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
    }

    Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1");
    }

    BinProcess.Result asRoot(Path socket, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("--socket", socket.toString()));
        argv.addAll(List.of(args));
        return BinProcess.ctl(tmp, env(), LIMIT, argv.toArray(String[]::new));
    }

    /** {@code bin/taskmasterctl ARGS} run as the test user, with a home of its own. */
    BinProcess.Result asUser(Path socket, String... args) throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        run("chown", USER, home.toString());
        Map<String, String> env = new HashMap<>(env());
        env.put("HOME", home.toString());
        env.remove("XDG_RUNTIME_DIR");
        env.remove("XDG_STATE_HOME");
        List<String> argv = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + USER, "--regid=" + USER, "--init-groups",
                "--", BinProcess.REPO.resolve("bin/taskmasterctl").toString(), "--socket", socket.toString()));
        argv.addAll(List.of(args));
        try (BinProcess p = BinProcess.start(tmp, env, argv.toArray(String[]::new))) {
            int code = p.waitFor(LIMIT);
            return new BinProcess.Result(code, p.stdout(), p.stderr());
        }
    }

    /** Until the daemon answers root on {@code socket} with every program RUNNING. */
    void awaitAnswer(Path socket) throws InterruptedException {
        BinProcess.await("the socket to answer", LIMIT, () -> {
            try {
                return asRoot(socket, "status").code() == 0;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void rootIsAdminAUserWithAnEntryIsAViewerAndEveryChangeIsAudited() throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path socket = shared.resolve("d.sock");
        Path log = tmp.resolve("daemon.log");
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "server:\n  socket: " + socket + "\n  logfile: " + log + "\n  access:\n    - {user: " + USER
                + ", role: viewer}\nprograms:\n  sleeper:\n    cmd: sleep 1000\n    starttime: 0\n");
        int uid = Integer.parseInt(new String(new ProcessBuilder("id", "-u", USER).start().getInputStream().readAllBytes()).strip());
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "--no-stderr-log", "-c", config.toString())) {
            awaitAnswer(socket);
            assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-rw-rw-"));
            assertThat(asRoot(socket, "info").out()).contains("admin (root (uid 0))");

            BinProcess.Result status = asUser(socket, "status");
            assertThat(status.code()).as(status.err()).isZero();
            assertThat(status.out()).contains("sleeper").contains("RUNNING");
            assertThat(asUser(socket, "info").out()).contains("viewer (" + USER + " (uid " + uid + "))");
            BinProcess.Result stop = asUser(socket, "stop", "sleeper");
            assertThat(stop.code()).isEqualTo(7);
            assertThat(stop.err()).contains("StopProcesses needs the operator role; " + USER + " (uid " + uid + ") is viewer");

            BinProcess.Result byRoot = asRoot(socket, "stop", "sleeper");
            assertThat(byRoot.code()).as(byRoot.err()).isZero();
            assertThat(asRoot(socket, "events", "--since", "1").out())
                    .contains("sleeper RUNNING -> STOPPING").contains("(by root (uid 0))");

            List<ProcessHandle> children = ProcessHandle.of(daemon.pid()).map(h -> h.descendants().toList()).orElse(List.of());
            try {
                assertThat(asRoot(socket, "shutdown", "--reason", "test over").code()).isZero();
                assertThat(daemon.waitFor(LIMIT)).isZero();
            } finally {
                children.forEach(ProcessHandle::destroyForcibly);
            }
            String audit = Files.readString(log);
            assertThat(audit).containsPattern("audit: root \\(uid 0\\) \\[admin\\] from unix pid \\d+: StopProcesses"
                    + " targets=\\[\"sleeper\"\\] wait=true -> OK");
            assertThat(audit).containsPattern("audit: " + USER + " \\(uid " + uid + "\\) \\[viewer\\] from unix pid \\d+:"
                    + " StopProcesses -> PERMISSION_DENIED: StopProcesses needs the operator role");
            assertThat(audit).contains("stopping every process: test over (requested by root (uid 0))");
            assertThat(audit).doesNotContain("ListProcesses ->"); // reading is not audited
        }
    }

    /**
     * With a group granted a role, the default runtime directory is opened to 0711 (pass, not
     * list) and the socket to 0660 with that group: a member reaches it there, by its path; once
     * the grant is gone, the next start closes the directory again.
     */
    @Test
    void aGroupGrantOpensTheDefaultRuntimeDirectoryJustEnoughToReachTheSocket() throws Exception {
        String group = USER;  // useradd made the user's own group
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        Path run = Files.createDirectory(tmp.resolve("run"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx--x--x"));
        Path runtime = run.resolve("taskmaster");
        Path socket = runtime.resolve("default.sock");
        Path config = tmp.resolve("t.yaml");
        String programs = "programs:\n  sleeper:\n    cmd: sleep 1000\n    starttime: 0\n";
        Files.writeString(config, "server:\n  access:\n    - {group: " + group + ", role: operator}\n" + programs);
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "--no-stderr-log",
                "-c", config.toString())) {
            awaitAnswer(socket);
            assertThat(Files.getPosixFilePermissions(runtime)).isEqualTo(PosixFilePermissions.fromString("rwx--x--x"));
            assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
            assertThat(Files.getAttribute(socket, "posix:group").toString()).isEqualTo(group);
            BinProcess.Result stop = asUser(socket, "stop", "sleeper");
            assertThat(stop.code()).as(stop.err()).isZero();
            BinProcess.shutdown(daemon, tmp, env(), LIMIT);
        }
        Files.writeString(config, programs);
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "--no-stderr-log",
                "-c", config.toString())) {
            awaitAnswer(socket);
            assertThat(Files.getPosixFilePermissions(runtime)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            BinProcess.Result refused = asUser(socket, "status");
            assertThat(refused.code()).isNotZero();
            BinProcess.shutdown(daemon, tmp, env(), LIMIT);
        }
    }
}
