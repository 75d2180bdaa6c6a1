package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real taskmasterd as a child subreaper (issue 13, "Orphans and grandchildren"): with default
 * settings, a shutdown leaves nothing any program started — not the sleeps of a killed shell, not
 * the sleeps of a crash loop, not a descendant that left its session with setsid — and with
 * {@code killmode: process} what an ended program leaves is kept and marked by {@code status}.
 * Whatever a program started is found by scanning /proc: by the sessions its scripts wrote down,
 * and by a variable only this test's programs carry.
 */
class OrphansIT {

    static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    /** In the environment of every program of this test, and so of everything they start. */
    private final String token = UUID.randomUUID().toString();

    @AfterEach
    void killWhatIsLeft() throws IOException {
        for (long pid : leftBehind()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void shutdownWithDefaultSettingsLeavesNoDescendant() throws Exception {
        script("family.sh", "echo $$ >> \"$1\"/sessions\nsleep 1000 &\nsleep 1000 &\nwait\n");
        script("crash.sh", "echo $$ >> \"$1\"/sessions\nsleep 1000 &\nexit 7\n");
        script("escape.sh", "echo $$ >> \"$1\"/sessions\nsetsid sh -c 'sleep 1000 & echo $! > \"$1\"/escapee' sh \"$1\"\n"
                + "exec sleep 1000\n");
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "programs:\n"
                + program("family", "family.sh") + program("crash", "crash.sh") + "    backoff: {reset_after: 0}\n" + program("escape", "escape.sh"));
        try (BinProcess daemon = BinProcess.start(tmp, BinProcess.env(tmp), "bin/taskmasterd", "--allow-root", "-c",
                config.toString())) {
            BinProcess.await("the crash loop to restart 3 times, the escapee to be adopted", LIMIT,
                    () -> lines("sessions").size() >= 6 && adopted(daemon.pid(), "escapee"));
            assertThat(leftBehind()).as("what the programs run, found by the scan").hasSizeGreaterThanOrEqualTo(5);
            ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
            assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
            BinProcess.await("nothing any program started to be left", LIMIT, () -> {
                try {
                    return leftBehind().isEmpty();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    }

    @Test
    void killmodeProcessKeepsWhatIsLeftAndStatusMarksIt() throws Exception {
        script("family.sh", "echo $$ >> \"$1\"/sessions\nsleep 1000 &\nsleep 1000 &\nwait\n");
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "programs:\n" + program("family", "family.sh")
                + "    killmode: process\n    autorestart: never\n");
        var env = BinProcess.env(tmp);
        try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            BinProcess.await("the two sleeps", LIMIT, () -> {
                try {
                    return leftBehind().size() == 3;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long shell = Long.parseLong(lines("sessions").getFirst());
            ProcessHandle.of(shell).orElseThrow().destroyForcibly();
            BinProcess.await("status to mark the leftovers", LIMIT, () -> {
                try {
                    return BinProcess.ctl(tmp, env, LIMIT, "status", "family").out()
                            .contains("2 leftover processes (killmode process)");
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            // ProcessInfo.leftover_processes: "Processes that this instance's ended processes left
            // running, as last counted: kept by killmode process" — the same count, in --json.
            assertThat(BinProcess.ctl(tmp, env, LIMIT, "status", "family", "--json").out())
                    .contains("\"leftoverProcesses\":2");
            BinProcess.ctl(tmp, env, LIMIT, "shutdown");
            assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
            // Asked for: kept by the daemon, and left running after it.
            List<Long> kept = leftBehind();
            assertThat(kept).hasSize(2);
            String log = Files.readString(tmp.resolve("state/taskmaster/default/taskmasterd.log"));
            for (long pid : kept) {
                assertThat(log).contains("family: pid " + pid + " left running after its main process ended (killmode process)");
            }
            assertThat(log).contains("2 leftover processes of killmode process programs left running");
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    private String program(String name, String script) {
        return "  " + name + ":\n    cmd: \"sh " + tmp.resolve(script) + " " + tmp + "\"\n    starttime: 0\n"
                + "    env: {ORPHANS_IT: \"" + token + "\"}\n";
    }

    private void script(String name, String text) throws IOException {
        Files.writeString(tmp.resolve(name), text);
    }

    private List<String> lines(String file) {
        try {
            Path p = tmp.resolve(file);
            return Files.exists(p) ? Files.readAllLines(p).stream().filter(l -> !l.isBlank()).toList() : List.of();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether the pid written in {@code file} is now a child of the daemon (its parent gone). */
    private boolean adopted(long daemon, String file) {
        return lines(file).stream().findFirst().map(pid -> stat(Long.parseLong(pid)))
                .map(st -> st != null && Long.parseLong(st[1]) == daemon).orElse(false);
    }

    /**
     * Every live process that a program of this test started: in a session a program's shell
     * led, or carrying this test's variable (a descendant that left its session).
     */
    private List<Long> leftBehind() throws IOException {
        Set<Long> sessions = new HashSet<>();
        lines("sessions").forEach(l -> sessions.add(Long.parseLong(l)));
        byte[] marker = ("ORPHANS_IT=" + token).getBytes(StandardCharsets.UTF_8);
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : proc) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                String[] st = stat(pid);
                if (st == null || st[0].equals("Z")) {
                    continue;
                }
                if (sessions.contains(Long.parseLong(st[2])) || sessions.contains(Long.parseLong(st[3]))
                        || carries(p.resolve("environ"), marker)) {
                    found.add(pid);
                }
            }
        }
        return found;
    }

    private static boolean carries(Path environ, byte[] marker) {
        try {
            byte[] env = Files.readAllBytes(environ);
            outer:
            for (int i = 0; i + marker.length <= env.length; i++) {
                if (i > 0 && env[i - 1] != 0) {
                    continue;
                }
                for (int j = 0; j < marker.length; j++) {
                    if (env[i + j] != marker[j]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        } catch (IOException | SecurityException e) {
            return false; // gone, or not readable: not one of ours (the test runs as the daemon's user)
        }
    }

    /** Fields of /proc/PID/stat after the command name: [0]=state, [1]=ppid, [2]=pgrp, [3]=session; null when gone. */
    private static String[] stat(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return s.substring(s.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
            return null;
        }
    }
}
