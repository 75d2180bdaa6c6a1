package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real bin/taskmasterd controlled with the real bin/taskmasterctl, as a user does it. */
class ControlPlaneIT {

    static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1");
    }

    private BinProcess.Result ctl(String... args) throws Exception {
        return BinProcess.ctl(tmp, env(), LIMIT, args);
    }

    private String program(String name, String tag, String extra) {
        return "  " + name + ":\n    cmd: \"sh -c 'echo $$$$ " + tag + " > " + tmp + "/" + name + ".pid; exec sleep 1000'\"\n"
                + "    starttime: 0\n" + extra;
    }

    private long pidOf(String name) throws Exception {
        return Long.parseLong(Files.readString(tmp.resolve(name + ".pid")).split(" ")[0]);
    }

    /**
     * The pid NAME's shell wrote, once it is not {@code old}: with starttime 0 a process is
     * RUNNING once spawned, before its shell has written the file (or while it is half written).
     */
    private long newPidOf(String name, long old) throws Exception {
        long[] pid = {old};
        BinProcess.await(name + "'s pid file other than " + old, LIMIT, () -> {
            try {
                pid[0] = pidOf(name);
            } catch (Exception notYet) {
                return false;
            }
            return pid[0] != old;
        });
        return pid[0];
    }

    private void awaitStatus(String what, java.util.function.Predicate<BinProcess.Result> ok) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        BinProcess.Result last = null;
        while (System.nanoTime() < deadline) {
            last = ctl("status");
            if (ok.test(last)) {
                return;
            }
        }
        throw new AssertionError("timed out waiting for " + what + "; last status: " + last);
    }

    private static String row(BinProcess.Result status, String name) {
        return status.out().lines().filter(l -> l.startsWith(name + " ")).findFirst().orElse("");
    }

    @Test
    void aUserControlsTheDaemonFromTheCommandLine() throws Exception {
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "programs:\n" + program("api", "v1", "") + "  pool:\n    cmd: sleep 1000\n"
                + "    numprocs: 2\n    starttime: 0\n");
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            awaitStatus("every process RUNNING (exit 0)", r -> r.code() == 0);
            BinProcess.Result status = ctl("status");
            assertThat(status.out().lines().findFirst().orElseThrow()).startsWith("NAME").contains("STATE", "PID", "UPTIME", "RESTARTS");
            assertThat(row(status, "api")).contains("RUNNING", String.valueOf(newPidOf("api", 0)));
            assertThat(row(status, "pool:0")).contains("RUNNING");

            BinProcess.Result stop = ctl("stop", "pool");
            assertThat(stop.code()).isZero();
            assertThat(stop.out()).isEqualTo("pool:0: stopped\npool:1: stopped\n");
            BinProcess.Result one = ctl("status", "pool:1");
            assertThat(one.code()).isEqualTo(3);
            assertThat(row(one, "pool:1")).contains("STOPPED");
            assertThat(ctl("start", "pool:*").out()).isEqualTo("pool:0: started\npool:1: started\n");

            long before = pidOf("api");
            BinProcess.Result restart = ctl("restart", "api");
            assertThat(restart.code()).isZero();
            assertThat(restart.out()).isEqualTo("api: restarted\n");
            assertThat(newPidOf("api", before)).isNotEqualTo(before);

            // A child killed behind the daemon's back is restarted and the restart is counted.
            long killed = pidOf("api");
            ProcessHandle.of(killed).orElseThrow().destroyForcibly();
            awaitStatus("api restarted", r -> row(r, "api").contains("RUNNING") && row(r, "api").matches(".*\\s1(\\s.*)?")
                    && !row(r, "api").contains(" " + killed + " "));
            BinProcess.Result events = ctl("events", "--since", "1");
            assertThat(events.code()).isZero();
            assertThat(events.out()).contains("api RUNNING -> EXITED: killed by SIGKILL (unexpected)");

            BinProcess.Result unknown = ctl("stop", "apu");
            assertThat(unknown.code()).isEqualTo(4);
            assertThat(unknown.err()).isEqualTo("taskmasterctl: no process, program or group named \"apu\"; did you mean \"api\"?\n");

            // Reload after editing the file: unchanged processes keep their pid.
            long api = pidOf("api");
            Files.writeString(config, "programs:\n" + program("api", "v1", "") + "  pool:\n    cmd: sleep 1001\n"
                    + "    numprocs: 2\n    starttime: 0\n");
            BinProcess.Result reload = ctl("reload");
            assertThat(reload.code()).as(reload.err()).isZero();
            assertThat(reload.out()).isEqualTo("pool: changed, restarted (cmd)\n");
            assertThat(pidOf("api")).isEqualTo(api);
            assertThat(row(ctl("status"), "api")).contains(String.valueOf(api));

            // Programs added, resized and removed at runtime, validated like the file.
            BinProcess.Result add = ctl("add", "extra", "--cmd", "sleep 1000", "--starttime", "0");
            assertThat(add.code()).as(add.err()).isZero();
            assertThat(add.out()).isEqualTo("extra: added\n");
            awaitStatus("extra running", r -> row(r, "extra").contains("RUNNING"));
            BinProcess.Result invalid = ctl("add", "broken", "--cmd", "x", "--numprocs", "0");
            assertThat(invalid.code()).isNotZero();
            assertThat(invalid.out() + invalid.err()).contains("numprocs");
            assertThat(ctl("update", "extra", "--numprocs", "2").code()).isZero();
            awaitStatus("extra:1 running", r -> row(r, "extra:1").contains("RUNNING"));
            BinProcess.Result remove = ctl("remove", "extra");
            assertThat(remove.code()).isZero();
            assertThat(row(ctl("status"), "extra:0")).isEmpty();

            List<Long> all = ProcessHandle.of(daemon.pid()).orElseThrow().descendants().map(ProcessHandle::pid).toList();
            BinProcess.Result shutdown = ctl("shutdown");
            assertThat(shutdown.code()).isZero();
            assertThat(daemon.waitFor(LIMIT)).isZero();
            for (long pid : all) {
                BinProcess.await("pid " + pid + " to be gone", LIMIT,
                        () -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
            }
            BinProcess.Result gone = ctl("status");
            assertThat(gone.code()).isEqualTo(6);
            assertThat(gone.err()).startsWith("taskmasterctl: cannot reach taskmasterd at " + tmp.resolve("run/taskmaster/default.sock"));
            assertThat(gone.err().lines()).hasSize(1);
        }
    }
}
