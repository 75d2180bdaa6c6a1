package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real daemon short of descriptors (issue 11): under {@code prlimit --nofile=256:256} with
 * 200 programs it used to start programs before its API, fail to make Netty's eventfd, exit 1 and
 * leave some 30 programs running unsupervised. Every child carries a marker in its environment
 * (inherited from the daemon), so the test finds any process left behind, whoever its parent.
 */
class StarvedFdsIT {

    static final Duration LIMIT = Duration.ofSeconds(60);
    static final String PRLIMIT = "/usr/bin/prlimit";

    @TempDir
    Path tmp;

    /** The marker every process of this test's daemons inherits. */
    private final String marker = "STARVED_FDS_IT=" + UUID.randomUUID();

    private Map<String, String> env(Path dir) {
        return BinProcess.env(dir, marker.substring(0, marker.indexOf('=')), marker.substring(marker.indexOf('=') + 1));
    }

    /** bin/taskmasterd under a limit on open files of {@code soft}:{@code hard}. */
    private BinProcess daemon(Path dir, long soft, long hard, String... args) {
        List<String> argv = new ArrayList<>(List.of(PRLIMIT, "--nofile=" + soft + ":" + hard, "--",
                BinProcess.REPO.resolve("bin/taskmasterd").toString(), "--allow-root"));
        argv.addAll(List.of(args));
        return BinProcess.start(dir, env(dir), argv.toArray(String[]::new));
    }

    private static Path config(Path dir, String yaml) throws IOException {
        Files.createDirectories(dir);
        return Files.writeString(dir.resolve("taskmaster.yaml"), yaml);
    }

    private static String programs(int n, String settings) {
        StringBuilder yaml = new StringBuilder("programs:\n");
        for (int i = 1; i <= n; i++) {
            yaml.append(String.format("  p%03d:\n    cmd: sleep 1000\n%s", i, settings));
        }
        return yaml.toString();
    }

    /** One line of {@code taskmasterctl status}: NAME STATE PID UPTIME RESTARTS DESCRIPTION. */
    private record Row(String name, String state, long pid, String description) {
        static Row parse(String line) {
            String[] f = line.strip().split("\\s+", 6);
            return new Row(f[0], f[1], f[2].equals("-") ? 0 : Long.parseLong(f[2]), f.length > 5 ? f[5] : "");
        }
    }

    private List<Row> status(Path dir) throws InterruptedException {
        BinProcess.Result r = BinProcess.ctl(dir, env(dir), LIMIT, "status");
        if (r.code() != 0 && r.code() != 3) {
            return List.of();
        }
        return r.out().lines().skip(1).map(Row::parse).toList();
    }

    @Test
    void twoHundredProgramsUnderALimitOf256LeaveTheDaemonUpAndTheRestFatal() throws Exception {
        for (int round = 1; round <= 3; round++) {
            Path dir = tmp.resolve("round" + round);
            // One retry: the refusal goes BACKOFF -> FATAL as any failed spawn does, without a long wait.
            Path config = config(dir, programs(200, "    startretries: 1\n"));
            List<Long> running;
            try (BinProcess daemon = daemon(dir, 256, 256, "--no-stderr-log", "-c", config.toString())) {
                List<Row>[] last = new List[] {List.of()};
                BinProcess.await("round " + round + ": every program RUNNING or FATAL", LIMIT, () -> {
                    try {
                        last[0] = status(dir);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    return !daemon.isAlive() || (last[0].size() == 200
                            && last[0].stream().allMatch(r -> r.state().equals("RUNNING") || r.state().equals("FATAL")));
                });
                assertThat(daemon.isAlive()).as("round %d: the daemon is up; stderr: %s", round, daemon.stderr()).isTrue();
                List<Row> rows = last[0];
                List<Row> fatal = rows.stream().filter(r -> r.state().equals("FATAL")).toList();
                running = rows.stream().filter(r -> r.state().equals("RUNNING")).map(Row::pid).toList();
                // 256 leaves room for some twenty programs of six descriptors each beside the daemon's own and its reserve.
                assertThat(running).as("round %d: running", round).hasSizeBetween(5, 40);
                assertThat(fatal).hasSize(200 - running.size());
                for (Row r : fatal) {
                    assertThat(r.description()).as(r.name()).matches("spawn error: too many open files: \\d+ of 256 in use,"
                            + " \\d+ needed, 64 kept for the daemon; raise LimitNOFILE / ulimit -n");
                }
                for (long pid : running) {
                    assertThat(ProcessHandle.of(pid)).as("pid " + pid).isPresent();
                }
                String log = Files.readString(dir.resolve("state/taskmaster/default/taskmasterd.log"));
                assertThat(log).contains("open files: limit 256\n",
                        "the open-files limit 256 is too low for the configuration: its 200 processes hold about 1200"
                                + " descriptors",
                        "; the open-files limit is too low for the configuration (see the warning above)");
                assertThat(log).doesNotContain("Exception");

                // Still answering with every descriptor it may use taken: the reserve is the daemon's.
                assertThat(BinProcess.ctl(dir, env(dir), LIMIT, "status", "p001").code()).isIn(0, 3);
                BinProcess.Result shutdown = BinProcess.ctl(dir, env(dir), LIMIT, "shutdown");
                assertThat(shutdown.code()).as(shutdown.err()).isZero();
                assertThat(daemon.waitFor(LIMIT)).as("round %d exit; stderr: %s", round, daemon.stderr()).isZero();
            }
            for (long pid : running) {
                BinProcess.await("pid " + pid + " and its process group to be gone", LIMIT,
                        () -> !alive(pid) && inGroup(pid).isEmpty());
            }
            assertThat(marked()).as("processes left behind in round " + round).isEmpty();
        }
    }

    @Test
    void aLimitTooLowForTheDaemonsOwnNeedsEndsTheStartWith3AndStartsNothing() throws Exception {
        Path config = config(tmp, programs(20, ""));
        try (BinProcess daemon = daemon(tmp, 100, 100, "--no-stderr-log", "-c", config.toString())) {
            assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isEqualTo(3);
            assertThat(daemon.stderr()).matches("taskmasterd: cannot start: too many open files: \\d+ of 100 in use before"
                    + " the API started, 64 kept for the daemon; raise LimitNOFILE / ulimit -n\n");
        }
        assertThat(marked()).isEmpty();
        assertThat(tmp.resolve("run/taskmaster/default.sock")).doesNotExist();
        assertThat(tmp.resolve("run/taskmaster/default.pid")).doesNotExist();
        String log = Files.readString(tmp.resolve("state/taskmaster/default/taskmasterd.log"));
        assertThat(log).contains("ERROR Daemon: cannot start: too many open files: ").doesNotContain("STARTING");
    }

    /**
     * The pidfile, written once the programs' start is under way, cannot be written (its directory
     * is a full tmpfs): every program started is stopped before the daemon exits 3.
     */
    @Test
    void aStartUpThatFailsAfterProgramsStartedStopsThemAll() throws Exception {
        Assumptions.assumeTrue(dev.taskmaster.server.os.Posix.geteuid() == 0, "mounting a tmpfs needs root");
        Path full = Files.createDirectories(tmp.resolve("full"));
        assertThat(run("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", full.toString())).isZero();
        try {
            // Fill it: the pidfile's temporary file can be created, not written.
            run("dd", "if=/dev/zero", "of=" + full.resolve("filler"), "bs=4k");
            Path config = config(tmp, "server:\n  pidfile: " + full.resolve("d.pid") + "\n" + programs(5, "    starttime: 0\n"));
            try (BinProcess daemon = daemon(tmp, 4096, 4096, "--no-stderr-log", "-c", config.toString())) {
                assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isEqualTo(3);
                assertThat(daemon.stderr()).matches("taskmasterd: cannot start: cannot write the pidfile " + Pattern.quote(
                        full.resolve("d.pid").toString()) + ": .*No space left on device.*\n");
            }
            String log = Files.readString(tmp.resolve("state/taskmaster/default/taskmasterd.log"));
            Matcher started = Pattern.compile("p\\d+: STOPPED -> STARTING \\(pid (\\d+)\\)").matcher(log);
            List<Long> pids = new ArrayList<>();
            while (started.find()) {
                pids.add(Long.parseLong(started.group(1)));
            }
            assertThat(pids).as("the programs started before the failure").hasSize(5);
            for (long pid : pids) {
                assertThat(alive(pid)).as("pid " + pid).isFalse();
                assertThat(inGroup(pid)).as("process group " + pid).isEmpty();
            }
            assertThat(marked()).isEmpty();
            assertThat(log).contains("start-up failed: stopping every process", "taskmasterd stopped");
        } finally {
            run("umount", full.toString());
        }
    }

    /** The daemon raises its soft limit to the hard one; its programs start with the one it was given, as under systemd. */
    @Test
    void programsKeepTheSoftLimitTheDaemonWasGiven() throws Exception {
        Path limits = tmp.resolve("limits");
        Path config = config(tmp, "programs:\n  probe:\n    cmd: \"sh -c 'ulimit -Sn > " + limits + "; ulimit -Hn >> "
                + limits + "; exec sleep 1000'\"\n    starttime: 0\n");
        try (BinProcess daemon = daemon(tmp, 512, 4096, "--no-stderr-log", "-c", config.toString())) {
            BinProcess.await("the program's limits", LIMIT, () -> lines(limits).size() == 2 || !daemon.isAlive());
            assertThat(lines(limits)).containsExactly("512", "4096");
            String ownLimits = Files.readString(Path.of("/proc/" + daemon.pid() + "/limits"));
            assertThat(ownLimits).containsPattern("Max open files\\s+4096\\s+4096\\s+files");
            String log = Files.readString(tmp.resolve("state/taskmaster/default/taskmasterd.log"));
            assertThat(log).contains("open files: limit raised from 512 to 4096 (the hard limit); programs start with 512");
            BinProcess.shutdown(daemon, tmp, env(tmp), LIMIT);
        }
        assertThat(marked()).isEmpty();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        return p.waitFor();
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The processes whose process group is {@code pgid} (field 5 of /proc/PID/stat). */
    private static List<Long> inGroup(long pgid) {
        return procs().filter(pid -> {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(after[2]) == pgid;
            } catch (IOException | RuntimeException gone) {
                return false;
            }
        }).toList();
    }

    /** Every process, whatever its parent, that inherited this test's marker; killed too, so none outlives the test. */
    private List<Long> marked() {
        byte[] wanted = (marker + "\0").getBytes(StandardCharsets.UTF_8);
        List<Long> found = procs().filter(pid -> {
            try {
                return indexOf(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), wanted) >= 0;
            } catch (IOException | RuntimeException gone) {
                return false;
            }
        }).toList();
        found.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        return found;
    }

    private static Stream<Long> procs() {
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong).toList().stream();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
