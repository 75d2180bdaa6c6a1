package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.testkit.Poll;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code taskmasterd run} end to end through the real bin/taskmasterd: the program's output
 * passes through untouched while taskmasterd's own lines go to stderr with a prefix, restarts
 * follow the backoff up to --max-restarts, SIGTERM and SIGINT stop the program gracefully and
 * its status becomes taskmasterd's, a stale heartbeat restarts it, and nothing is left running.
 */
class RunIT {

    static final Duration LIMIT = Duration.ofSeconds(30);
    private static final Pattern PID = Pattern.compile("\\(pid (\\d+)\\)");

    @TempDir
    Path tmp;

    /** Every pid of a program or its children that a test saw: each must be gone at the end. */
    private final List<Long> seen = new ArrayList<>();

    private BinProcess run(String... args) {
        String[] argv = new String[args.length + 2];
        argv[0] = "bin/taskmasterd";
        argv[1] = "run";
        System.arraycopy(args, 0, argv, 2, args.length);
        return BinProcess.start(tmp, BinProcess.env(tmp), argv);
    }

    @AfterEach
    void nothingLeftBehind() throws InterruptedException {
        for (long pid : seen) {
            Poll.until("pid " + pid + " to be gone", LIMIT, () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
        }
    }

    /** The pids of the program's runs, from taskmasterd's "(pid N)" lines; remembered to be checked at the end. */
    private List<Long> programPids(BinProcess p) {
        List<Long> pids = new ArrayList<>();
        for (String line : p.stderr().lines().toList()) {
            if (line.startsWith("[taskmaster] ") && line.contains(": STARTING (pid ")) {
                Matcher m = PID.matcher(line);
                if (m.find()) {
                    pids.add(Long.parseLong(m.group(1)));
                }
            }
        }
        pids.forEach(pid -> {
            if (!seen.contains(pid)) {
                seen.add(pid);
            }
        });
        return pids;
    }

    /** Lines of stderr that are not taskmasterd's own. */
    private static List<String> programLines(String stderr) {
        return stderr.lines().filter(l -> !l.startsWith("[taskmaster] ")).toList();
    }

    @Test
    void outputPassesThroughAndOwnLinesArePrefixed() throws Exception {
        try (BinProcess p = run("--", "sh", "-c", "echo to-out; echo to-err >&2; exit 0")) {
            assertThat(p.waitFor(LIMIT)).isZero();
            assertThat(p.stdout()).isEqualTo("to-out\n");
            assertThat(programLines(p.stderr())).containsExactly("to-err");
            assertThat(p.stderr()).contains("[taskmaster] sh: RUNNING").contains("[taskmaster] exiting with status 0");
            programPids(p);
        }
    }

    @Test
    void exitStatusOfTheProgramIsTaskmasterdsWhenItIsNotRestarted() throws Exception {
        // autorestart never: the first end is the last, whatever its code.
        try (BinProcess p = run("--set", "autorestart=never", "--", "sh", "-c", "exit 5")) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(5);
            programPids(p);
        }
        try (BinProcess p = run("--set", "autorestart=never", "--", "sh", "-c", "kill -SEGV $$")) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(128 + 11);
            assertThat(p.stderr()).contains("killed by SIGSEGV");
            programPids(p);
        }
    }

    @Test
    void stdinPassesThrough() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(BinProcess.REPO.resolve("bin/taskmasterd").toString(), "run", "--", "cat")
                .directory(BinProcess.REPO.toFile()).redirectError(tmp.resolve("err").toFile());
        pb.environment().putAll(BinProcess.env(tmp));
        Process p = pb.start();
        try {
            try (OutputStream in = p.getOutputStream()) {
                in.write("through stdin\n".getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(out).isEqualTo("through stdin\n");
            assertThat(p.exitValue()).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void restartsWithBackoffUpToMaxRestartsThenGivesUpWithTheReason() throws Exception {
        // Each run prints the time it began; the third begins at least the backoff after the second ended.
        try (BinProcess p = run("--max-restarts", "2", "--backoff-factor", "0.3", "--", "sh", "-c",
                "echo begin $(date +%s%N); exit 3")) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(3);
            List<Long> begins = p.stdout().lines().map(l -> Long.parseLong(l.substring("begin ".length()))).toList();
            assertThat(begins).hasSize(3);
            // Two short runs in a row make a crash loop: the second restart waits initial (0.3 s).
            assertThat(begins.get(2) - begins.get(1)).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
            assertThat(p.stderr()).contains("restart in 0.300 s")
                    .contains("[taskmaster] ERROR: giving up on sh: gave up after 2 restarts in a row (max_restarts 2);"
                            + " last run: exited with code 3 (unexpected)");
            assertThat(programPids(p)).hasSize(3);
        }
    }

    @Test
    void aCommandNotFoundGivesUpWith127() throws Exception {
        try (BinProcess p = run("--set", "startretries=0", "--", tmp.resolve("no-such-command").toString())) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(127);
            assertThat(p.stderr()).contains("no such file (ENOENT)").contains("giving up");
        }
    }

    @Test
    void invalidSettingsAreRefusedNamingTheOption() throws Exception {
        try (BinProcess p = run("--set", "autorestart=maybe", "--grace-period", "soon", "--set", "tty=true", "--", "true")) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(125);
            assertThat(p.stderr()).contains("taskmasterd run: --set tty=true: tty cannot be set with taskmasterd run");
        }
        try (BinProcess p = run("--set", "autorestart=maybe", "--grace-period", "soon", "--", "true")) {
            assertThat(p.waitFor(LIMIT)).isEqualTo(125);
            assertThat(p.stderr()).contains(
                    "taskmasterd run: --set autorestart=maybe: autorestart: expected always, never or unexpected, found \"maybe\"")
                    .contains("taskmasterd run: --grace-period: stoptime: expected")
                    .doesNotContain("[taskmaster]"); // nothing was started
        }
    }

    /** SIGTERM and SIGINT (Ctrl-C) alike: the program is stopped gracefully and its status is taskmasterd's. */
    @RepeatedTest(3)
    void signalsStopTheProgramGracefullyAndItsStatusIsPropagated() throws Exception {
        for (String signal : new String[] {"TERM", "INT"}) {
            // A grandchild in the background too: the stop leaves nothing of the program's group.
            try (BinProcess p = run("--grace-period", "5", "--", "sh", "-c",
                    "trap 'echo got-term; exit 7' TERM; sleep 300 & echo grandchild $!; while :; do sleep 0.05; done")) {
                Poll.until("the program to be up", LIMIT, () -> p.stdout().contains("grandchild "));
                long grandchild = Long.parseLong(p.stdout().lines().filter(l -> l.startsWith("grandchild ")).findFirst()
                        .orElseThrow().substring("grandchild ".length()).trim());
                seen.add(grandchild);
                kill(signal, p.pid());
                assertThat(p.waitFor(LIMIT)).as("exit status after SIG" + signal).isEqualTo(7);
                assertThat(p.stdout()).contains("got-term");
                assertThat(p.stderr()).contains("received SIG" + signal + ": stopping sh with SIGTERM");
                assertThat(programPids(p)).hasSize(1);
            }
        }
    }

    @Test
    void aProgramKilledByItsStopSignalGivesTheShellStatus() throws Exception {
        try (BinProcess p = run("--", "sleep", "300")) {
            Poll.until("sleep to run", LIMIT, () -> p.stderr().contains("sleep: RUNNING"));
            kill("TERM", p.pid());
            assertThat(p.waitFor(LIMIT)).isEqualTo(128 + 15);
            programPids(p);
        }
    }

    @Test
    void aStaleHeartbeatRestartsTheProgram() throws Exception {
        // Touches its heartbeat once, then hangs: alive, but no longer working.
        try (BinProcess p = run("--enable-heartbeat", "--timeout", "1", "--", "sh", "-c",
                "touch \"$TASKMASTER_HEARTBEAT_FILE\"; echo beat \"$TASKMASTER_HEARTBEAT_FILE\"; exec sleep 300")) {
            Poll.until("a restart for a stale heartbeat", LIMIT, () -> p.stdout().lines().count() >= 2);
            assertThat(p.stderr()).contains("health UNHEALTHY").contains("restarting");
            Path beat = Path.of(p.stdout().lines().findFirst().orElseThrow().substring("beat ".length()));
            assertThat(beat.getParent().getFileName().toString()).startsWith("taskmaster-run-");
            kill("TERM", p.pid());
            assertThat(p.waitFor(LIMIT)).isEqualTo(128 + 15);
            assertThat(programPids(p).size()).isGreaterThanOrEqualTo(2);
            // The private directory made for the heartbeat goes with the run.
            assertThat(Files.exists(beat.getParent())).isFalse();
        }
    }

    private static void kill(String signal, long pid) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertThat(k.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(k.exitValue()).isZero();
    }

}
