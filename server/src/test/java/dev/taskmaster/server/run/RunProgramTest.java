package dev.taskmaster.server.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigException;
import dev.taskmaster.config.HealthCheck;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.config.Signal;
import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.ExitRecord;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The program of {@code taskmasterd run}: options and --set become checked settings, errors name the option. */
class RunProgramTest {

    private static RunOptions options(List<String> settings, String... command) {
        return new RunOptions(null, null, null, null, false, null, null, null, settings, List.of(command));
    }

    private static ProgramSpec load(RunOptions o) throws Exception {
        RunProgram p = RunProgram.of(o);
        try {
            Config c = p.load(Map.of());
            return c.programs().getFirst();
        } finally {
            p.cleanUp();
        }
    }

    @Test
    void theCommandIsTakenWordForWordWithNothingExpanded() throws Exception {
        ProgramSpec p = load(options(List.of(), "/bin/echo", "$HOME", "a'b", "${X}", "", "two words"));
        assertThat(p.argv()).containsExactly("/bin/echo", "$HOME", "a'b", "${X}", "", "two words");
        assertThat(p.name()).isEqualTo("echo");
    }

    @Test
    void optionsBecomeTheirSettings() throws Exception {
        RunOptions o = new RunOptions("web", "4", "0.5", "3", true, "/tmp/hb", "2", "5", List.of("autorestart=always"),
                List.of("sleep", "1"));
        ProgramSpec p = load(o);
        assertThat(p.name()).isEqualTo("web");
        assertThat(p.maxRestarts()).isEqualTo(4);
        assertThat(p.backoff().initial()).isEqualTo(Duration.ofMillis(500));
        assertThat(p.backoff().factor()).isEqualTo(2.0);
        assertThat(p.stopsignal()).isEqualTo(Signal.TERM);
        assertThat(p.stoptime()).isEqualTo(Duration.ofSeconds(3));
        assertThat(p.starttime()).isZero();
        HealthCheck check = p.healthCheck().orElseThrow();
        assertThat(check.probe()).isInstanceOf(HealthCheck.Heartbeat.class);
        assertThat(check.startPeriod()).isEqualTo(Duration.ofSeconds(5));
        assertThat(check.interval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(check.onUnhealthy()).isEqualTo(HealthCheck.UnhealthyAction.RESTART);
        assertThat(p.autorestart().name()).isEqualToIgnoringCase("always");
    }

    @Test
    void setWinsOverTheOptionsAndTakesYaml() throws Exception {
        RunOptions o = new RunOptions(null, "4", null, null, false, null, null, null,
                List.of("max_restarts=1", "exitcodes=[0, 2]", "env={A: b}"), List.of("true"));
        ProgramSpec p = load(o);
        assertThat(p.maxRestarts()).isEqualTo(1);
        assertThat(p.exitcodes()).containsExactlyInAnyOrder(0, 2);
        assertThat(p.env()).containsEntry("A", "b");
    }

    @Test
    void invalidValuesAreToldWithTheOptionTheyCameFrom() throws Exception {
        RunOptions o = new RunOptions(null, "x", null, "-1", true, "relative/path", "0", null,
                List.of("autorestart=maybe", "comand=true"), List.of("true"));
        RunProgram p = RunProgram.of(o);
        try {
            ConfigException e = (ConfigException) org.assertj.core.api.Assertions.catchThrowable(() -> p.load(Map.of()));
            assertThat(p.describe(e)).contains(
                    "--max-restarts: max_restarts: expected an integer >= -1, found \"x\"",
                    "--set autorestart=maybe: autorestart: expected always, never or unexpected, found \"maybe\"")
                    .anyMatch(l -> l.startsWith("--grace-period: stoptime: "))
                    .anyMatch(l -> l.startsWith("--heartbeat-file: health_check.heartbeat_file: "))
                    .anyMatch(l -> l.startsWith("--timeout: health_check.max_age: "))
                    .anyMatch(l -> l.startsWith("--set comand=true: comand: unknown key \"comand\""));
            assertThat(p.describe(e)).noneMatch(l -> l.contains("taskmasterd-run:"));
        } finally {
            p.cleanUp();
        }
    }

    @Test
    void settingsThatCannotApplyAreRefusedBeforeAnythingIsRead() {
        assertThatThrownBy(() -> RunProgram.of(options(List.of("tty=true", "numprocs=2", "nonsense"), "true")))
                .isInstanceOfSatisfying(RunProgram.Invalid.class, e -> assertThat(e.problems()).containsExactly(
                        "--set tty=true: tty cannot be set with taskmasterd run: the program gets taskmasterd's own terminal,"
                                + " if it has one",
                        "--set numprocs=2: numprocs cannot be set with taskmasterd run: taskmasterd run supervises one process",
                        "--set nonsense: expected KEY=VALUE with KEY a program setting (autorestart, exitcodes…)"));
        assertThatThrownBy(() -> RunProgram.of(new RunOptions(null, null, null, null, false, null, "3", null, List.of(),
                List.of("true")))).isInstanceOfSatisfying(RunProgram.Invalid.class, e -> assertThat(e.problems())
                        .containsExactly("--timeout: only with --enable-heartbeat or --heartbeat-file"));
    }

    @Test
    void aFileForTheOutputIsRefused() throws Exception {
        RunProgram p = RunProgram.of(options(List.of("stdout=/tmp/x.log"), "true"));
        ConfigException e = (ConfigException) org.assertj.core.api.Assertions.catchThrowable(() -> p.load(Map.of()));
        assertThat(p.describe(e)).containsExactly("--set stdout=/tmp/x.log: stdout: expected none or capture (the output"
                + " passes through), found a file; redirect taskmasterd's own output instead");
    }

    @Test
    void theHeartbeatGetsAPrivateDirectoryThatGoesAway() throws Exception {
        RunProgram p = RunProgram.of(new RunOptions(null, null, null, null, true, null, null, null, List.of(), List.of("true")));
        var dir = p.heartbeatDir().orElseThrow();
        assertThat(Files.getPosixFilePermissions(dir)).hasToString("[OWNER_READ, OWNER_WRITE, OWNER_EXECUTE]");
        Files.writeString(dir.resolve("heartbeat"), "");
        p.cleanUp();
        assertThat(Files.exists(dir)).isFalse();
    }

    @Test
    void exitStatusesAreAShells() {
        assertThat(RunExit.of(new ExitOutcome.Exited(3))).isEqualTo(3);
        assertThat(RunExit.of(new ExitOutcome.Killed(Signal.KILL, false))).isEqualTo(137);
        assertThat(RunExit.of(new ExitOutcome.SpawnFailed("/x: no such file (ENOENT)"))).isEqualTo(127);
        assertThat(RunExit.of(new ExitOutcome.SpawnFailed("/x: permission denied (EACCES)"))).isEqualTo(126);
        ExitRecord zero = new ExitRecord(new ExitOutcome.Exited(0), true, 1, Instant.EPOCH, Duration.ZERO);
        assertThat(RunExit.gaveUp(Optional.of(zero))).isEqualTo(1);
        assertThat(RunExit.gaveUp(Optional.empty())).isEqualTo(1);
        assertThat(RunExit.stopped(Optional.empty(), 2)).isEqualTo(130);
        assertThat(RunExit.stopped(Optional.of(zero), 15)).isZero();
    }
}
