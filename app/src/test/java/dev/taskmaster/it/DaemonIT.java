package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real bin/taskmasterd launcher and daemon, as a user runs them. */
class DaemonIT {

    static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp);
    }

    @Test
    void checkConfigAcceptsEveryBundledExample() throws Exception {
        List<Path> examples;
        try (Stream<Path> s = Files.list(BinProcess.REPO.resolve("config/examples"))) {
            examples = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(examples).hasSizeGreaterThanOrEqualTo(4);
        for (Path example : examples) {
            try (BinProcess p = BinProcess.start(tmp, env(), "bin/taskmasterd", "--check-config", example.toString())) {
                assertThat(p.waitFor(LIMIT)).as(example + ": " + p.stderr()).isZero();
                assertThat(p.stdout()).isEqualTo("ok\n");
                assertThat(p.stderr()).isEmpty();
            }
        }
    }

    @Test
    void checkConfigRejectsABrokenFileWithLocatedMessages() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.yaml"), """
                programs:
                  web:
                    cmd: nginx
                    numprocs: 0
                    autorestart: sometimes
                  worker:
                    comand: run
                """);
        try (BinProcess p = BinProcess.start(tmp, env(), "bin/taskmasterd", "--check-config", bad.toString())) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(1);
            assertThat(p.stdout()).isEmpty();
            assertThat(p.stderr()).isEqualTo(String.join("\n",
                    bad + ":4:15: programs.web.numprocs: expected an integer from 1 to 10000, found 0",
                    bad + ":5:18: programs.web.autorestart: expected always, never or unexpected, found \"sometimes\"",
                    bad + ":7:5: programs.worker: expected the required key \"cmd\" (the command line to run), found no such key",
                    bad + ":7:5: programs.worker.comand: unknown key \"comand\"; did you mean \"cmd\"?",
                    "taskmasterd: 4 errors in the configuration; nothing was started", ""));
        }
        Path syntax = Files.writeString(tmp.resolve("syntax.yaml"), "programs:\n  web: {cmd: x\n");
        try (BinProcess p = BinProcess.start(tmp, env(), "bin/taskmasterd", "--check-config", syntax.toString())) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(1);
            assertThat(p.stderr()).startsWith(syntax + ":3:1: invalid YAML: ").doesNotContain("Exception", "\tat ");
        }
    }

    @Test
    void aConfigurationRejectedAtStartUpIsAlsoWrittenToTheDaemonLog() throws Exception {
        String programs = "programs:\n  web:\n    cmd: nginx\n    numprocs: 0\n";
        // No server section: the instance's default log. Standard error and exit code as ever.
        Path plain = Files.writeString(tmp.resolve("plain.yaml"), programs);
        String plainError = plain + ":4:15: programs.web.numprocs: expected an integer from 1 to 10000, found 0";
        try (BinProcess p = BinProcess.start(tmp, env(), "bin/taskmasterd", "-c", plain.toString())) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(1);
            assertThat(p.stdout()).isEmpty();
            assertThat(p.stderr()).isEqualTo(plainError + "\ntaskmasterd: 1 error in the configuration; nothing was started\n");
        }
        assertThat(read(tmp.resolve("state/taskmaster/default/taskmasterd.log"))).contains(
                " ERROR Daemon: configuration " + plain + " rejected at start-up, nothing was started (1 error):\n",
                " ERROR Daemon:   " + plainError + "\n");

        // A valid server section: its own logfile (the instance does not matter then).
        Path own = tmp.resolve("own/d.log");
        Path withLog = Files.writeString(tmp.resolve("with-log.yaml"), "server:\n  logfile: " + own + "\n" + programs);
        try (BinProcess p = BinProcess.start(tmp, env(), "bin/taskmasterd", "-c", withLog.toString(), "-i", "blue")) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(1);
        }
        assertThat(read(own)).contains(withLog + ":6:15: programs.web.numprocs: expected an integer from 1 to 10000, found 0");
        assertThat(tmp.resolve("state/taskmaster/blue")).doesNotExist();

        // A server section in error: its logfile cannot be trusted, the instance's default log is used.
        Path ignored = tmp.resolve("ignored.log");
        Path badServer = Files.writeString(tmp.resolve("bad-server.yaml"), "server:\n  logfile: " + ignored
                + "\n  loglevel: loud\n" + programs);
        try (BinProcess p = BinProcess.start(tmp, env(), "bin/taskmasterd", "-c", badServer.toString(), "-i", "green")) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(1);
            assertThat(p.stderr()).endsWith("taskmasterd: 2 errors in the configuration; nothing was started\n");
        }
        assertThat(read(tmp.resolve("state/taskmaster/green/taskmasterd.log"))).contains(
                "rejected at start-up, nothing was started (2 errors):",
                badServer + ":3:13: server.loglevel: ", badServer + ":7:15: programs.web.numprocs: ");
        assertThat(ignored).doesNotExist();
    }

    /**
     * A daemon logging to {@code log} (rotated at 2 KiB, keeping {@code backups}) whose one program
     * exits at once and is restarted for ever: a few log lines per restart.
     */
    private BinProcess crashLoopWithDaemonLog(Path log, int backups) throws Exception {
        Path config = Files.writeString(tmp.resolve("t.yaml"), "server:\n  logfile: " + log
                + "\n  logfile_maxbytes: 2KB\n  logfile_backups: " + backups + "\n"
                + "programs:\n  flap:\n    cmd: /bin/false\n    starttime: 0\n    autorestart: always\n"
                + "    backoff: {reset_after: 0}\n");
        return BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "--no-stderr-log", "-c", config.toString());
    }

    /** The daemon log files of {@link #crashLoopWithDaemonLog} in {@code tmp}: d.log and its backups. */
    private List<String> daemonLogs() throws Exception {
        try (Stream<Path> files = Files.list(tmp)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("d.log")).toList();
        }
    }

    @Test
    void theDaemonLogRotatesAtItsMaxbytesAndKeepsAtMostItsBackups() throws Exception {
        Path oldest = tmp.resolve("d.log.2");
        try (BinProcess daemon = crashLoopWithDaemonLog(tmp.resolve("d.log"), 2)) {
            BinProcess.await("two rotations", LIMIT, () -> Files.exists(oldest) || !daemon.isAlive());
            assertThat(daemon.isAlive()).as(daemon.stderr()).isTrue();
            // A third one, which must drop the oldest backup rather than keep a d.log.3.
            String first = firstLine(oldest);
            BinProcess.await("a third rotation", LIMIT, () -> {
                String now = firstLine(oldest); // empty for the moment of a rename
                return !now.isEmpty() && !now.equals(first);
            });
            ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
            assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
        }
        assertThat(daemonLogs()).containsExactlyInAnyOrder("d.log", "d.log.1", "d.log.2");
        for (Path backup : List.of(tmp.resolve("d.log.1"), oldest)) {
            // Rotated once it reached 2 KiB: the line that reached it is the only excess.
            assertThat(Files.size(backup)).as(backup.toString()).isBetween(2048L, 2048L + 512);
        }
    }

    @Test
    void withNoBackupsTheDaemonLogStartsAgainEmptyAtItsMaxbytes() throws Exception {
        Path log = tmp.resolve("d.log");
        try (BinProcess daemon = crashLoopWithDaemonLog(log, 0)) {
            // The daemon's first line is gone once the file has started again.
            BinProcess.await("the log to start again", LIMIT, () -> !daemon.isAlive()
                    || (Files.exists(log) && !firstLine(log).isEmpty() && !firstLine(log).contains("supervising")));
            assertThat(daemon.isAlive()).as(daemon.stderr()).isTrue();
            // And again, and again: a crash loop keeps writing, and the file never holds much more than 2 KiB.
            for (int round = 0; round < 3; round++) {
                String first = firstLine(log);
                BinProcess.await("the log to start again once more", LIMIT, () -> {
                    assertThat(log.toFile().length()).isLessThanOrEqualTo(2048L + 512); // 0 while it starts again
                    String now = firstLine(log);
                    return !now.isEmpty() && !now.equals(first);
                });
            }
            ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
            assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
        }
        assertThat(daemonLogs()).containsExactly("d.log");
    }

    @Test
    void inTheForegroundTheLogAlsoGoesToStandardErrorUnlessNoStderrLog() throws Exception {
        Path config = BinProcess.REPO.resolve("config/examples/minimal.yaml");
        for (String instance : List.of("loud", "quiet")) {
            boolean quiet = instance.equals("quiet");
            List<String> argv = new java.util.ArrayList<>(List.of("bin/taskmasterd", "--allow-root", "-c", config.toString(),
                    "-i", instance));
            if (quiet) {
                argv.add("--no-stderr-log");
            }
            Path log = tmp.resolve("state/taskmaster/" + instance + "/taskmasterd.log");
            try (BinProcess daemon = BinProcess.start(tmp, env(), argv.toArray(String[]::new))) {
                BinProcess.await(instance + ": hello running", LIMIT, () -> read(log).contains("hello: STARTING -> RUNNING")
                        || !daemon.isAlive());
                ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
                assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
                List<String> logged = read(log).lines().toList();
                assertThat(logged).anyMatch(l -> l.contains(" started: instance " + instance))
                        .anyMatch(l -> l.contains("taskmasterd stopped"));
                if (quiet) {
                    assertThat(daemon.stderr()).isEmpty();
                } else {
                    // Every line of the file, in the same order, with the same timestamps.
                    assertThat(daemon.stderr().lines().toList()).containsSubsequence(logged);
                }
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static String firstLine(Path p) {
        return read(p).lines().findFirst().orElse("");
    }

    @Test
    void badUsageAndAMissingFileExitNonZeroWithOneLine() throws Exception {
        try (BinProcess p = BinProcess.start(tmp, env(), "bin/taskmasterd", "--no-such-option")) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(2);
            assertThat(p.stderr()).startsWith("Unknown option: '--no-such-option'");
        }
        try (BinProcess p = BinProcess.start(tmp, env(), "bin/taskmasterd", "-c", tmp.resolve("nope.yaml").toString())) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(1);
            assertThat(p.stderr()).startsWith(tmp.resolve("nope.yaml") + ": cannot read: no such file\n");
        }
    }

    @Test
    void theDaemonServesItsSocketRefusesASecondOneAndStopsCleanlyOnSigterm() throws Exception {
        Path config = BinProcess.REPO.resolve("config/examples/minimal.yaml");
        Path socket = tmp.resolve("run/taskmaster/default.sock");
        Path pidfile = tmp.resolve("run/taskmaster/default.pid");
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            BinProcess.await("the pidfile", LIMIT, () -> Files.exists(pidfile) || !daemon.isAlive());
            assertThat(daemon.isAlive()).as(daemon.stderr()).isTrue();
            assertThat(Files.readString(pidfile).strip()).isEqualTo(String.valueOf(daemon.pid()));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");

            ManagedChannel channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build();
            try {
                GetServerInfoResponse info = TaskmasterServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(10, TimeUnit.SECONDS).getServerInfo(GetServerInfoRequest.getDefaultInstance());
                assertThat(info.getPid()).isEqualTo(daemon.pid());
                assertThat(info.getInstanceName()).isEqualTo("default");
                assertThat(info.getConfigPath()).isEqualTo(config.toString());
                assertThat(info.getSocketPath()).isEqualTo(socket.toString());
                assertThat(info.getProcessCount()).isEqualTo(1);
                HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance());
                assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }

            // The same instance: its lock says who runs it, before anything else is touched.
            try (BinProcess second = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
                assertThat(second.waitFor(LIMIT)).isEqualTo(3);
                assertThat(second.stderr()).isEqualTo("taskmasterd: instance \"default\" is already running (pid "
                        + daemon.pid() + ", lock " + tmp.resolve("run/taskmaster/default.lock") + ")\n");
            }
            // Another instance told to use the same socket: the live daemon answering there is noticed.
            try (BinProcess third = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString(),
                    "-i", "other", "--socket", socket.toString())) {
                assertThat(third.waitFor(LIMIT)).isEqualTo(3);
                assertThat(third.stderr()).isEqualTo("taskmasterd: cannot start: another taskmasterd is already running on "
                        + socket + "; stop it first, or start this one with another --instance\n");
            }

            ProcessHandle.of(daemon.pid()).orElseThrow().destroy(); // SIGTERM
            assertThat(daemon.waitFor(LIMIT)).isZero();
            assertThat(socket).doesNotExist();
            assertThat(pidfile).doesNotExist();
            Path log = tmp.resolve("state/taskmaster/default/taskmasterd.log");
            assertThat(Files.readString(log)).contains("taskmasterd ", " started: instance default", "received SIGTERM",
                    "taskmasterd stopped").doesNotContain("SO_KEEPALIVE");
        }
    }

    @Test
    void asRootItRefusesWithoutAUserToDropToOrAllowRoot() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(dev.taskmaster.server.os.Posix.geteuid() == 0, "runs as root only");
        Path config = BinProcess.REPO.resolve("config/examples/minimal.yaml");
        try (BinProcess p = BinProcess.start(tmp, env(), "bin/taskmasterd", "-c", config.toString())) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(3);
            assertThat(p.stderr()).isEqualTo("taskmasterd: refusing to run as root: set server.user in " + config
                    + " to the user to run as, or pass --allow-root\n");
        }
        assertThat(tmp.resolve("run/taskmaster/default.sock")).doesNotExist();
    }

    @Test
    void itRefusesToRunAnywhereButLinux() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(env());
        env.put("TASKMASTER_JAVA_OPTS", "-Dos.name=FreeBSD");
        Path config = BinProcess.REPO.resolve("config/examples/minimal.yaml");
        try (BinProcess p = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(3);
            assertThat(p.stderr()).isEqualTo("taskmasterd: runs on Linux only (this is FreeBSD)\n");
        }
    }

    @Test
    void twoInstancesRunSideBySideEachWithItsOwnSocketPidfileAndLog() throws Exception {
        Path config = BinProcess.REPO.resolve("config/examples/minimal.yaml");
        try (BinProcess blue = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString(), "-i", "blue");
                BinProcess green = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString(), "-i", "green")) {
            for (String i : new String[] {"blue", "green"}) {
                BinProcess d = i.equals("blue") ? blue : green;
                BinProcess.await(i + "'s pidfile", LIMIT, () -> Files.exists(tmp.resolve("run/taskmaster/" + i + ".pid")) || !d.isAlive());
                assertThat(d.isAlive()).as(i + ": " + d.stderr()).isTrue();
                assertThat(tmp.resolve("run/taskmaster/" + i + ".sock")).exists();
            }
            assertThat(blue.isAlive()).isTrue();
            assertThat(green.isAlive()).isTrue();
            for (BinProcess d : new BinProcess[] {blue, green}) {
                ProcessHandle.of(d.pid()).orElseThrow().destroy();
                assertThat(d.waitFor(LIMIT)).isZero();
            }
            assertThat(Files.readString(tmp.resolve("state/taskmaster/blue/taskmasterd.log"))).contains("instance blue");
            assertThat(Files.readString(tmp.resolve("state/taskmaster/green/taskmasterd.log"))).contains("instance green");
        }
    }

    @Test
    void aStaleSocketFromADeadDaemonIsReplaced() throws Exception {
        Path socket = tmp.resolve("run/taskmaster/stale.sock");
        Files.createDirectories(socket.getParent());
        // Bind and abandon a socket: the file stays, nobody listens.
        try (var ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.bind(java.net.UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();
        Path config = BinProcess.REPO.resolve("config/examples/minimal.yaml");
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString(), "--instance", "stale")) {
            Path pidfile = tmp.resolve("run/taskmaster/stale.pid");
            BinProcess.await("the pidfile", LIMIT, () -> Files.exists(pidfile) || !daemon.isAlive());
            assertThat(daemon.isAlive()).as(daemon.stderr()).isTrue();
            ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
            assertThat(daemon.waitFor(LIMIT)).isZero();
        }
    }

    @Test
    void sigtermAsSoonAsThePidfileAppearsStillShutsDownCleanly() throws Exception {
        Path config = BinProcess.REPO.resolve("config/examples/minimal.yaml");
        for (int round = 0; round < 5; round++) {
            String instance = "race" + round;
            Path pidfile = tmp.resolve("run/taskmaster/" + instance + ".pid");
            try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString(),
                    "--instance", instance)) {
                BinProcess.await("the pidfile", LIMIT, () -> Files.exists(pidfile) || !daemon.isAlive());
                ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
                assertThat(daemon.waitFor(LIMIT)).as("round " + round + ": " + daemon.stderr()).isZero();
                assertThat(pidfile).doesNotExist();
                assertThat(tmp.resolve("run/taskmaster/" + instance + ".sock")).doesNotExist();
            }
        }
    }

    @Test
    void everyLauncherStartsItsJar() throws Exception {
        for (String bin : new String[] {"bin/taskmasterd", "bin/taskmasterctl", "bin/taskmaster-tui"}) {
            try (BinProcess p = BinProcess.start(tmp, env(), bin, "--version")) {
                assertThat(p.waitFor(LIMIT)).as(bin + ": " + p.stderr()).isZero();
                assertThat(p.stdout()).as(bin).matches(bin.substring(4) + " [0-9]+\\.[0-9]+\\.[0-9]+.*\n");
            }
        }
        // No verb (and no interactive shell yet): the usage, and the exit code of bad usage.
        try (BinProcess p = BinProcess.start(tmp, env(), "bin/taskmasterctl")) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(2);
            assertThat(p.stdout() + p.stderr()).contains("Usage: taskmasterctl");
        }
    }

    @Test
    void launchersSayClearlyWhenThereIsNoJdk25() throws Exception {
        Map<String, String> noJdk = Map.of("JAVA_HOME", "/nonexistent/jdk", "PATH", "/usr/bin:/bin",
                "TASKMASTER_JDK_DIR", tmp.resolve("empty").toString());
        Files.createDirectories(tmp.resolve("empty"));
        for (String bin : new String[] {"bin/taskmasterd", "bin/taskmasterctl", "bin/taskmaster-tui"}) {
            try (BinProcess p = BinProcess.start(tmp, noJdk, bin, "--version")) {
                assertThat(p.waitFor(LIMIT)).as(bin).isEqualTo(1);
                assertThat(p.stderr()).as(bin).matches("taskmaster: no JDK >= 25 found \\(tried:.*\\); install one"
                        + " \\(e\\.g\\. Temurin 25\\) or set JAVA_HOME to it\n");
            }
        }
    }

    @Test
    void theMavenWrapperFindsJdk25WhenTheDefaultJavaIsOlder() throws Exception {
        Path old = Path.of("/usr/lib/jvm/java-17-openjdk-amd64");
        Map<String, String> env = Files.isDirectory(old) ? Map.of("JAVA_HOME", old.toString()) : Map.of();
        try (BinProcess p = BinProcess.start(tmp, env, "mvnw", "-v")) {
            assertThat(p.waitFor(Duration.ofMinutes(3))).as(p.stderr()).isZero();
            assertThat(p.stdout()).contains("Apache Maven 3.9.").containsPattern("Java version: 2[5-9]");
        }
    }
}
