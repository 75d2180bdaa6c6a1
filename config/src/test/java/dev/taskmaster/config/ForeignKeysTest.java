package dev.taskmaster.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 16: "Config errors for a top-level program name that should be indented under
 * programs:, and for common foreign keys (grace_period, max_restarts, healthcheck,
 * heartbeat_file, command, directory…), should say what to write instead."
 */
class ForeignKeysTest {

    @TempDir
    Path tmp;
    ConfigFiles files;

    @BeforeEach
    void setUp() {
        files = new ConfigFiles(tmp);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "grace_period: 10s    | 4:5: programs.a.grace_period: unknown key \"grace_period\"; write \"stoptime\" (how long after the stop signal before SIGKILL)",
        "restart: always      | 4:5: programs.a.restart: unknown key \"restart\"; write \"autorestart\" (always, never or unexpected)",
    })
    void aForeignProgramKeySaysWhatToWrite(String line, String error) {
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    " + line + "\n")).isEqualTo(error);
    }

    @Test
    void heartbeatFileSaysHowRunningIsDecidedHere() {
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    heartbeat_file: /run/a.beat\n")).isEqualTo(
                "4:5: programs.a.heartbeat_file: unknown key \"heartbeat_file\"; Taskmaster does not watch a heartbeat file:"
                        + " a program is RUNNING once it has stayed up for \"starttime\"");
    }

    @Test
    void aProgramAtTheTopLevelIsToldToGoUnderPrograms() {
        assertThat(files.error("programs:\n  a:\n    cmd: x\nweb:\n  cmd: nginx\n")).isEqualTo(
                "4:1: web: unknown key \"web\"; a program goes under \"programs:\" (indent \"web:\" beneath it)");
        assertThat(files.error("worker:\n  command: ./run\n  numprocs: 2\n")).startsWith(
                "1:1: worker: unknown key \"worker\"; a program goes under \"programs:\"");
    }

    // supervisord's command, directory, startsecs, stopwaitsecs, environment, stdout_logfile get "did you mean" (ValidationErrorsTest.supervisordNamesPointToOurs).
    @Test
    void aNearMissStillGetsDidYouMean() {
        assertThat(files.error("programs:\n  a:\n    cmd: x\n    comand: y\n"))
                .isEqualTo("4:5: programs.a.comand: unknown key \"comand\"; did you mean \"cmd\"?");
    }
}
