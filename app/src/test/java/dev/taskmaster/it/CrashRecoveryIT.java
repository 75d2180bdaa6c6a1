package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real taskmasterd SIGKILLed with 50 programs and started again (issue 13, "Crash"): the
 * same pids are supervised, no program runs twice, none is left unsupervised, output goes on
 * into the same log file after a marker, a survivor's later kill is seen and it is restarted by
 * its policy; a program on a terminal, whose console cannot be re-attached, is restarted; and
 * {@code --fresh} leaves none of the old processes. The crash and restart are repeated several
 * times in one daemon's life.
 *
 * <p>Processes are counted in /proc by the variable every program gets from the daemon
 * ({@code TASKMASTER_PROCESS_NAME}) and by a token only this test's daemons (and so their
 * programs) carry: every process carrying it is killed by pid at the end, even on failure
 * (after a crash the programs are no descendants of any daemon of the test).
 */
class CrashRecoveryIT {

    static final Duration LIMIT = Duration.ofSeconds(60);
    private static final int SLEEPERS = 43;
    private static final int FORKERS = 4;
    private static final int CRASHES = 3;

    @TempDir
    Path tmp;

    private final String token = UUID.randomUUID().toString();
    private Map<String, String> env;
    private final List<BinProcess> daemons = new ArrayList<>();

    @AfterEach
    void killEverythingStarted() {
        daemons.forEach(BinProcess::close);
        for (Proc p : tokenBearers()) {
            ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aCrashedDaemonsProgramsAreSupervisedAgainNeverDoubledAndFreshKillsThem() throws Exception {
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "programs:\n"
                + "  sleeper:\n    cmd: sleep 1000\n    numprocs: " + SLEEPERS + "\n    starttime: 0\n"
                + "  forker:\n    cmd: \"sh -c 'sleep 1000 & sleep 1000 & wait'\"\n    numprocs: " + FORKERS + "\n    starttime: 0\n"
                + "  writer:\n    cmd: \"sh -c 'trap \\\"\\\" PIPE; i=0; while :; do i=$$((i+1)); echo \\\"line $$i\\\"; sleep 0.05; done'\"\n"
                + "    starttime: 0\n"
                + "  term:\n    cmd: \"sh -c 'trap \\\"\\\" HUP; while :; do sleep 1; done'\"\n    tty: true\n    starttime: 0\n"
                + "  quiet:\n    cmd: sleep 1000\n    stdout: none\n    stderr: none\n    starttime: 0\n");
        env = BinProcess.env(tmp, "CRASH_RECOVERY_TOKEN", token);
        Path stateFile = tmp.resolve("run/taskmaster/default.state");
        Path writerLog = tmp.resolve("state/taskmaster/default/logs/writer.stdout.log");

        BinProcess daemon = startDaemon();
        Map<String, Integer> pids = awaitAllRunning(50);
        long firstStart = System.nanoTime();
        assertOnePerInstance(pids);
        BinProcess.await("the state file to name all 50", LIMIT, () -> count(stateFile, "process ") == 50);

        for (int crash = 1; crash <= CRASHES; crash++) {
            String writtenBefore = Files.readString(writerLog, StandardCharsets.UTF_8);
            crash(daemon);
            long recorded = Long.parseLong(read(stateFile).lines().filter(l -> l.startsWith("sequence ")).findFirst()
                    .orElseThrow().substring(9));
            daemon = startDaemon();
            int termBefore = pids.get("term");
            BinProcess.await("term restarted with a new pid (its console was lost)", LIMIT,
                    () -> statusPids().getOrDefault("term", termBefore) != termBefore
                            && statusPids().size() == 50 && running() == 50);
            Map<String, Integer> after = statusPids();
            for (Map.Entry<String, Integer> e : pids.entrySet()) {
                if (!e.getKey().equals("term")) {
                    assertThat(after.get(e.getKey())).as("crash %d: the pid of %s", crash, e.getKey()).isEqualTo(e.getValue());
                }
            }
            assertThat(gone(termBefore)).as("the old term process was stopped").isTrue();
            assertOnePerInstance(after);
            // The journal numbers on after the crashed daemon's, past a gap: the events in between are gone.
            long first = recorded + 10_000 + 1;
            assertThat(ctl("events", "sleeper:0", "--since", String.valueOf(first)).out()).startsWith("#" + first + " ")
                    .contains("pid " + after.get("sleeper:0") + " survived the previous daemon");
            assertThat(ctl("events", "sleeper:0", "--since", String.valueOf(recorded)).out()).startsWith("-- events missed");
            // Its uptime is its own, not the new daemon's.
            long upFor = Duration.ofNanos(System.nanoTime() - firstStart).toSeconds();
            assertThat(uptimeSeconds("sleeper:0")).as("uptime of sleeper:0").isGreaterThanOrEqualTo(upFor - 1);
            String log = Files.readString(tmp.resolve("state/taskmaster/default/taskmasterd.log"), StandardCharsets.UTF_8);
            assertThat(log).contains("pid " + after.get("sleeper:0") + " survived the previous daemon");

            // The writer goes on in the same file: what it wrote before, the marker, then new lines.
            int writerPid = pids.get("writer");
            BinProcess.await("new lines from the writer after the marker", LIMIT, () -> {
                String now = read(writerLog);
                int marker = now.indexOf("[taskmasterd: pid " + writerPid + " survived", writtenBefore.length() - 1);
                return now.startsWith(writtenBefore) && marker >= 0 && now.indexOf("\nline ", marker) > 0;
            });

            // A survivor's end is seen (its exit status cannot be known) and its policy restarts it.
            String victim = "sleeper:" + crash;
            int old = after.get(victim);
            ProcessHandle.of(old).orElseThrow().destroyForcibly();
            BinProcess.await(victim + " restarted by autorestart", LIMIT,
                    () -> statusPids().getOrDefault(victim, old) != old && running() == 50);
            assertThat(ctl("events", victim, "--since", String.valueOf(first)).out())
                    .contains(victim + " RUNNING -> EXITED: exited, code unknown");
            pids = statusPids();
            assertOnePerInstance(pids);
            Map<String, Integer> expected = pids;
            BinProcess.await("the state file to name the new pids", LIMIT,
                    () -> count(stateFile, "process ") == 50 && read(stateFile).contains(" pid=" + expected.get(victim) + " ")
                            && read(stateFile).contains(" pid=" + expected.get("term") + " "));
        }

        // --fresh: none of the old processes is left, every program runs once, anew.
        crash(daemon);
        List<Proc> old = tokenBearers();
        daemon = startDaemon("--fresh");
        Map<String, Integer> fresh = awaitAllRunning(50);
        for (Map.Entry<String, Integer> e : pids.entrySet()) {
            assertThat(fresh.get(e.getKey())).as("--fresh: %s runs anew", e.getKey()).isNotEqualTo(e.getValue());
        }
        for (Proc p : old) {
            assertThat(alive(p)).as("--fresh: pid %d (%s) of the crashed daemon was killed", p.pid(), p.name()).isFalse();
        }
        assertOnePerInstance(fresh);

        // A clean shutdown leaves no state file and nothing running.
        ctl("shutdown");
        assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
        assertThat(stateFile).doesNotExist();
        BinProcess.await("nothing of the programs left", LIMIT, () -> tokenBearers().isEmpty());
    }

    private BinProcess startDaemon(String... extra) {
        List<String> argv = new ArrayList<>(List.of("bin/taskmasterd", "--allow-root", "-c", tmp.resolve("t.yaml").toString()));
        argv.addAll(List.of(extra));
        BinProcess d = BinProcess.start(tmp, env, argv.toArray(String[]::new));
        daemons.add(d);
        return d;
    }

    /** SIGKILL, as the OOM killer would: the daemon has no chance to stop anything. */
    private static void crash(BinProcess daemon) throws InterruptedException {
        ProcessHandle.of(daemon.pid()).orElseThrow().destroyForcibly();
        daemon.waitFor(LIMIT);
    }

    private Map<String, Integer> awaitAllRunning(int n) throws InterruptedException {
        BinProcess.await(n + " processes RUNNING", LIMIT, () -> running() == n);
        return statusPids();
    }

    /** Every instance has exactly one main process (leading its own session) with its name, the pid status shows. */
    private void assertOnePerInstance(Map<String, Integer> status) {
        Map<String, List<Integer>> leaders = new TreeMap<>();
        Map<String, Integer> inForkerSessions = new HashMap<>();
        for (Proc p : tokenBearers()) {
            if (p.name().isEmpty()) {
                continue; // the daemon itself
            }
            if (p.session() == p.pid()) {
                leaders.computeIfAbsent(p.name(), k -> new ArrayList<>()).add(p.pid());
            } else if (p.name().startsWith("forker:") && p.command().equals("sleep 1000")) {
                inForkerSessions.merge(p.name(), 1, Integer::sum);
            }
        }
        assertThat(leaders.keySet()).as("instances with a main process").containsExactlyInAnyOrderElementsOf(status.keySet());
        for (Map.Entry<String, List<Integer>> e : leaders.entrySet()) {
            assertThat(e.getValue()).as("main processes of %s (0 duplicates)", e.getKey()).containsExactly(status.get(e.getKey()));
        }
        for (int i = 0; i < FORKERS; i++) {
            assertThat(inForkerSessions.get("forker:" + i)).as("grandchildren of forker:%d", i).isEqualTo(2);
        }
    }

    /** A process of this test: its pid, session, TASKMASTER_PROCESS_NAME (empty for a daemon) and command line. */
    private record Proc(int pid, int session, long startTicks, String name, String command) {
    }

    /** No process has the pid, or a zombie does (after a crash, init reaps the programs). */
    private static boolean gone(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }

    private static boolean alive(Proc p) {
        try {
            String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return !f[0].equals("Z") && Long.parseLong(f[19]) == p.startTicks();
        } catch (IOException e) {
            return false;
        }
    }

    /** Every live process carrying this test's token, zombies excluded. */
    private List<Proc> tokenBearers() {
        List<Proc> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : dir) {
                try {
                    Map<String, String> environ = environ(Files.readAllBytes(p.resolve("environ")));
                    if (!token.equals(environ.get("CRASH_RECOVERY_TOKEN"))) {
                        continue;
                    }
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (f[0].equals("Z")) {
                        continue;
                    }
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').strip();
                    out.add(new Proc(Integer.parseInt(p.getFileName().toString()), Integer.parseInt(f[3]), Long.parseLong(f[19]),
                            environ.getOrDefault("TASKMASTER_PROCESS_NAME", ""), cmd));
                } catch (IOException | RuntimeException gone) {
                    // ended while being read
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list /proc", e);
        }
        return out;
    }

    private static Map<String, String> environ(byte[] bytes) {
        Map<String, String> env = new HashMap<>();
        for (String entry : new String(bytes, StandardCharsets.UTF_8).split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }

    /** Name → pid of every process status shows with one. */
    private Map<String, Integer> statusPids() {
        Map<String, Integer> pids = new TreeMap<>();
        for (String line : ctlQuietly("status").out().lines().skip(1).toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 2 && f[2].matches("\\d+")) {
                pids.put(f[0], Integer.parseInt(f[2]));
            }
        }
        return pids;
    }

    /** The UPTIME column (h:mm:ss) of one instance, in seconds. */
    private long uptimeSeconds(String instance) {
        String line = ctlQuietly("status", instance).out().lines().skip(1).findFirst().orElseThrow();
        String[] hms = line.trim().split("\\s+")[3].split(":");
        return Long.parseLong(hms[0]) * 3600 + Long.parseLong(hms[1]) * 60 + Long.parseLong(hms[2]);
    }

    private long running() {
        return ctlQuietly("status").out().lines().skip(1).filter(l -> l.trim().split("\\s+").length > 1
                && l.trim().split("\\s+")[1].equals("RUNNING")).count();
    }

    private static long count(Path file, String prefix) {
        return read(file).lines().filter(l -> l.startsWith(prefix)).count();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private BinProcess.Result ctl(String... args) throws InterruptedException {
        return BinProcess.ctl(tmp, env, LIMIT, args);
    }

    private BinProcess.Result ctlQuietly(String... args) {
        try {
            return ctl(args);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
