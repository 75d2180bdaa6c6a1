package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code taskmasterctl daemon reexec} with the real bin/taskmasterd: the daemon replaces its
 * program in place several times while a program floods output, a client follows the events,
 * another follows a program's output and a third is attached to a shell on a terminal. After each
 * re-exec: the same daemon pid, the same program pids, nothing restarted, every client going on;
 * at the end every flooded line is in the log exactly once, the event stream has no gap and no
 * duplicate, and the last re-exec took up a configuration with a new server section.
 */
class ReexecIT {

    static final Duration LIMIT = Duration.ofSeconds(60);
    private static final int ROUNDS = 3;
    private static final List<String> PROGRAMS = List.of("flood", "ticker", "console", "sleeper");

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1");
    }

    private BinProcess.Result ctl(String... args) throws InterruptedException {
        return BinProcess.ctl(tmp, env(), LIMIT, args);
    }

    private static final String PROGRAMS_YAML = """
            programs:
              flood:
                cmd: "sh -c 'i=0; while :; do i=$((i+1)); echo $i; done'"
                starttime: 0
                stdout: %s
                logfile_maxbytes: 0
              ticker:
                cmd: "sh -c 'i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.02; done'"
                starttime: 0
              console:
                cmd: /bin/sh -i
                tty: true
                starttime: 0
                env:
                  PS1: "console$ "
              sleeper:
                cmd: sleep 1000
                starttime: 0
            """;

    @Test
    void reexecKeepsEveryProgramEveryOutputByteAndEveryClient() throws Exception {
        Tmux.require();
        Path floodLog = tmp.resolve("flood.log");
        String programs = PROGRAMS_YAML.formatted(floodLog);
        Path config = Files.writeString(tmp.resolve("t.yaml"), programs);
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString());
                Tmux tmux = new Tmux("reexec", env())) {
            try {
                BinProcess.await("every program RUNNING", LIMIT, () -> status().code() == 0);
                Map<String, Long> pids = pids();
                try (BinProcess events = BinProcess.start(tmp, env(), "bin/taskmasterctl", "events", "--follow");
                        BinProcess tail = BinProcess.start(tmp, env(), "bin/taskmasterctl", "tail", "-f", "ticker")) {
                    BinProcess.await("the events follower's snapshot", LIMIT, () -> events.stdout().contains("-- snapshot at #"));
                    BinProcess.await("the output follower's first ticks", LIMIT, () -> tail.stdout().contains("tick-"));
                    tmux.start("env XDG_RUNTIME_DIR='" + tmp.resolve("run") + "' NO_COLOR=1 '"
                            + BinProcess.REPO.resolve("bin/taskmasterctl") + "' attach console; echo \"[attach exited with $?]\"",
                            100, 30);
                    tmux.awaitScreen("the attach banner", s -> s.contains("[attached to console (terminal)"));

                    for (int round = 1; round <= ROUNDS; round++) {
                        if (round == ROUNDS) {
                            // A new server section, taken up by the new program only (a reload leaves listeners alone).
                            Files.writeString(config, "server:\n  listen:\n    - address: 127.0.0.1:0\n" + programs);
                        }
                        long logBefore = Files.size(floodLog);
                        int ticksBefore = ticks(tail.stdout()).size();
                        BinProcess.Result reexec = ctl("daemon", "reexec");
                        assertThat(reexec.code()).as(reexec.err()).isZero();
                        assertThat(reexec.out()).contains("taskmasterd re-executed in ")
                                .contains("pid " + daemon.pid() + " (was " + daemon.pid() + ")");
                        assertThat(daemon.isAlive()).as("the daemon's process is still the one started").isTrue();
                        assertThat(info()).contains("pid:       " + daemon.pid());
                        // The new program answers first, then takes its processes back: at once, but not before.
                        BinProcess.await("every program RUNNING again", LIMIT, () -> status().code() == 0);
                        assertThat(pids()).as("round %d: every program keeps its pid", round).isEqualTo(pids);
                        BinProcess.await("the flood's log to grow after re-exec " + round, LIMIT,
                                () -> size(floodLog) > logBefore + 100_000);
                        BinProcess.await("the output follower to go on after re-exec " + round, LIMIT,
                                () -> ticks(tail.stdout()).size() > ticksBefore + 20);
                        tmux.awaitScreen("the attached client to reconnect", s -> count(s, "[attached again to console]") >= 1);
                        tmux.type("echo ro''und-" + round + "-ok");
                        tmux.press("Enter");
                        int r = round;
                        tmux.awaitScreen("the shell's answer through the attached client",
                                s -> s.contains("round-" + r + "-ok"));
                    }
                    assertThat(info()).as("the new server section's listener").containsPattern("127\\.0\\.0\\.1:[1-9]");

                    BinProcess.Result stop = ctl("stop", "flood");
                    assertThat(stop.code()).as(stop.err()).isZero();
                    checkEveryLineOnce(floodLog);
                    checkTicks(tail.stdout());
                    events.close();
                    checkEvents(events.stdout(), pids);
                }
                tmux.press("C-]");
                tmux.awaitScreen("the detach", s -> s.contains("[attach exited with 0]"));
            } finally {
                BinProcess.shutdown(daemon, tmp, env(), LIMIT);
            }
        }
    }

    @Test
    void aReexecWhoseNewProgramCouldNotStartIsRefusedAndChangesNothing() throws Exception {
        String good = "programs:\n  sleeper:\n    cmd: sleep 1000\n    starttime: 0\n";
        Path config = Files.writeString(tmp.resolve("t.yaml"), good);
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            try {
                BinProcess.await("the sleeper RUNNING", LIMIT, () -> status().code() == 0);
                long sleeper = pids("sleeper");
                String startedBefore = startTime();
                Files.writeString(config, good + "    numprocs: 0\n");

                BinProcess.Result refused = ctl("daemon", "reexec");

                assertThat(refused.code()).isEqualTo(1);
                assertThat(refused.err()).isEqualTo("taskmasterctl: the configuration " + config + " would not load, so a new"
                        + " program could not start: " + config + ":5:15: programs.sleeper.numprocs: expected an integer from 1"
                        + " to 10000, found 0\n");
                assertThat(startTime()).as("the same program answers: same start time").isEqualTo(startedBefore);
                assertThat(pids("sleeper")).isEqualTo(sleeper);

                Files.writeString(config, good);
                BinProcess.Result reexec = ctl("daemon", "reexec");
                assertThat(reexec.code()).as(reexec.err()).isZero();
                assertThat(startTime()).as("a new program answers").isNotEqualTo(startedBefore);
                BinProcess.await("the sleeper RUNNING again", LIMIT, () -> status().code() == 0);
                assertThat(pids("sleeper")).isEqualTo(sleeper);
            } finally {
                BinProcess.shutdown(daemon, tmp, env(), LIMIT);
            }
        }
    }

    /** When the program that answers started, to the nanosecond. */
    private String startTime() throws InterruptedException {
        BinProcess.Result info = ctl("info", "--json");
        assertThat(info.code()).as(info.err()).isZero();
        Matcher m = Pattern.compile("\"startTime\":\"([^\"]+)\"").matcher(info.out());
        assertThat(m.find()).as(info.out()).isTrue();
        return m.group(1);
    }

    private long pids(String name) throws InterruptedException {
        BinProcess.Result pid = ctl("pid", name);
        assertThat(pid.code()).as(pid.err()).isZero();
        return Long.parseLong(pid.out().strip());
    }

    private BinProcess.Result status() {
        try {
            return ctl("status");
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private String info() throws InterruptedException {
        BinProcess.Result info = ctl("info");
        assertThat(info.code()).as(info.err()).isZero();
        return info.out();
    }

    private Map<String, Long> pids() throws InterruptedException {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String name : PROGRAMS) {
            BinProcess.Result pid = ctl("pid", name);
            assertThat(pid.code()).as(pid.err()).isZero();
            pids.put(name, Long.parseLong(pid.out().strip()));
        }
        return pids;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    /** Every number from 1 to the last, once each and in order, each on a whole line: nothing lost or doubled. */
    private static void checkEveryLineOnce(Path log) throws IOException, InterruptedException {
        // STOPPED is the child watcher's news; the pump may still be writing what the pipe held.
        // Each echo is one whole line, so once the file ends with a newline it holds whole lines.
        BinProcess.await("the flood's log to end with a whole line", LIMIT, () -> endsWithNewline(log));
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).as("the flood's log").hasSizeGreaterThan(ROUNDS * 1000);
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).equals(String.valueOf(i + 1))) {
                throw new AssertionError("line " + (i + 1) + " of " + log + " is \"" + lines.get(i) + "\", expected " + (i + 1)
                        + " (" + lines.size() + " lines)");
            }
        }
    }

    private static List<Integer> ticks(String out) {
        List<Integer> ticks = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^tick-(\\d+)$").matcher(out);
        while (m.find()) {
            ticks.add(Integer.parseInt(m.group(1)));
        }
        return ticks;
    }

    /** The follower printed consecutive ticks from its first one: it resumed at the next byte each time. */
    private static void checkTicks(String out) {
        List<Integer> ticks = ticks(out);
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(ticks.get(i)).as("tick after tick-%d in %s", ticks.get(i - 1), out).isEqualTo(ticks.get(i - 1) + 1);
        }
        assertThat(out).doesNotContain("skipped");
    }

    /** One snapshot, then every event once with consecutive sequences; no process started anew. */
    private static void checkEvents(String out, Map<String, Long> pids) {
        assertThat(out).doesNotContain("-- events missed");
        assertThat(count(out, "-- snapshot at #")).as(out).isEqualTo(1);
        Matcher snapshot = Pattern.compile("-- snapshot at #(\\d+)").matcher(out);
        assertThat(snapshot.find()).isTrue();
        long expected = Long.parseLong(snapshot.group(1)) + 1;
        Matcher event = Pattern.compile("(?m)^#(\\d+) (.*)$").matcher(out);
        int seen = 0;
        while (event.find()) {
            assertThat(Long.parseLong(event.group(1))).as("the event after #%d in:\n%s", expected - 1, out).isEqualTo(expected);
            expected++;
            seen++;
            String line = event.group(2);
            if (line.contains("-> STARTING")) {
                assertThat(line).as("a process started anew").contains("resuming pid");
                assertThat(pids.values().stream().anyMatch(pid -> line.contains("pid " + pid))).as(line).isTrue();
            }
        }
        assertThat(seen).as("events seen across the re-execs").isPositive();
    }

    private static boolean endsWithNewline(Path log) {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(log.toFile(), "r")) {
            if (f.length() == 0) {
                return false;
            }
            f.seek(f.length() - 1);
            return f.read() == '\n';
        } catch (IOException e) {
            return false;
        }
    }
}
