package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real taskmasterd adopting a process it did not start (issue 13, "Adopting a process
 * Taskmaster did not start"), through {@code taskmasterctl adopt}: a {@code sleep} started by
 * this test (its parent is a shell of the test, not the daemon) is supervised, shown as adopted,
 * and its kill is seen as "exited, code unknown (adopted)". Everything started here is killed
 * by pid.
 */
class AdoptIT {

    static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void aSleepStartedElsewhereIsAdoptedShownAndItsKillSeen() throws Exception {
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "programs:\n  web:\n    cmd: sleep 1000\n    autostart: false\n    autorestart: never\n");
        Map<String, String> env = BinProcess.env(tmp);
        Process shell = new ProcessBuilder("sh", "-c", "sleep 600 & echo $!; wait").redirectErrorStream(true).start();
        long sleep = Long.parseLong(new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8))
                .readLine().strip());
        try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            BinProcess.await("the daemon to answer", LIMIT, () -> ctlQuietly(env, "status", "web").code() == 3);

            // The daemon itself is refused, with its sentence and exit 2 (INVALID_ARGUMENT).
            BinProcess.Result self = BinProcess.ctl(tmp, env, LIMIT, "adopt", String.valueOf(daemon.pid()), "--name", "web");
            assertThat(self.code()).isEqualTo(2);
            assertThat(self.err()).isEqualTo("taskmasterctl: pid " + daemon.pid() + " is taskmasterd itself\n");

            BinProcess.Result adopted = BinProcess.ctl(tmp, env, LIMIT, "adopt", String.valueOf(sleep), "--name", "web");
            assertThat(adopted.code()).as(adopted.err()).isZero();
            assertThat(adopted.out()).isEqualTo("web: adopted pid " + sleep + " (output not captured)\n");
            BinProcess.Result status = BinProcess.ctl(tmp, env, LIMIT, "status", "web", "-o", "wide");
            assertThat(status.code()).as("RUNNING").isZero();
            assertThat(status.out()).contains("pid " + sleep + ", uptime ").contains("adopted (output not captured)");
            assertThat(BinProcess.ctl(tmp, env, LIMIT, "status", "web", "--json").out()).contains("\"adopted\":true");

            ProcessHandle.of(sleep).orElseThrow().destroyForcibly();
            BinProcess.await("its end to be seen", LIMIT,
                    () -> ctlQuietly(env, "status", "web").out().contains("exited, code unknown (adopted)"));
            assertThat(BinProcess.ctl(tmp, env, LIMIT, "events", "web").out())
                    .contains("exited, code unknown (adopted)");

            BinProcess.ctl(tmp, env, LIMIT, "shutdown");
            assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
        } finally {
            ProcessHandle.of(sleep).ifPresent(ProcessHandle::destroyForcibly);
            shell.destroyForcibly();
            shell.waitFor();
        }
    }

    /**
     * {@code adopt PID --name NEW --cmd … [program options]}: a new program made for a process
     * started elsewhere, in one step, stopped with its own settings (--stopsignal INT ends the
     * sleep by SIGINT); options without --cmd, or an adoption that fails, leave no program behind.
     */
    @Test
    void adoptWithProgramOptionsAddsTheProgramAndStopsItWithItsSettings() throws Exception {
        Map<String, String> env = BinProcess.env(tmp, "NO_COLOR", "1");
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "programs:\n  web:\n    cmd: sleep 1000\n    autostart: false\n");
        Process shell = new ProcessBuilder("sh", "-c", "sleep 700 & echo $!; wait").redirectErrorStream(true).start();
        long sleep = Long.parseLong(new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8))
                .readLine().strip());
        try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            BinProcess.await("the daemon to answer", LIMIT, () -> ctlQuietly(env, "status", "web").code() == 3);

            BinProcess.Result noCmd = BinProcess.ctl(tmp, env, LIMIT, "adopt", String.valueOf(sleep), "--name", "cache",
                    "--stopsignal", "INT");
            assertThat(noCmd.code()).isEqualTo(2);
            assertThat(noCmd.err()).contains("--cmd");
            BinProcess.Result gone = BinProcess.ctl(tmp, env, LIMIT, "adopt", "999999999", "--name", "cache", "--cmd", "sleep 1");
            assertThat(gone.code()).as(gone.err()).isNotZero();
            assertThat(BinProcess.ctl(tmp, env, LIMIT, "status", "cache").err()).contains("no process, program or group named");
            BinProcess.Result exists = BinProcess.ctl(tmp, env, LIMIT, "adopt", String.valueOf(sleep), "--name", "web",
                    "--cmd", "sleep 1");
            assertThat(exists.code()).isEqualTo(1);
            assertThat(exists.err()).contains("program web exists already");

            BinProcess.Result adopted = BinProcess.ctl(tmp, env, LIMIT, "adopt", String.valueOf(sleep), "--name", "cache",
                    "--cmd", "sleep 1000", "--stopsignal", "INT", "--autorestart", "never");
            assertThat(adopted.code()).as(adopted.err()).isZero();
            assertThat(adopted.out()).isEqualTo("cache: added (autostart off) and adopted pid " + sleep + " (output not captured)\n");
            assertThat(BinProcess.ctl(tmp, env, LIMIT, "status", "cache", "-o", "wide").out()).contains("RUNNING")
                    .contains("pid " + sleep);
            assertThat(BinProcess.ctl(tmp, env, LIMIT, "stop", "cache").code()).isZero();
            BinProcess.await("the adopted sleep to be gone", LIMIT, () -> ProcessHandle.of(sleep).map(h -> !h.isAlive()).orElse(true));
            // The shell that started it reaps it and says how it ended: by the program's stop signal.
            assertThat(shell.waitFor(LIMIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)).isTrue();
            assertThat(BinProcess.ctl(tmp, env, LIMIT, "events", "--since", "1", "cache").out()).contains("stopping with SIGINT");
            BinProcess.shutdown(daemon, tmp, env, LIMIT);
        } finally {
            ProcessHandle.of(sleep).ifPresent(ProcessHandle::destroyForcibly);
            shell.destroyForcibly();
            shell.waitFor();
        }
    }

    /**
     * Programs defined by what already runs, in the real daemon (a child subreaper, whose
     * Descendants kill what an ended cmd leaves under killmode mixed): a process started
     * elsewhere is adopted at start by match, and a cmd that daemonizes is followed through its
     * pidfile to the process it left, which stays supervised, not killed as a leftover.
     */
    @Test
    void programsAdoptWhatRunsByMatchAndFollowADaemonizingCmd() throws Exception {
        Process shell = new ProcessBuilder("sh", "-c", "sleep 6022 & echo $!; wait").redirectErrorStream(true).start();
        long stranger = Long.parseLong(new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8))
                .readLine().strip());
        Path pidfile = tmp.resolve("svc.pid");
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "programs:\n"
                + "  found:\n    cmd: sleep 1000\n    starttime: 0\n    autorestart: never\n    adopt: {match: \"^sleep 6022$$\"}\n"
                + "  svc:\n    cmd: \"sh -c 'sleep 6033 & echo $$! > " + pidfile + "'\"\n    starttime: 2\n    autorestart: never\n"
                + "    adopt: {pidfile: \"" + pidfile + "\"}\n");
        Map<String, String> env = BinProcess.env(tmp);
        long followed = 0;
        try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            BinProcess.await("both RUNNING", LIMIT, () -> ctlQuietly(env, "status").code() == 0);
            followed = Long.parseLong(Files.readString(pidfile).strip());
            String status = BinProcess.ctl(tmp, env, LIMIT, "status", "-o", "wide").out();
            assertThat(status).contains("pid " + stranger + ", uptime").contains("pid " + followed + ", uptime");
            long sleep = followed;
            // RUNNING comes at starttime (2 s) after the cmd's exit: had that exit ended its session's
            // run, the sweep it triggers at once would have killed the sleep as a leftover by then.
            assertThat(ProcessHandle.of(sleep).map(ProcessHandle::isAlive)).contains(true);
            BinProcess.ctl(tmp, env, LIMIT, "stop", "all");
            BinProcess.await("both stopped and gone", LIMIT, () -> ProcessHandle.of(stranger).map(h -> !h.isAlive()).orElse(true)
                    && ProcessHandle.of(sleep).map(h -> !h.isAlive()).orElse(true));
            BinProcess.ctl(tmp, env, LIMIT, "shutdown");
            assertThat(daemon.waitFor(LIMIT)).as(daemon.stderr()).isZero();
        } finally {
            ProcessHandle.of(stranger).ifPresent(ProcessHandle::destroyForcibly);
            if (followed > 0) {
                ProcessHandle.of(followed).ifPresent(ProcessHandle::destroyForcibly);
            }
            shell.destroyForcibly();
            shell.waitFor();
        }
    }

    private BinProcess.Result ctlQuietly(Map<String, String> env, String... args) {
        try {
            return BinProcess.ctl(tmp, env, LIMIT, args);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
