package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real daemon supervising real programs: reload on SIGHUP, a rejected reload, shutdown on
 * SIGTERM, privilege drop. Each program writes its pid to a file when it starts, which is how
 * the test sees what runs without the API.
 */
class SupervisionIT {

    static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp);
    }

    /** A program that records its pid in DIR/NAME.pid (plus a tag) and then sleeps. */
    private String program(String name, String tag, String extra) {
        return "  " + name + ":\n    cmd: \"sh -c 'echo $$$$ " + tag + " > " + tmp + "/" + name + ".pid; exec sleep 1000'\"\n"
                + "    starttime: 0\n" + extra;
    }

    private long pidOf(String name) throws Exception {
        return Long.parseLong(Files.readString(tmp.resolve(name + ".pid")).split(" ")[0]);
    }

    private String tagOf(String name) throws Exception {
        return Files.readString(tmp.resolve(name + ".pid")).strip().split(" ")[1];
    }

    private void awaitTag(String name, String tag) throws InterruptedException {
        BinProcess.await(name + " with tag " + tag, LIMIT, () -> {
            try {
                return Files.exists(tmp.resolve(name + ".pid")) && tagOf(name).equals(tag);
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    @Test
    void sighupReloadsAndLeavesUnchangedProgramsAlone() throws Exception {
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "programs:\n" + program("same", "v1", "") + program("changed", "v1", "")
                + program("gone", "v1", ""));
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            for (String n : List.of("same", "changed", "gone")) {
                awaitTag(n, "v1");
            }
            long same = pidOf("same");
            long changed = pidOf("changed");
            long gone = pidOf("gone");
            Files.writeString(config, "programs:\n" + program("same", "v1", "") + program("changed", "v2", "")
                    + program("added", "v2", ""));
            ProcessHandle.of(daemon.pid()).orElseThrow();
            new ProcessBuilder("kill", "-HUP", String.valueOf(daemon.pid())).start().waitFor();
            awaitTag("changed", "v2");
            awaitTag("added", "v2");
            BinProcess.await("the removed program to stop", LIMIT, () -> !alive(gone));
            assertThat(pidOf("same")).isEqualTo(same);
            assertThat(alive(same)).isTrue();
            assertThat(pidOf("changed")).isNotEqualTo(changed);
            assertThat(alive(changed)).isFalse();
            Path log = tmp.resolve("state/taskmaster/default/taskmasterd.log");
            BinProcess.await("the reload in the log", LIMIT, () -> read(log).contains("configuration reloaded: "));
            assertThat(read(log)).contains("configuration reloaded: added: added; removed: gone; changed: changed;"
                    + " unchanged: same");

            // A broken file is rejected with located errors, and nothing is touched.
            Files.writeString(config, "programs:\n  same:\n    cmd: x\n    numprocs: 0\n");
            new ProcessBuilder("kill", "-HUP", String.valueOf(daemon.pid())).start().waitFor();
            // Until its located line: the rejection's heading and its errors may reach the file in
            // separate writes, and a read between them saw the heading alone.
            String located = config + ":4:15: programs.same.numprocs: expected an integer from 1 to 10000, found 0";
            BinProcess.await("the rejection in the log", LIMIT, () -> read(log).contains(located));
            assertThat(read(log)).contains("configuration rejected, nothing changed (1 error):", located);
            assertThat(alive(same)).isTrue();
            assertThat(pidOf("same")).isEqualTo(same);
            assertThat(tagOf("added")).isEqualTo("v2");
            assertThat(alive(pidOf("added"))).isTrue();

            List<Long> pids = List.of(pidOf("same"), pidOf("changed"), pidOf("added"));
            ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
            assertThat(daemon.waitFor(LIMIT)).isZero();
            for (long pid : pids) {
                BinProcess.await("pid " + pid + " to be gone after shutdown", LIMIT, () -> !running(pid));
            }
            assertThat(read(log)).contains("received SIGTERM, stopping every process", "taskmasterd stopped");
        }
    }

    @Test
    void shutdownStopsEveryProcessAndLeavesNoDescendant() throws Exception {
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "programs:\n"
                + "  tree:\n    cmd: \"sh -c 'sleep 1000 & sleep 1000 & echo $$$$ > " + tmp + "/tree.pid; wait'\"\n"
                + "    starttime: 0\n    stopasgroup: true\n"
                + "  slow:\n    cmd: \"sh -c 'trap \\\"sleep 0.3; exit 0\\\" TERM; echo $$$$ > " + tmp + "/slow.pid; while :; do sleep 0.05; done'\"\n"
                + "    starttime: 0\n    priority: 1\n"
                + "  stubborn:\n    cmd: \"sh -c 'trap \\\"\\\" TERM; echo $$$$ > " + tmp + "/stubborn.pid; exec sleep 1000'\"\n"
                + "    starttime: 0\n    stoptime: 500ms\n");
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            for (String n : List.of("tree", "slow", "stubborn")) {
                BinProcess.await(n + " to start", LIMIT, () -> Files.exists(tmp.resolve(n + ".pid")));
            }
            BinProcess.await("every descendant", LIMIT, () -> descendants(daemon.pid()).size() >= 5);
            List<Long> all = descendants(daemon.pid());
            ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
            assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
            for (long pid : all) {
                // Polled: an orphaned grandchild may still be a zombie for a moment, until init reaps it.
                BinProcess.await("descendant " + pid + " to be gone", LIMIT, () -> !running(pid));
            }
            String log = read(tmp.resolve("state/taskmaster/default/taskmasterd.log"));
            assertThat(log).contains("stubborn: did not stop within 0.500 s of SIGTERM; sending SIGKILL");
            // slow has the lowest priority value, so it is stopped last, after the others are down.
            assertThat(log.indexOf("slow: RUNNING -> STOPPING")).isGreaterThan(log.indexOf("tree: STOPPING -> STOPPED"));
            assertThat(log.indexOf("slow: RUNNING -> STOPPING")).isGreaterThan(log.indexOf("stubborn: STOPPING -> STOPPED"));
        }
    }

    @Test
    void sighupAndSigintWorkEvenWhenInheritedAsIgnoredAndSigintLeavesNoDescendant() throws Exception {
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "programs:\n"
                + "  tree:\n    cmd: \"sh -c 'sleep 1000 & sleep 1000 & echo $$$$ > " + tmp + "/tree.pid; wait'\"\n"
                + "    starttime: 0\n    stopasgroup: true\n"
                + program("plain", "v1", ""));
        // Started as a script's background job (SIGINT ignored) under nohup (SIGHUP ignored): an
        // ignored signal is inherited, and the daemon must take both back.
        try (BinProcess daemon = BinProcess.start(tmp, env(), "/usr/bin/env", "--ignore-signal=INT,HUP",
                BinProcess.REPO.resolve("bin/taskmasterd").toString(), "--allow-root", "-c", config.toString())) {
            // Written by the shell: the file exists (">") a moment before it holds the pid.
            BinProcess.await("tree to start", LIMIT, () -> read(tmp.resolve("tree.pid")).endsWith("\n"));
            awaitTag("plain", "v1");
            long tree = Long.parseLong(Files.readString(tmp.resolve("tree.pid")).strip());
            Files.writeString(config, Files.readString(config).replace("v1", "v2"));
            new ProcessBuilder("kill", "-HUP", String.valueOf(daemon.pid())).start().waitFor();
            awaitTag("plain", "v2");
            assertThat(Long.parseLong(Files.readString(tmp.resolve("tree.pid")).strip())).as("tree is unchanged").isEqualTo(tree);
            BinProcess.await("every descendant", LIMIT, () -> descendants(daemon.pid()).size() >= 4);
            List<Long> all = descendants(daemon.pid());
            new ProcessBuilder("kill", "-INT", String.valueOf(daemon.pid())).start().waitFor();
            assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
            for (long pid : all) {
                BinProcess.await("descendant " + pid + " to be gone", LIMIT, () -> !running(pid));
            }
            String log = read(tmp.resolve("state/taskmaster/default/taskmasterd.log"));
            assertThat(log).contains("received SIGINT, stopping every process", "tree: STOPPING -> STOPPED",
                    "plain: STOPPING -> STOPPED", "taskmasterd stopped");
        }
    }

    @Test
    void stopAllFromTaskmasterctlGoesOnePriorityAtATime() throws Exception {
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "programs:\n" + program("first", "v1", "    priority: 1\n")
                + "  slow:\n    cmd: \"sh -c 'trap \\\"sleep 0.3; exit 0\\\" TERM; echo $$$$ > " + tmp
                + "/slow.pid; while :; do sleep 0.05; done'\"\n    starttime: 0\n    priority: 10\n");
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            awaitTag("first", "v1");
            BinProcess.await("slow to start", LIMIT, () -> Files.exists(tmp.resolve("slow.pid")));
            BinProcess.Result stop = BinProcess.ctl(tmp, env(), LIMIT, "stop", "all");
            assertThat(stop.code()).as(stop.err()).isZero();
            assertThat(stop.out()).isEqualTo("first: stopped\nslow: stopped\n");
            Path logFile = tmp.resolve("state/taskmaster/default/taskmasterd.log");
            BinProcess.await("first to stop", LIMIT, () -> read(logFile).contains("first: STOPPING -> STOPPED"));
            String log = read(logFile);
            assertThat(log).contains("slow: RUNNING -> STOPPING", "slow: STOPPING -> STOPPED");
            // slow (10) takes 0.3 s to go; first (1) is not even told before it has gone.
            assertThat(log.indexOf("first: RUNNING -> STOPPING")).isGreaterThan(log.indexOf("slow: STOPPING -> STOPPED"));
            ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
            assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
        }
    }

    @Test
    void asRootWithServerUserItDropsPrivilegesAndSoDoItsPrograms() throws Exception {
        Assumptions.assumeTrue(dev.taskmaster.server.os.Posix.geteuid() == 0, "runs as root only");
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "server:\n  user: nobody\n  logdir: " + shared + "/logs\n  logfile: " + shared + "/d.log\n"
                + "programs:\n  who:\n    cmd: \"sh -c 'id -u > " + shared + "/uid; exec sleep 1000'\"\n    starttime: 0\n");
        Map<String, String> env = new HashMap<>(env());
        env.put("XDG_RUNTIME_DIR", shared.resolve("run").toString());
        try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "-c", config.toString())) {
            BinProcess.await("the program's uid", LIMIT, () -> read(shared.resolve("uid")).endsWith("\n"));
            String nobody = new String(new ProcessBuilder("id", "-u", "nobody").start().getInputStream().readAllBytes()).strip();
            assertThat(read(shared.resolve("uid")).strip()).isEqualTo(nobody);
            String status = Files.readString(Path.of("/proc/" + daemon.pid() + "/status"));
            assertThat(status).containsPattern("(?m)^Uid:\\s+" + nobody + "\\s+" + nobody);
            ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
            assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
        }
        // Root's runtime directory is not the user's, so the daemon could not remove its socket
        // there (see LocalHolesIT.serverUserChownsSharedDirectories): the next start replaces it.
        Path socket = shared.resolve("run/taskmaster/default.sock");
        assertThat(socket).exists();
        assertThat(Files.getAttribute(socket, "unix:uid")).isEqualTo(0);
        try (BinProcess again = BinProcess.start(tmp, env, "bin/taskmasterd", "-c", config.toString())) {
            BinProcess.await("the program's uid again", LIMIT, () -> !again.isAlive()
                    || read(shared.resolve("run/taskmaster/default.pid")).strip().equals(String.valueOf(again.pid())));
            assertThat(again.isAlive()).as(again.stderr()).isTrue();
            ProcessHandle.of(again.pid()).orElseThrow().destroy();
            assertThat(again.waitFor(LIMIT)).as(again.stderr()).isZero();
        }
    }

    /** Alive and not a zombie. */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    private static List<Long> descendants(long pid) {
        return ProcessHandle.of(pid).map(h -> h.descendants().map(ProcessHandle::pid).toList()).orElse(List.of());
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
